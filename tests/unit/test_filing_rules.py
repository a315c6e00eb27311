"""Associations' filings as an administrator and the department meet them (in-memory stores): a filing for
another association refused before anything else, a lift-programme enrolment from draft to acceptance with a
document asked for and added, the registry's number, an e-mail at each step, the compliance view of a period,
and filings kept out of the online requests' inbox."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from chalicelib import filing_types
from chalicelib.domain.errors import Forbidden, IllegalTransition, InvalidInput
from chalicelib.domain.filings import check_period, period_of
from chalicelib.ports import StaffIdentity
from chalicelib.services import associations, filing_compliance, filing_review, filings, online_review
from chalicelib.services.deps import Deps
from devstack.synthetic_associations import generate, to_csv
from tests.support.memory_deps import memory_deps

PDF = b"%PDF-1.7\n" + b"0" * 4000
ADMINISTRATOR = StaffIdentity("asoc", ("association",))
OTHER_ADMINISTRATOR = StaffIdentity("asoc2", ("association",))
DEPARTMENT = StaffIdentity("ana", ("department", "dept:ps2-asociatii-proprietari"))
URBANISM = StaffIdentity("urb", ("department", "dept:ps2-urbanism"))
LIFT_DOCUMENTS = ("cerere-tip", "hotarare-ag", "contract-mandat", "lista-proprietari", "fisa-tehnica")
LIFT_ANSWERS = {"lifts": 2, "installed": 1975, "iscir": "da"}


@pytest.fixture()
def deps() -> Deps:
    deps = memory_deps()
    associations.import_csv(deps, "admin", to_csv(generate(10)))
    return deps


def cuis(count: int = 10) -> list[str]:
    return [row["cui"] for row in generate(count)]


def attach(deps: Deps, identity: StaffIdentity, filing_id: str, document: str) -> None:
    row, upload = filings.request_upload(
        deps, identity, filing_id, document, f"{document}.pdf", "application/pdf", len(PDF)
    )
    assert deps.files.put(upload["fields"]["key"], PDF, "application/pdf")  # type: ignore[attr-defined]


def a_lift_filing(deps: Deps, documents: tuple[str, ...] = LIFT_DOCUMENTS) -> str:
    own = cuis()[0]
    deps.stores.associations.link("asoc", own, now=1)
    draft = filings.create_filing(deps, ADMINISTRATOR, {"cui": own, "type": "lift-programme", "answers": LIFT_ANSWERS})
    for document in documents:
        attach(deps, ADMINISTRATOR, draft.id, document)
    return draft.id


def test_a_filing_for_another_associations_cui_is_refused_before_its_answers_are_read(deps: Deps) -> None:
    own, foreign = cuis()[:2]
    deps.stores.associations.link("asoc", own, now=1)
    with pytest.raises(Forbidden):
        filings.create_filing(deps, ADMINISTRATOR, {"cui": foreign, "type": "no-such-type", "answers": {"x": 1}})
    with pytest.raises(Forbidden):  # staff do not file for associations
        filings.create_filing(deps, DEPARTMENT, {"cui": own, "type": "general", "answers": {}})
    with pytest.raises(InvalidInput):
        filings.create_filing(deps, ADMINISTRATOR, {"cui": own, "type": "lift-programme", "answers": {"lifts": "x"}})


def test_a_lift_enrolment_goes_from_draft_to_accepted_with_a_document_asked_for(deps: Deps) -> None:
    filing_id = a_lift_filing(deps, LIFT_DOCUMENTS[:-1])
    with pytest.raises(InvalidInput) as refused:
        filings.submit(deps, ADMINISTRATOR, filing_id)
    assert "Fișa tehnică a liftului" in refused.value.message_ro
    attach(deps, ADMINISTRATOR, filing_id, "fisa-tehnica")
    registered = filings.submit(deps, ADMINISTRATOR, filing_id)
    assert registered.status == "registered" and registered.registration_number.startswith("PS2-")
    with pytest.raises(Forbidden):
        filings.own_filing(deps, OTHER_ADMINISTRATOR, filing_id)
    with pytest.raises(Forbidden):
        filing_review.take(deps, URBANISM, filing_id)
    filing_review.take(deps, DEPARTMENT, filing_id)
    asked = filing_review.ask_for_documents(deps, DEPARTMENT, filing_id, ["hotarare-ag"], "Lipsește semnătura.")
    assert asked.status == "awaiting_documents"
    attach(deps, ADMINISTRATOR, filing_id, "hotarare-ag")
    assert filings.submit(deps, ADMINISTRATOR, filing_id).status == "in_review"
    accepted = filing_review.accept(deps, DEPARTMENT, filing_id)
    assert accepted.status == "accepted" and accepted.registration_number == registered.registration_number
    with pytest.raises(IllegalTransition):
        filing_review.reject(deps, DEPARTMENT, filing_id, "prea târziu")
    listed = filing_review.list_filings(deps, DEPARTMENT, "lift-programme", "accepted")
    assert [f["registrationNumber"] for f in listed] == [registered.registration_number]
    subjects = [subject for _, subject, _ in deps.email.sent]  # type: ignore[attr-defined]
    assert len(subjects) == 5 and all(s.startswith(registered.registration_number) for s in subjects)
    assert {to for to, _, _ in deps.email.sent} == {generate(1)[0]["email"]}  # type: ignore[attr-defined]
    assert "Hotărârea adunării generale" in deps.email.sent[2][2]  # type: ignore[attr-defined]
    mine = filings.list_filings(deps, ADMINISTRATOR)
    assert [(f["id"], f["status"]) for f in mine] == [(filing_id, "accepted")]


def test_the_compliance_view_names_who_filed_for_the_period_and_who_did_not(deps: Deps) -> None:
    own = cuis()[0]
    deps.stores.associations.link("asoc", own, now=1)
    answers = {"period": "2026-s1", "cash": 100, "bank": 2000, "arrears": "nu"}
    draft = filings.create_filing(deps, ADMINISTRATOR, {"cui": own, "type": "balance-statement", "answers": answers})
    attach(deps, ADMINISTRATOR, draft.id, "situatie-solduri")
    number = filings.submit(deps, ADMINISTRATOR, draft.id).registration_number
    filing_compliance.set_deadline(deps, DEPARTMENT, "balance-statement", "2026-S1", "2026-07-31")
    view = filing_compliance.compliance(deps, DEPARTMENT, "balance-statement", "2026-S1")
    assert (view["total"], view["filed"], view["missing"], view["due"]) == (10, 1, 9, "2026-07-31")
    assert [a["registrationNumber"] for a in view["associations"] if a["filed"]] == [number]
    csv = filing_compliance.compliance_csv(view).splitlines()
    assert len(csv) == 11 and sum(1 for line in csv if ",da," in line) == 1
    other = filing_compliance.compliance(deps, DEPARTMENT, "balance-statement", "2026-S2")
    assert other["filed"] == 0
    with pytest.raises(InvalidInput):
        filing_compliance.set_deadline(deps, DEPARTMENT, "complaint", "2026", "2026-12-31")  # not periodic


def test_filings_stay_out_of_the_online_requests_inbox(deps: Deps) -> None:
    filing_id = a_lift_filing(deps)
    filings.submit(deps, ADMINISTRATOR, filing_id)
    clerk = StaffIdentity("clerk", ("clerk",))
    assert filing_id not in [r["id"] for r in online_review.inbox(deps, clerk, None, None)]
    assert [f["id"] for f in filing_review.list_filings(deps, clerk, "lift-programme")] == [filing_id]


def test_the_filing_types_file_is_checked_when_loaded() -> None:
    data = filing_types.load()
    assert [t["id"] for t in data["types"]] == list(filing_types.IDS) and filing_types.problems_of(data) == []
    broken = copy.deepcopy(data)
    lift = broken["types"][1]
    lift["documents"][0]["condition"] = "lifts"  # a number, not a yes/no question
    lift["title"]["ro"] = "Înscrierea în programul de reabilitare a lifturilor, \u015fi altele"  # ş with a cedilla
    del broken["types"][0]["questions"][0]  # a half-yearly filing that does not ask its period
    problems = filing_types.problems_of(broken)
    assert any("condition" in p for p in problems) and any("cedilla" in p for p in problems)
    assert any("asks its period" in p for p in problems)


def test_periods_are_written_one_way() -> None:
    assert check_period("half-year", " 2026-s2 ") == "2026-S2" and check_period("year", "2026") == "2026"
    assert check_period(None, "anything") is None
    for wrong in ("2026-S3", "2026", "26-S1"):
        with pytest.raises(InvalidInput):
            check_period("half-year", wrong)
    assert period_of("half-year", date(2026, 7, 1)) == "2026-S2" and period_of("year", date(2026, 7, 1)) == "2026"
