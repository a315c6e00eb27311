"""SMS texts: every template, with the longest realistic values, fits one GSM-7 segment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.domain.codes import new_pin, new_token
from chalicelib.domain.sms import TEMPLATES, SmsContext, fold_to_gsm7, render_sms, segment_count

ROOT = Path(__file__).resolve().parents[2]
LONGEST_NUMBER = "ABCDEFGHIJ/123456789"  # the longest number the desk may supply (20 characters)


def longest_base_url() -> str:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    urls = [s.get("environment_variables", {}).get("EPS2_PUBLIC_BASE_URL", "") for s in config["stages"].values()]
    return max(urls + ["http://localhost:65535"], key=len)


def longest_context() -> SmsContext:
    return SmsContext(
        registration_number=LONGEST_NUMBER,
        deadline_ms=1_798_754_399_000,  # 31.12 23:59
        pin=new_pin(),
        qr_url=f"{longest_base_url()}/r/{new_token()}",
        counter_location="Registratura, Str. Chiristigiilor nr. 11-13",
        counter_hours="L-V 8:30-16:30",
        at_ms=1_798_754_399_000,
        code="123456",
        answer_due="2027-12-31",
        url=f"{longest_base_url()}/cereri",
        service="Autorizația pentru restaurante, baruri și activități recreative (acord de funcționare)",
        documents=(
            "Dovada titlului asupra imobilului (extras de carte funciară)",
            "Certificatul de urbanism",
            "Planul de situație la scara 1:500",
        ),
    )


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_fits_one_gsm7_segment(template):
    text = render_sms(template, longest_context())
    assert segment_count(text) == 1, (len(text), text)
    assert len(text) <= 160


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_diacritics_reach_the_sms(template):
    text = render_sms(template, longest_context())
    assert not set(text) & set("ăâîșțşţĂÂÎȘȚŞŢ")


def test_pickup_sms_carries_number_pin_deadline_and_link():
    ctx = longest_context()
    text = render_sms("pickup_ready", ctx)
    assert ctx.registration_number in text and ctx.pin in text and ctx.qr_url in text and "31.12" in text


def test_pickup_sms_without_link_when_links_are_turned_off():
    ctx = longest_context()
    text = render_sms("pickup_ready", SmsContext(ctx.registration_number, ctx.deadline_ms, ctx.pin, None))
    assert "http" not in text and ctx.pin in text


def test_folding_handles_both_comma_and_cedilla_forms():
    assert fold_to_gsm7("Ștefan Țiriac ş ţ") == "Stefan Tiriac s t"


def test_segment_count_switches_to_ucs2_for_unfoldable_characters():
    assert segment_count("a" * 160) == 1
    assert segment_count("a" * 161) == 2
    assert segment_count("ă" * 70) == 1
    assert segment_count("€" * 80) == 1
    assert segment_count("€" * 81) == 2
