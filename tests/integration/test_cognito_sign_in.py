"""Staff sign-in against the AWS emulator's Cognito user pool, which answers with challenges as Cognito does:
a temporary password is not a sign-in, TOTP is enrolled and then asked at every sign-in (the stage requires
MFA, as prod does), and an account disabled through the app loses its sessions at once."""

from __future__ import annotations

import uuid

import boto3
import pytest

from chalicelib.config import load_settings
from chalicelib.domain.errors import InvalidInput, Unauthorized
from chalicelib.services import auth, sessions, staff_accounts
from chalicelib.wiring import build_deps
from tests.support.staff import totp_code

TEMPORARY = "Temporara-2026"
CHOSEN = "Aleasa-de-mine-2026"


@pytest.fixture(scope="module")
def pool(stack):
    cognito = boto3.client("cognito-idp", endpoint_url=stack.aws_endpoint, region_name="eu-central-1")
    pool_id = cognito.create_user_pool(PoolName=f"eps2-test-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="console", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    for group in ("clerk", "admin"):
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    return cognito, pool_id, client_id


@pytest.fixture()
def deps(stack, pool):
    _, pool_id, client_id = pool
    env = {
        **stack.env(),
        "EPS2_STAFF_DIRECTORY": "cognito",
        "EPS2_COGNITO_USER_POOL_ID": pool_id,
        "EPS2_COGNITO_CLIENT_ID": client_id,
        "EPS2_STAFF_MFA": "required",
    }
    return build_deps(load_settings(env))


def new_user(pool, confirmed: bool = False) -> str:
    cognito, pool_id, _ = pool
    name = f"c-{uuid.uuid4().hex[:8]}"
    cognito.admin_create_user(UserPoolId=pool_id, Username=name, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName="clerk")
    if confirmed:
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=CHOSEN, Permanent=True)
    return name


def test_a_temporary_password_leads_to_a_new_password_and_totp_enrolment(deps, pool):
    user = new_user(pool)
    first = auth.sign_in(deps, user, TEMPORARY, "198.51.100.20")
    assert first.challenge == "NEW_PASSWORD_REQUIRED" and not first.token
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, first.pending)  # a sign-in in progress is no session
    with pytest.raises(InvalidInput):
        auth.answer_challenge(deps, first.pending, "NEW_PASSWORD_REQUIRED", "scurta", "198.51.100.20")
    setup = auth.answer_challenge(deps, first.pending, "NEW_PASSWORD_REQUIRED", CHOSEN, "198.51.100.20")
    assert setup.challenge == "MFA_SETUP" and setup.secret and setup.secret in setup.otpauth_uri
    with pytest.raises(Unauthorized):
        auth.answer_challenge(deps, setup.pending, "MFA_SETUP", _wrong(setup.secret), "198.51.100.20")
    done = auth.answer_challenge(deps, setup.pending, "MFA_SETUP", totp_code(setup.secret), "198.51.100.20")
    identity = sessions.check_session(deps, done.token)
    assert identity.username == user and identity.roles == ("clerk",)

    again = auth.sign_in(deps, user, CHOSEN, "198.51.100.20")
    assert again.challenge == "SOFTWARE_TOKEN_MFA" and not again.token
    with pytest.raises(Unauthorized):
        auth.answer_challenge(deps, again.pending, "SOFTWARE_TOKEN_MFA", _wrong(setup.secret), "198.51.100.20")
    signed = auth.answer_challenge(deps, again.pending, "SOFTWARE_TOKEN_MFA", totp_code(setup.secret), "198.51.100.20")
    assert sessions.check_session(deps, signed.token).username == user


def test_an_account_with_a_password_but_no_authenticator_must_enrol_on_prod(deps, pool):
    user = new_user(pool, confirmed=True)
    setup = auth.sign_in(deps, user, CHOSEN, "198.51.100.21")
    assert setup.challenge == "MFA_SETUP" and not setup.token
    done = auth.answer_challenge(deps, setup.pending, "MFA_SETUP", totp_code(setup.secret), "198.51.100.21")
    assert done.token
    assert auth.sign_in(deps, user, CHOSEN, "198.51.100.21").challenge == "SOFTWARE_TOKEN_MFA"


def test_wrong_passwords_are_refused_and_throttled(deps, pool):
    user = new_user(pool, confirmed=True)
    for _ in range(3):
        with pytest.raises(Unauthorized):
            auth.sign_in(deps, user, "Nu-este-parola-1", "198.51.100.22")


def test_disabling_an_account_ends_its_sessions_and_its_sign_ins(deps, pool):
    user = new_user(pool, confirmed=True)
    setup = auth.sign_in(deps, user, CHOSEN, "198.51.100.23")
    token = auth.answer_challenge(deps, setup.pending, "MFA_SETUP", totp_code(setup.secret), "198.51.100.23").token
    assert staff_accounts.set_account_enabled(deps, "admin", user, False)["sessionsEnded"] == 1
    with pytest.raises(Unauthorized):
        sessions.check_session(deps, token)
    with pytest.raises(Unauthorized):
        auth.sign_in(deps, user, CHOSEN, "198.51.100.23")


def test_an_admin_creates_an_account_that_must_choose_its_password(deps, pool):
    user = f"n-{uuid.uuid4().hex[:8]}"
    staff_accounts.create_account(deps, "admin", user, "Temporara-de-la-admin-1", ["clerk"], "Ana Pop")
    assert auth.sign_in(deps, user, "Temporara-de-la-admin-1", "198.51.100.24").challenge == "NEW_PASSWORD_REQUIRED"


def _wrong(secret: str) -> str:
    right = totp_code(secret)
    return "000000" if right != "000000" else "111111"
