"""Phone numbers: validated and normalised to E.164 (Romanian by default), masked for display.

``phonenumbers`` (about 75 ms to import) is loaded when a number is first parsed: the locker-event Lambda,
whose cold start a citizen waits on, never parses one.
"""

from __future__ import annotations

from .errors import InvalidInput


def normalise_phone(raw: str, default_region: str = "RO") -> str:
    """E.164 form of ``raw``; raises InvalidInput for anything that is not a valid number."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(
            "Numărul de telefon nu este valid. Scrieți-l ca 07xx xxx xxx sau cu prefixul țării (+40 7xx xxx xxx).",
            "The phone number is not valid.",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Keep the country code and the last three digits: enough for a clerk to confirm, not to call."""
    if len(e164) < 7:
        return "***"
    return f"{e164[:3]}{'*' * (len(e164) - 6)}{e164[-3:]}"
