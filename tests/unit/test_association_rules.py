"""Rules of the associations' registry that a clerk importing a file notices: which CUIs are valid, how a row
is read (staircases, numbers, dates, phones), and that every bad row comes back with its line and reason."""

from __future__ import annotations

import pytest

from chalicelib.domain.associations import (
    HEADER,
    cui_control_digit,
    directory_key,
    normalise_cui,
    parse_import,
    street_key,
)
from chalicelib.domain.errors import InvalidInput

GOOD = (
    "14399840,Asociația de Proprietari Bloc 5,Str. Ziduri Moși,23,5,A;B,44,2,"
    "Ion Popescu,PS2/0123,2028-12-31,Maria Ionescu,bloc5@example.ro,0722 123 456"
)


def csv_of(*rows: str, header: str = ",".join(HEADER)) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


@pytest.mark.parametrize("cui", ["14399840", "RO14399840", "ro 1439 9840", "18547290"])
def test_real_fiscal_codes_pass_the_control_digit(cui: str) -> None:
    assert normalise_cui(cui) == cui.upper().replace("RO", "").replace(" ", "")


@pytest.mark.parametrize("cui", ["14399841", "1439984", "0143998", "", "RO", "12345678901", "1439984O"])
def test_a_wrong_or_malformed_fiscal_code_is_refused(cui: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_cui(cui)


def test_a_control_digit_of_ten_is_written_zero() -> None:
    bodies = [str(n) for n in range(100, 400)]
    weighted = {b: sum(int(d) * int(k) for d, k in zip(b.rjust(9, "0"), "753217532", strict=True)) for b in bodies}
    tens = [b for b, total in weighted.items() if total * 10 % 11 == 10]
    assert tens and all(cui_control_digit(b) == 0 for b in tens)
    assert normalise_cui(tens[0] + "0") == tens[0] + "0"


def test_a_good_row_is_read_normalised() -> None:
    parsed = parse_import(csv_of(GOOD))
    assert parsed.errors == []
    [row] = parsed.associations
    assert row["cui"] == "14399840" and row["staircases"] == ["A", "B"]
    assert (row["apartments"], row["lifts"]) == (44, 2)
    assert row["phone"] == "+40722123456" and row["administrator_certificate_expiry"] == "2028-12-31"
    assert row["legal_since"] is None


def test_every_bad_row_is_reported_with_its_line_and_reason() -> None:
    rows = [
        GOOD,
        GOOD.replace("14399840", "14399841"),  # line 3: control digit
        GOOD.replace("14399840", "18547290").replace(",44,", ",patruzeci,"),  # line 4: apartments
        GOOD.replace("14399840", "18547290").replace("2028-12-31", "31.12.2028"),  # line 5: date
        GOOD.replace("0722 123 456", "12"),  # line 6: phone (and repeated CUI after it)
        GOOD,  # line 7: repeated CUI
        "1,2,3",  # line 8: columns
    ]
    parsed = parse_import(csv_of(*rows))
    assert [e.line for e in parsed.errors] == [3, 4, 5, 6, 7, 8]
    messages = [e.message_ro for e in parsed.errors]
    assert "cifra de control" in messages[0]
    assert "Apartamente" in messages[1] and "AAAA-LL-ZZ" in messages[2]
    assert "telefon" in messages[3] and "rândul 2" in messages[4] and "coloane" in messages[5]
    assert all(e.message_en for e in parsed.errors)
    assert [a["cui"] for a in parsed.associations] == ["14399840"]


def test_a_quoted_multiline_name_keeps_the_line_numbers_of_the_file() -> None:
    multiline = GOOD.replace("Asociația de Proprietari Bloc 5", '"Asociația\nBloc 5"')
    parsed = parse_import(csv_of(multiline, GOOD.replace("14399840", "14399841")))
    assert [e.line for e in parsed.errors] == [4]


def test_a_file_without_the_header_or_not_utf8_is_refused_whole() -> None:
    with pytest.raises(InvalidInput, match="header"):
        parse_import(csv_of(GOOD, header="cui,name"))
    with pytest.raises(InvalidInput, match="UTF-8"):
        parse_import(csv_of(GOOD).replace("ț".encode(), b"\xfe"))


def test_the_legal_personality_date_may_follow_as_a_last_column() -> None:
    parsed = parse_import(csv_of(GOOD + ",2004-05-06", header=",".join(HEADER) + ",legal_since"))
    assert parsed.associations[0]["legal_since"] == "2004-05-06"


def test_a_certificate_needs_its_expiry() -> None:
    parsed = parse_import(csv_of(GOOD.replace("2028-12-31", "")))
    assert "expirării" in parsed.errors[0].message_ro


def test_streets_group_without_their_kind_diacritics_or_case() -> None:
    assert street_key("Șos. Ștefan cel Mare") == street_key("soseaua stefan cel mare") == "stefan cel mare"
    assert street_key("Str.  Ziduri Moși") == "ziduri mosi"
    assert directory_key("Str. X", "2", "B9", "1") < directory_key("Str. X", "10", "A1", "1")
