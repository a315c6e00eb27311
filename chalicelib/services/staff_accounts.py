"""Staff accounts managed by an admin: create one with a temporary password, disable or enable it, set its roles.

Disabling an account or taking a role away ends the account's sessions at once; an admin cannot lock
themselves out (disable their own account or drop their own admin role). Every change is audited on the
account (``staff#<username>``) with the admin as actor.
"""

from __future__ import annotations

import re

from .. import catalogue
from ..domain.errors import Conflict, InvalidInput, NotFound
from ..domain.signin import password_problem
from ..ports import AccountExists, PasswordRejected, UnknownAccount
from . import sessions
from .audit import record_staff_event
from .auth import ROLES, STAFF_ROLES
from .deps import Deps

DEPARTMENT_ROLE = "department"
ASSOCIATION_ROLE = "association"  # an association's administrator (issue 15): not staff, no other role

USERNAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # one URL path segment, as every identifier of the API


def assignable_roles() -> list[str]:
    """What an admin may give: the console roles, ``department`` and ``dept:<id>`` for each department of the
    catalogue (a department's staff see its online requests)."""
    return [*ROLES, DEPARTMENT_ROLE, *(f"dept:{d}" for d in catalogue.department_ids()), ASSOCIATION_ROLE]


def _checked_roles(roles: object) -> list[str]:
    allowed = set(assignable_roles())
    if not isinstance(roles, list) or not roles or any(not isinstance(r, str) or r not in allowed for r in roles):
        raise InvalidInput(
            "Rolurile sunt „clerk”, „admin”, „department” și „dept:<id>” pentru un departament din catalog.",
            f"roles: one or more of {', '.join(ROLES)}, {DEPARTMENT_ROLE}, dept:<a catalogue department id>",
        )
    if ASSOCIATION_ROLE in roles and len(set(roles)) > 1:
        raise InvalidInput(
            "Un cont de asociație nu are alte roluri: administratorii asociațiilor nu sunt personal al primăriei.",
            "the association role goes alone: an association's administrator is not staff",
        )
    departments = [r for r in roles if r.startswith("dept:")]
    if DEPARTMENT_ROLE in roles and not departments:
        raise InvalidInput(
            "Alegeți și departamentul contului („dept:<id>”).", "the department role needs a dept:<id> role"
        )
    if departments and not set(roles) & set(STAFF_ROLES):
        raise InvalidInput(
            "Un cont de departament are și rolul „department” (sau „clerk”, „admin”).",
            "dept:<id> roles need a console role: department, clerk or admin",
        )
    return sorted(set(roles))


def _unknown() -> NotFound:
    return NotFound("Contul nu există.", "no such staff account")


def create_account(
    deps: Deps, actor: str, username: str, temporary_password: str, roles: list[str], name: str = ""
) -> dict[str, object]:
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput("Numele de utilizator: litere, cifre, - și _.", "username: letters, digits, - and _")
    roles = _checked_roles(roles)
    problem = password_problem(temporary_password, username)
    if problem:
        raise InvalidInput(*problem)
    try:
        deps.staff.create_account(username, temporary_password, tuple(roles), name)
    except AccountExists:
        raise Conflict("Numele de utilizator este deja folosit.", "username taken") from None
    except PasswordRejected as error:
        raise InvalidInput(str(error), "the directory refused the temporary password") from None
    record_staff_event(deps, username, "account_created", actor=actor, roles=list(roles))
    return {"username": username, "roles": list(roles), "enabled": True}


def set_account_enabled(deps: Deps, actor: str, username: str, enabled: bool) -> dict[str, object]:
    if username == actor and not enabled:
        raise Conflict("Nu vă puteți dezactiva propriul cont.", "an admin cannot disable their own account")
    try:
        deps.staff.set_enabled(username, enabled)
    except UnknownAccount:
        raise _unknown() from None
    ended = 0 if enabled else sessions.end_sessions_of(deps, username)
    record_staff_event(deps, username, "account_enabled" if enabled else "account_disabled", actor=actor, ended=ended)
    return {"username": username, "enabled": enabled, "sessionsEnded": ended}


def set_account_roles(deps: Deps, actor: str, username: str, roles: list[str]) -> dict[str, object]:
    roles = _checked_roles(roles)
    if username == actor and "admin" not in roles:
        raise Conflict("Nu vă puteți lua singur rolul de administrator.", "an admin cannot drop their own admin role")
    before = deps.staff.lookup(username)
    try:
        deps.staff.set_roles(username, tuple(roles))
    except UnknownAccount:
        raise _unknown() from None
    removed = sorted(set(before.roles) - set(roles)) if before else []
    ended = sessions.end_sessions_of(deps, username) if removed or before is None else 0
    record_staff_event(deps, username, "roles_changed", actor=actor, roles=list(roles), removed=removed, ended=ended)
    return {"username": username, "roles": list(roles), "sessionsEnded": ended}
