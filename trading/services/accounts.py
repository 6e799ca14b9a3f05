"""Organisations, users, passwords, login and the end of sessions."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.accounts import ORG_TYPES, check_credit_code, check_roles
from ..domain.errors import N_, DomainError, NotFound
from ..models import Organisation, User, UserRole
from . import audit, holders

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
REGION_RE = re.compile(r"^\d{6}$")
MIN_PASSWORD = 8
# Werkzeug's scrypt with its default cost; the test suite lowers the cost to stay fast.
PASSWORD_METHOD = "scrypt"


def check_password_strength(password: str, field: str = "password") -> None:
    """At least 8 characters with a letter and a digit."""
    if len(password or "") < MIN_PASSWORD or not re.search(r"[A-Za-z]", password) \
            or not re.search(r"\d", password):
        raise DomainError(N_("A password needs at least %(min)s characters, with letters and digits."),
                          field=field, min=MIN_PASSWORD)


def hash_password(password: str) -> str:
    """Werkzeug's scrypt with a random salt."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def create_organisation(session, actor, now: datetime, *, name: str, org_type: str, credit_code: str,
                        region_code: str | None = None) -> Organisation:
    """Register an organisation after checking its credit code and that it is new."""
    name = (name or "").strip()
    if not name:
        raise DomainError(N_("Enter the organisation's name."), field="name")
    if len(name) > 200:
        raise DomainError(N_("The name is longer than %(max)s characters."), field="name", max=200)
    if org_type not in ORG_TYPES:
        raise DomainError(N_("Choose the organisation type."), field="org_type")
    code = check_credit_code(credit_code)
    if region_code and not REGION_RE.match(region_code):
        raise DomainError(N_("A region code has 6 digits, such as 421200."), field="region_code")
    if session.scalar(sa.select(Organisation.id).where(Organisation.credit_code == code)):
        raise DomainError(N_("An organisation with credit code %(code)s is already registered."),
                          field="credit_code", code=code)
    org = Organisation(name=name, org_type=org_type, credit_code=code, region_code=region_code or None,
                       active=True, created_at=now)
    session.add(org)
    session.flush()
    audit.record(session, actor, now, "organisation.create", object_type="organisation", object_id=org.id,
                 rule="identity.uscc", payload={"name": name, "org_type": org_type, "credit_code": code})
    return org


def set_organisation_active(session, actor, now: datetime, org: Organisation, active: bool) -> None:
    """Deactivate (or reactivate) an organisation; its users cannot log in while inactive."""
    if org.active == active:
        return
    org.active = active
    if not active:  # a later reactivation must not bring its users' old sessions back
        for user in org.users:
            end_sessions(user)
    session.flush()
    audit.record(session, actor, now, "organisation.activate" if active else "organisation.deactivate",
                 object_type="organisation", object_id=org.id, payload={"name": org.name})
    if active:  # its users' holder keys must be vouched for again
        for user in org.users:
            holders.reset(session, actor, now, user, "organisation reactivated")


