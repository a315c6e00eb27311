"""The locker's checks without a broker: command signatures, lifetime and address, offline QR codes, PINs, replay.

Commands are signed with the backend's own signer (``chalicelib.adapters.signer``),
so these tests also prove that the backend and the locker agree on the signed bytes.
Offline QR signatures are built from docs/locker-protocol.md, independently of both.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from chalicelib.adapters.signer import Ed25519Signer
from iot.store import AgentStore
from iot.verify import (
    CLOCK_SKEW_MS,
    Keyring,
    OfflineCredential,
    b64url,
    check_command,
    parse_offline_qr,
    pin_matches,
)

LOCKER = "ps2-hq-01"
NOW = 1_796_000_000_000
DEPOSIT = "deposit-cmd-1"


def new_signer(kid: str = "k1") -> Ed25519Signer:
    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return Ed25519Signer(raw, kid)


def keyring_of(*signers: Ed25519Signer) -> Keyring:
    return Keyring.from_b64({s.kid: s.public_key_b64() for s in signers})


BACKEND = new_signer("k1")
KEYRING = keyring_of(BACKEND)


def signed(message: dict[str, Any], signer: Ed25519Signer = BACKEND, kid: str | None = None) -> dict[str, Any]:
    message = {**message, "kid": kid or signer.kid}
    return {**message, "sig": signer.sign(message)}


def command(type_: str = "unlock", signer: Ed25519Signer = BACKEND, kid: str | None = None, **fields: Any) -> dict:
    message: dict[str, Any] = {"v": 1, "id": "cmd-1", "type": type_, "locker": LOCKER, "iat": NOW, "exp": NOW + 60_000}
    if type_ == "unlock":
        message.update(compartment="A07", purpose="pickup", re="evt-1")
    elif type_ == "reject":
        message.update(re="evt-1", reason="used", message="Codul a fost deja folosit.")
    elif type_ == "revoke":
        message.update(nonces=["AbCdEfGh"])
    elif type_ == "pin_verifier":
        message.update(
            compartment="A07", deposit=DEPOSIT, nonce="AbCdEfGh", until=NOW + 86_400_000, verifier=verifier("12345678")
        )
    message.update(fields)
    return signed(message, signer, kid)


def verifier(pin: str, phone_digits: str | None = None, n: int = 16) -> dict[str, Any]:
    salt = b"0123456789abcdef"
    body: dict[str, Any] = {"kdf": "scrypt", "n": n, "r": 8, "p": 1, "salt": b64url(salt)}
    body["pin"] = b64url(hashlib.scrypt(pin.encode(), salt=salt, n=n, r=8, p=1, dklen=32))
    if phone_digits:
        body["pinPhone"] = b64url(hashlib.scrypt((pin + phone_digits).encode(), salt=salt, n=n, r=8, p=1, dklen=32))
    return body


def check(message: Any, now: int = NOW, keyring: Keyring = KEYRING, locker: str = LOCKER) -> str | None:
    return check_command(message, keyring, locker, now)


class TestCommandSignature:
    @pytest.mark.parametrize("type_", ["unlock", "reject", "revoke", "pin_verifier"])
    def test_a_command_signed_by_the_backend_is_accepted(self, type_: str) -> None:
        assert check(command(type_)) is None

    def test_a_command_signed_with_the_next_key_of_the_keyring_is_accepted(self) -> None:
        rotated = new_signer("k2")
        assert check(command(signer=rotated), keyring=keyring_of(BACKEND, rotated)) is None

    @pytest.mark.parametrize(
        "field, value", [("compartment", "A08"), ("purpose", "service"), ("exp", NOW + 3_600_000), ("locker", "x")]
    )
    def test_a_field_changed_after_signing_is_a_bad_signature(self, field: str, value: Any) -> None:
        assert check({**command(), field: value}) == "bad_signature"

    def test_a_field_added_after_signing_is_a_bad_signature(self) -> None:
        assert check({**command(), "purpose2": "deposit"}) == "bad_signature"

    def test_a_signature_by_another_key_under_a_known_kid_is_a_bad_signature(self) -> None:
        assert check(command(signer=new_signer("k1"))) == "bad_signature"

    def test_a_signature_under_an_unknown_kid_is_refused_as_unknown_key(self) -> None:
        assert check(command(signer=new_signer("k9"))) == "unknown_key"

    @pytest.mark.parametrize("sig", [None, 42, "", "not base64 at all!", "A" * 86])
    def test_a_missing_or_malformed_signature_is_a_bad_signature(self, sig: Any) -> None:
        message = {**command(), "sig": sig}
        if sig is None:
            del message["sig"]
        assert check(message) == "bad_signature"

    def test_a_missing_kid_is_a_bad_signature(self) -> None:
        message = command()
        del message["kid"]
        assert check(message) == "bad_signature"

    @pytest.mark.parametrize("message", [None, [], "unlock", {"v": 2, "id": "x"}, {"v": 1, "id": 7}, {"v": 1}])
    def test_something_that_is_not_a_version_1_command_with_an_id_is_a_bad_command(self, message: Any) -> None:
        assert check(message) == "bad_command"


class TestCommandLifetimeAndAddress:
    def test_a_command_for_another_locker_is_refused(self) -> None:
        assert check(command(locker="ps2-hq-02")) == "wrong_locker"

    def test_a_command_without_a_locker_is_refused(self) -> None:
        assert check(command(locker=None)) == "wrong_locker"

    def test_a_command_is_accepted_until_its_expiry_plus_the_skew_tolerance(self) -> None:
        message = command()
        assert check(message, now=message["exp"] + CLOCK_SKEW_MS) is None

    def test_a_command_past_its_expiry_plus_the_skew_tolerance_is_refused(self) -> None:
        message = command()
        assert check(message, now=message["exp"] + CLOCK_SKEW_MS + 1) == "expired"

    def test_the_skew_tolerance_is_five_seconds(self) -> None:
        assert CLOCK_SKEW_MS == 5_000

    @pytest.mark.parametrize("exp", [None, "1796000060000", 1.796e12])
    def test_a_command_without_an_integer_expiry_is_refused_as_expired(self, exp: Any) -> None:
        assert check(command(exp=exp)) == "expired"

    def test_the_address_is_checked_only_after_the_signature(self) -> None:
        assert check({**command(), "locker": "ps2-hq-02"}) == "bad_signature"


class TestCommandType:
    @pytest.mark.parametrize("type_", ["open", "UNLOCK", "", None])
    def test_an_unknown_type_is_a_bad_command(self, type_: Any) -> None:
        assert check(command(type_=type_)) == "bad_command"

    @pytest.mark.parametrize("field, value", [("compartment", None), ("compartment", 7), ("purpose", None)])
    def test_an_unlock_without_a_compartment_or_purpose_is_a_bad_command(self, field: str, value: Any) -> None:
        assert check(command(**{field: value})) == "bad_command"

    @pytest.mark.parametrize(
        "fields",
        [
            {"compartment": None},
            {"deposit": None},
            {"deposit": 17},
            {"nonce": None},
            {"until": None},
            {"until": "1796086400000"},
            {"verifier": None},
            {"verifier": "scrypt"},
        ],
    )
    def test_a_pin_verifier_without_its_fields_is_a_bad_command(self, fields: dict[str, Any]) -> None:
        assert check(command("pin_verifier", **fields)) == "bad_command"

    @pytest.mark.parametrize(
        "change",
        [
            {"kdf": "argon2id"},
            {"kdf": None},
            {"n": "16"},
            {"r": None},
            {"p": 1.0},
            {"salt": None},
            {"salt": 16},
            {"pin": None},
        ],
    )
    def test_a_pin_verifier_with_a_malformed_verifier_is_a_bad_command(self, change: dict[str, Any]) -> None:
        assert check(command("pin_verifier", verifier=verifier("12345678") | change)) == "bad_command"

    def test_a_pin_verifier_without_the_phone_digits_hash_is_accepted(self) -> None:
        assert "pinPhone" not in verifier("12345678")
        assert check(command("pin_verifier", verifier=verifier("12345678"))) is None


def offline_qr(
    token: str = "tok3n",
    compartment: str = "A07",
    exp_s: int = NOW // 1000 + 3600,
    nonce: str = "AbCdEfGh",
    locker: str = LOCKER,
    deposit: str = DEPOSIT,
    signer: Ed25519Signer = BACKEND,
) -> str:
    signed_text = f"eps2-offline-1\n{locker}\n{deposit}\n{compartment}\n{exp_s}\n{nonce}"
    return f"{token}.{compartment}.{exp_s}.{nonce}.{signer.sign_bytes(signed_text.encode())}"


def holding(**deposits: str) -> Any:
    """``deposit_of`` for a locker whose compartments hold these deposit commands."""
    return deposits.get


def parse(
    qr: str, now: int = NOW, keyring: Keyring = KEYRING, locker: str = LOCKER, deposit_of: Any = None
) -> OfflineCredential | str:
    return parse_offline_qr(qr, keyring, locker, now, deposit_of or holding(A07=DEPOSIT))


class TestOfflineQr:
    def test_a_qr_for_this_locker_and_the_deposit_in_the_compartment_opens_it(self) -> None:
        exp_s = NOW // 1000 + 3600
        credential = parse(offline_qr(exp_s=exp_s))
        assert credential == OfflineCredential("tok3n", "A07", exp_s * 1000, "AbCdEfGh", DEPOSIT)

    def test_a_qr_signed_with_any_key_of_the_keyring_is_accepted(self) -> None:
        rotated = new_signer("k2")
        credential = parse(offline_qr(signer=rotated), keyring=keyring_of(BACKEND, rotated))
        assert isinstance(credential, OfflineCredential)

    def test_a_qr_for_another_locker_is_refused(self) -> None:
        assert parse(offline_qr(locker="ps2-hq-02")) == "bad_signature"

    def test_a_qr_for_a_compartment_emptied_and_filled_again_is_refused(self) -> None:
        assert parse(offline_qr(), deposit_of=holding(A07="deposit-cmd-2")) == "bad_signature"

    def test_a_qr_for_a_compartment_with_no_deposit_recorded_is_refused(self) -> None:
        assert parse(offline_qr(), deposit_of=holding(A08=DEPOSIT)) == "not_deposited"

    def test_a_qr_is_accepted_until_the_second_it_expires(self) -> None:
        exp_s = NOW // 1000 + 60
        assert isinstance(parse(offline_qr(exp_s=exp_s), now=exp_s * 1000), OfflineCredential)

    def test_an_expired_qr_is_refused(self) -> None:
        exp_s = NOW // 1000 + 60
        assert parse(offline_qr(exp_s=exp_s), now=exp_s * 1000 + 1) == "expired"

    @pytest.mark.parametrize("part, value", [(1, "A08"), (2, str(NOW // 1000 + 7200)), (3, "ZZZZZZZZ")])
    def test_a_qr_with_a_changed_compartment_expiry_or_nonce_is_refused(self, part: int, value: str) -> None:
        parts = offline_qr().split(".")
        parts[part] = value
        assert parse(".".join(parts), deposit_of=holding(A07=DEPOSIT, A08=DEPOSIT)) == "bad_signature"

    def test_a_qr_signed_by_someone_else_is_refused(self) -> None:
        assert parse(offline_qr(signer=new_signer("k1"))) == "bad_signature"

    @pytest.mark.parametrize("qr", ["tok3n", "tok3n.A07.1796003600.AbCdEfGh", "a.b.c.d.e.f"])
    def test_an_online_only_code_carries_no_offline_credential(self, qr: str) -> None:
        assert parse(qr) == "no_offline_credential"

    @pytest.mark.parametrize("qr", ["t.A07.soon.AbCdEfGh.sig", "t..1796003600.AbCdEfGh.sig", "t.A07.1796003600..sig"])
    def test_a_malformed_qr_is_a_bad_credential(self, qr: str) -> None:
        assert parse(qr) == "bad_credential"


class TestPinMatches:
    def test_the_right_8_digit_pin_matches(self) -> None:
        assert pin_matches(verifier("12345678", "0042"), "12345678")

    def test_a_wrong_8_digit_pin_does_not_match(self) -> None:
        assert not pin_matches(verifier("12345678", "0042"), "12345679")

    def test_the_pin_followed_by_the_phones_last_4_digits_matches(self) -> None:
        assert pin_matches(verifier("12345678", "0042"), "123456780042")

    def test_the_pin_followed_by_other_phone_digits_does_not_match(self) -> None:
        assert not pin_matches(verifier("12345678", "0042"), "123456780043")

    def test_12_digits_do_not_match_a_verifier_without_the_phone_hash(self) -> None:
        assert not pin_matches(verifier("12345678"), "123456780042")

    @pytest.mark.parametrize("change", [{"n": 3}, {"salt": None}, {"r": "eight"}, {"p": None}])
    def test_a_malformed_verifier_matches_nothing(self, change: dict[str, Any]) -> None:
        assert not pin_matches(verifier("12345678") | change, "12345678")

    def test_a_verifier_missing_its_salt_matches_nothing(self) -> None:
        body = verifier("12345678")
        del body["salt"]
        assert not pin_matches(body, "12345678")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "agent.sqlite3"


class TestReplay:
    def test_a_command_id_is_claimed_once(self, store_path: Path) -> None:
        store = AgentStore(store_path)
        try:
            assert store.claim_command("cmd-1", NOW)
            assert not store.claim_command("cmd-1", NOW + 1)
            assert store.claim_command("cmd-2", NOW + 2)
        finally:
            store.close()

    def test_a_command_id_stays_claimed_across_a_restart(self, store_path: Path) -> None:
        first = AgentStore(store_path)
        assert first.claim_command("cmd-1", NOW)
        first.close()
        restarted = AgentStore(store_path)
        try:
            assert not restarted.claim_command("cmd-1", NOW + 60_000)
        finally:
            restarted.close()

    def test_pruning_forgets_only_ids_older_than_the_cutoff(self, store_path: Path) -> None:
        store = AgentStore(store_path)
        try:
            store.claim_command("old", NOW)
            store.claim_command("recent", NOW + 120_000)
            store.prune(NOW + 60_000)
            assert store.claim_command("old", NOW + 180_000)
            assert not store.claim_command("recent", NOW + 180_000)
        finally:
            store.close()

    def test_an_offline_nonce_opens_once(self, store_path: Path) -> None:
        store = AgentStore(store_path)
        try:
            assert store.claim_nonce("AbCdEfGh", NOW)
            assert not store.claim_nonce("AbCdEfGh", NOW + 1)
        finally:
            store.close()
