"""Announcements' rules without I/O: who an audience reaches (filters combine with AND), channels, sendAt,
the SMS notice in one GSM-7 segment, and the e-mail's text."""

from __future__ import annotations

import pytest

from chalicelib.domain import announcements as rules
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.sms import segment_count
from tests.support.associations_seed import association

NOW = 1_790_000_000_000
BUILDINGS = [association(n) for n in range(12)]


def reached(raw: dict[str, object]) -> set[str]:
    return set(rules.resolve(rules.parse_audience(raw), BUILDINGS))


def test_all_reaches_every_association():
    assert reached({"all": True}) == {b.cui for b in BUILDINGS}


def test_streets_are_compared_without_diacritics_case_or_street_word():
    on_stefan = {b.cui for b in BUILDINGS if "Ștefan" in b.street}
    assert on_stefan and reached({"streets": ["sos. stefan cel mare"]}) == on_stefan
    assert reached({"streets": ["Ștefan cel Mare", "Lizeanu"]}) == on_stefan | {
        b.cui for b in BUILDINGS if "Lizeanu" in b.street
    }


def test_lifts_means_at_least_one_lift():
    assert reached({"lifts": True}) == {b.cui for b in BUILDINGS if b.lifts >= 1}
    assert any(b.lifts == 0 for b in BUILDINGS)


def test_filters_given_together_combine_with_and():
    both = reached({"streets": ["Lizeanu"], "lifts": True})
    assert both == {b.cui for b in BUILDINGS if "Lizeanu" in b.street and b.lifts >= 1}
    assert both and both < reached({"streets": ["Lizeanu"]})
    few = reached({"cuis": [BUILDINGS[0].cui, BUILDINGS[1].cui], "lifts": True})
    assert few == {b.cui for b in BUILDINGS[:2] if b.lifts}
    big = reached({"minApartments": 25, "lifts": True})
    assert big == {b.cui for b in BUILDINGS if b.apartments >= 25 and b.lifts}


@pytest.mark.parametrize(
    "raw, words",
    [
        ({}, "ȘI"),
        ({"all": True, "lifts": True}, "singur"),
        ({"all": False}, "singur"),
        ({"lifts": False}, "true"),
        ({"streets": []}, "nevidă"),
        ({"streets": "Lizeanu"}, "listă"),
        ({"everyone": True}, "necunoscuți"),
        ({"minApartments": 0}, "pozitiv"),
        ("all", "Alegeți"),
    ],
)
def test_a_bad_audience_says_what_is_wrong_in_romanian_and_english(raw, words):
    with pytest.raises(InvalidInput) as refused:
        rules.parse_audience(raw)
    assert words in refused.value.message_ro and refused.value.message_en


def test_an_unknown_cui_is_refused_by_name():
    with pytest.raises(InvalidInput, match="CUIs not in the registry: 12"):
        reached({"cuis": ["12"]})


@pytest.mark.parametrize("raw", [[], ["fax"], ["email", "email"], "email", None])
def test_channels_are_a_non_empty_subset_without_repeats(raw):
    with pytest.raises(InvalidInput):
        rules.parse_channels(raw)


def test_channels_keep_a_fixed_order():
    assert rules.parse_channels(["portal", "email"]) == ("email", "portal")


def test_send_at_without_offset_is_bucharest_time_and_a_past_one_means_now():
    at = rules.parse_send_at("2026-12-01T09:00", NOW)
    assert at == rules.parse_send_at("2026-12-01T07:00:00Z", NOW)  # EET is UTC+2 in December
    assert rules.parse_send_at("2020-01-01T00:00", NOW) is None
    with pytest.raises(InvalidInput):
        rules.parse_send_at("mâine", NOW)


def test_the_sms_notice_fits_one_gsm7_segment_with_diacritics_folded_and_the_link_whole():
    link = "https://servicii.ps2.ro/staff/asociatie/anunturi/0123456789abcdef0123456789abcdef"
    text = rules.sms_text("Înscrieri în programul de reabilitare termică a blocurilor, ședința de informare " * 3, link)
    assert segment_count(text) == 1 and len(text) <= 160
    assert link in text and "ș" not in text and "î" not in text.lower()


def test_the_email_text_is_the_body_then_the_portal_link():
    text = rules.email_text("Ședința are loc joi.", "http://x/staff/asociatie/anunturi/1")
    assert text.startswith("Ședința are loc joi.") and "http://x/staff/asociatie/anunturi/1" in text


def test_counts_queue_what_is_not_finished():
    assert rules.counts(10, 6, 1, 1, 3) == {"queued": 2, "sent": 6, "failed": 1, "unconfirmed": 1, "read": 3}


def test_slices_cover_every_recipient_once():
    cuis = [str(n) for n in range(2_700)]
    parts = rules.slices(cuis)
    assert len(parts) == 6 and [c for part in parts for c in part] == cuis and len(parts[-1]) == 200