def create_user(session, actor, now: datetime, *, username: str, display_name: str, organisation_id: int,
                roles, password: str) -> User:
    """Create a user with hashed password and roles that fit its organisation."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise DomainError(N_("A login name has 3 to 64 letters, digits, '.', '_' or '-'."), field="username")
    if session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == username.lower())):
        raise DomainError(N_("The login name %(name)s is taken."), field="username", name=username)
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 100:
        raise DomainError(N_("Enter a display name of at most 100 characters."), field="display_name")
    org = session.get(Organisation, organisation_id) if organisation_id else None
    if org is None:
        raise DomainError(N_("Choose the user's organisation."), field="organisation_id")
    if not org.active:
        raise DomainError(N_("The organisation %(name)s is deactivated."), field="organisation_id",
                          name=org.name)
    chosen = check_roles(roles, org.org_type)
    check_password_strength(password)
    user = User(username=username, display_name=display_name, organisation=org,
                password_hash=hash_password(password), active=True, created_at=now,
                password_changed_at=now, role_rows=[UserRole(role=r) for r in sorted(chosen)])
    session.add(user)
    session.flush()
    audit.record(session, actor, now, "user.create", object_type="user", object_id=user.id,
                 payload={"username": username, "organisation_id": org.id, "roles": sorted(chosen)})
    return user


def set_user_active(session, actor, now: datetime, user: User, active: bool) -> None:
    """Deactivate (or reactivate) a user; an admin cannot deactivate themself."""
    if actor is not None and getattr(actor, "id", None) == user.id and not active:
        raise DomainError(N_("You cannot deactivate your own account."), field="user")
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)  # every session ends, and stays ended after a reactivation
    session.flush()
    audit.record(session, actor, now, "user.activate" if active else "user.deactivate", object_type="user",
                 object_id=user.id, payload={"username": user.username})
    if active:  # a reactivated account's holder key must be vouched for again by a second person
        holders.reset(session, actor, now, user, "account reactivated")


def end_sessions(user: User) -> None:
    """End every session of ``user`` in every browser, remember-me cookies included (raises its session version;
    the caller flushes). The request that asked for it logs in again if it should stay."""
    user.session_version = (user.session_version or 0) + 1


def change_password(session, user: User, now: datetime, *, current: str, new: str) -> None:
    """Change one's own password after checking the current one; every session of the user ends (the view
    keeps its own by logging in again). No key depends on the login password."""
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError(N_("The current password is wrong."), field="current")
    check_password_strength(new, field="new")
    if new == current:
        raise DomainError(N_("The new password must differ from the current one."), field="new")
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    end_sessions(user)
    session.flush()
    audit.record(session, user, now, "user.password_change", object_type="user", object_id=user.id,
                 payload={"sessions_ended": True})


def reset_password(session, actor, now: datetime, user: User, *, new: str) -> None:
    """The administrator sets a new password for a user who lost theirs; every session of the user ends."""
    check_password_strength(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    end_sessions(user)
    session.flush()
    audit.record(session, actor, now, "user.password_reset", object_type="user", object_id=user.id,
                 payload={"username": user.username, "sessions_ended": True})


def log_out(session, user: User, now: datetime, *, address: str | None = None) -> None:
    """Log out everywhere: every session of the user ends, so a copied session cookie is worth nothing."""
    end_sessions(user)
    session.flush()
    audit.record(session, user, now, "auth.logout", object_type="user", object_id=user.id,
                 payload={"address": address, "sessions_ended": True})


def _dummy_hash() -> str:
    """A hash of no one's password, checked for an unknown login name so that it costs what a wrong password
    costs (made once per hashing method)."""
    if _DUMMY.get(PASSWORD_METHOD) is None:
        _DUMMY[PASSWORD_METHOD] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY[PASSWORD_METHOD]


_DUMMY: dict[str, str] = {}
WRONG_LOGIN = N_("Wrong login name or password.")


def authenticate(session, now: datetime, *, username: str, password: str, address: str | None = None) -> User:
    """Return the user for a correct login name and password, or refuse (flushes either way; every failure is
    audited with the address). An unknown name and a wrong password get the same answer after the same work;
    whether an account is deactivated is told only to whoever knows its password. Nothing here locks an
    account: repeated failures are throttled per client address by the web layer (rule ``auth.throttle``).
    For a user with the second factor on, the right password only opens the code step."""
    name = (username or "").strip()
    user = session.scalar(sa.select(User).where(sa.func.lower(User.username) == name.lower())) if name else None
    where = {"address": address} if address else {}
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        audit.record(session, None, now, "auth.login_failed", payload={"username": name[:64], **where})
        raise DomainError(WRONG_LOGIN, field="password")
    if not check_password_hash(user.password_hash, password or ""):
        audit.record(session, None, now, "auth.login_failed", object_type="user", object_id=user.id, payload=where)
        raise DomainError(WRONG_LOGIN, field="password")
    if not user.is_active:
        audit.record(session, None, now, "auth.login_refused", object_type="user", object_id=user.id,
                     payload={"reason": "inactive", **where})
        raise DomainError(N_("This account is deactivated; ask the centre's administrator."), field="username")
    if user.second_factor_on:  # the login is complete once the code is right (second_factor.complete_login)
        audit.record(session, user, now, "auth.password_ok", object_type="user", object_id=user.id, payload=where)
        return user
    user.last_login_at = now
    session.flush()
    audit.record(session, user, now, "auth.login", object_type="user", object_id=user.id, payload=where)
    return user


def get_user(session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."), field="user")
    return user


def get_organisation(session, org_id: int) -> Organisation:
    """The organisation with this id, or NotFound."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(N_("No such organisation."), field="organisation")
    return org
