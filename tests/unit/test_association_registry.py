"""The associations' registry as staff and administrators use it (in-memory stores): an import idempotent by
CUI that writes nothing when a row is bad, who sees whose personal data, who may edit what, account links,
the published directory without a private person's name or contact, and the certificate check."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.ports import StaffIdentity
from chalicelib.services import associations, directory
from chalicelib.services.deps import Deps
from chalicelib.web.directory_pages import republish
from devstack.synthetic_associations import generate, to_csv
from tests.support.memory_deps import memory_deps

CLERK = StaffIdentity("clerk", ("clerk",))
ADMINISTRATOR = StaffIdentity("asoc", ("association",))


@dataclass
class RecordingSite:
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def publish(self, files: dict[str, tuple[bytes, str]]) -> None:
        self.files.update(files)


def registry(count: int = 30) -> tuple[Deps, list[dict[str, str]]]:
    deps = memory_deps()
    rows = generate(count)
    associations.import_csv(deps, "admin", to_csv(rows))
    return deps, rows


def test_a_second_import_of_the_same_file_creates_nothing_and_a_changed_row_is_updated() -> None:
    deps, rows = registry()
    assert associations.import_csv(deps, "admin", to_csv(rows)).counts == {"created": 0, "updated": 0, "unchanged": 30}
    rows[3]["apartments"] = "99"
    rows.append(generate(31)[30])
    outcome = associations.import_csv(deps, "admin", to_csv(rows))
    assert outcome.counts == {"created": 1, "updated": 1, "unchanged": 29}
    assert outcome.streets == {rows[3]["street"], rows[30]["street"]}


def test_a_file_with_a_bad_row_writes_nothing_and_names_every_bad_line() -> None:
    deps = memory_deps()
    rows = generate(5)
    rows[1]["cui"] = rows[1]["cui"][:-1] + str((int(rows[1]["cui"][-1]) + 1) % 10)
    rows[3]["lifts"] = "doua"
    with pytest.raises(associations.ImportRefused) as refused:
        associations.import_csv(deps, "admin", to_csv(rows))
    assert [e["line"] for e in refused.value.errors] == [3, 5]
    assert list(deps.stores.associations.all()) == []


def test_staff_see_personal_data_and_an_administrator_only_their_own_associations() -> None:
    deps, rows = registry()
    own, foreign = rows[0]["cui"], rows[1]["cui"]
    deps.stores.associations.link("asoc", own, now=1)
    mine = associations.list_associations(deps, ADMINISTRATOR, q="", street="")
    assert [a["cui"] for a in mine] == [own] and mine[0]["presidentName"] == rows[0]["president_name"]
    assert associations.get_association(deps, ADMINISTRATOR, own)["email"] == rows[0]["email"]
    with pytest.raises(Forbidden):
        associations.get_association(deps, ADMINISTRATOR, foreign)
    seen = associations.get_association(deps, CLERK, foreign)
    assert seen["administratorName"] == rows[1]["administrator_name"] and seen["accounts"] == []
    found = associations.list_associations(deps, CLERK, q=rows[5]["block"], street=rows[5]["street"])
    assert rows[5]["cui"] in [a["cui"] for a in found]


def test_an_administrator_edits_only_the_contact_fields_of_their_association() -> None:
    deps, rows = registry()
    own = rows[0]["cui"]
    deps.stores.associations.link("asoc", own, now=1)
    changed = associations.edit_association(
        deps, ADMINISTRATOR, own, {"email": "Nou@Example.ro", "phone": "0733 111 222"}
    )
    assert (changed["email"], changed["phone"]) == ("nou@example.ro", "+40733111222")
    with pytest.raises(Forbidden):
        associations.edit_association(deps, ADMINISTRATOR, own, {"administratorCertificate": "FALS/1"})
    with pytest.raises(InvalidInput):
        associations.edit_association(deps, CLERK, own, {"apartments": 0})
    staff_edit = associations.edit_association(deps, CLERK, own, {"lifts": 3, "staircases": ["A", "B"]})
    assert staff_edit["lifts"] == 3 and staff_edit["staircases"] == ["A", "B"]


def test_only_association_accounts_are_linked() -> None:
    deps, rows = registry(3)
    deps.staff.create_account("asoc2", "o-parola-lunga-de-test", ("association",), "")
    deps.staff.create_account("clerk2", "o-parola-lunga-de-test", ("clerk",), "")
    linked = associations.link_account(deps, "admin", "asoc2", rows[2]["cui"])
    assert linked["associations"] == [rows[2]["cui"]]
    with pytest.raises(InvalidInput):
        associations.link_account(deps, "admin", "clerk2", rows[2]["cui"])


def test_the_published_directory_holds_no_private_persons_name_or_contact() -> None:
    deps, rows = registry()
    site = RecordingSite()
    deps.site = site
    written = republish(deps)
    assert (
        written == len(site.files) and "asociatii/index.html" in site.files and "en/asociatii/index.html" in site.files
    )
    published = b"".join(content for content, _ in site.files.values()).decode()
    for row in rows:
        assert row["cui"] in published and row["administrator_certificate"] in published
        for private in (row["president_name"], row["email"], row["phone"]):
            assert private not in published
        if not row["administrator_name"].startswith("SC "):
            assert row["administrator_name"] not in published


def test_an_import_publishes_the_streets_it_changed_from_the_file_without_reading_the_registry() -> None:
    deps, rows = registry()
    site = RecordingSite()
    deps.site = site
    rows[0]["apartments"] = "77"
    outcome = associations.import_csv(deps, "admin", to_csv(rows))
    deps.stores.associations.table = None  # type: ignore[assignment]  # any read of the registry would fail
    republish(deps, outcome.streets, outcome.registry, outcome.known)
    slug = directory.slug(rows[0]["street"])
    assert sorted(site.files) == sorted(
        [
            "asociatii/index.html",
            "en/asociatii/index.html",
            f"asociatii/{slug}/index.html",
            f"en/asociatii/{slug}/index.html",
        ]
    )
    page = site.files[f"asociatii/{slug}/index.html"][0].decode()
    assert (
        rows[0]["cui"] in page
        and f"{len(outcome.registry)} de asociații" in site.files["asociatii/index.html"][0].decode()
    )


def test_the_certificate_check_says_whether_it_is_valid_today() -> None:
    deps, rows = registry()
    row = rows[0]
    answer = directory.check_certificate(deps, row["administrator_certificate"].lower())
    assert answer["found"] and row["cui"] in [a["cui"] for a in answer["associations"]]
    assert answer["certified"] == (row["administrator_certificate_expiry"] >= directory.today(deps))
    assert not directory.check_certificate(deps, "PS2-1999/9999")["found"]


def test_a_username_that_cannot_be_an_account_is_refused_as_such() -> None:
    deps, rows = registry(3)
    with pytest.raises(InvalidInput, match="username"):
        associations.link_account(deps, "admin", "", rows[0]["cui"])  # never looked up (DynamoDB refuses "" keys)
