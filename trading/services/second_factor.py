"""The second factor (TOTP) of an account: turning it on and off, the code step of the login, the admin's reset.

The secret is sealed under the platform's at-rest key (bound to the user), never kept in clear. Codes are checked
against ``at``, the real time (UTC) that authenticator apps keep, not the platform clock, which may be simulated.
A code's time step, once accepted, is never accepted again, and each recovery code works once; both are claimed
with a conditional UPDATE, so two requests racing with the same code cannot both win.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import second_factor as totp
from ..domain.accounts import SECOND_FACTOR_ROLES
from ..domain.errors import N_, DomainError, Forbidden
from ..models import RecoveryCode, User
from . import accounts, audit

PURPOSE = "totp"
WRONG_CODE = N_("The code is wrong or was already used. Enter the current code from your app, or an unused "
                "recovery code.")


def may_use(user) -> bool:
    """Staff, supervisors, tenderee representatives (the key holders) and the administrator."""
    return user.has_role(*SECOND_FACTOR_ROLES)


def _binding(user: User) -> str:
    return f"user:{user.id}"


def pending_secret(ctx, user: User) -> str | None:
    """The secret of a set-up begun but not yet confirmed (to show it and its QR code), else None."""
    if user.totp_secret is None or user.second_factor_on:
        return None
    return ctx.keyring.at_rest.open(PURPOSE, user.totp_secret, _binding(user)).decode()


def begin(ctx, session, user: User, now: datetime) -> None:
    """Start turning the second factor on: a fresh secret, sealed; it counts only once a code confirms it."""
    if not may_use(user):
        raise Forbidden(N_("Your role does not use a second factor."), field="user", rule="auth.second_factor")
    if user.second_factor_on:
        raise DomainError(N_("The second factor is already on."), field="user")
    user.totp_secret = ctx.keyring.at_rest.seal(PURPOSE, totp.new_secret().encode(), _binding(user))
    user.totp_last_step = None
    session.flush()


def _claim_step(session, user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was; False for a replay."""
    table = User.__table__
    claimed = session.execute(
        sa.update(table).where(table.c.id == user.id)
        .where(sa.or_(table.c.totp_last_step.is_(None), table.c.totp_last_step < step))
        .values(totp_last_step=step)
    ).rowcount == 1
    if claimed:
        session.expire(user, ["totp_last_step"])
    return claimed


def _check_totp(ctx, session, user: User, code: str, at: datetime) -> bool:
    if user.totp_secret is None:
        return False
    secret = ctx.keyring.at_rest.open(PURPOSE, user.totp_secret, _binding(user)).decode()
    step = totp.matching_step(secret, code, at)
    return step is not None and _claim_step(session, user, step)


def _use_recovery_code(session, user: User, code: str, now: datetime) -> bool:
    """Spend one unused recovery code; False if there is none with this value."""
    digest = totp.recovery_hash(user.id, code)
    row = session.scalar(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                        RecoveryCode.code_hash == digest,
                                                        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    table = RecoveryCode.__table__
    spent = session.execute(sa.update(table).where(table.c.id == row.id, table.c.used_at.is_(None))
                            .values(used_at=now)).rowcount == 1
    session.expire(row)
    return spent


def check_code(ctx, session, user: User, now: datetime, *, code: str, at: datetime) -> str:
    """Accept a current TOTP code or an unused recovery code, spending it: "totp" or "recovery"; else refuse."""
    if totp.is_totp_code(code):
        if _check_totp(ctx, session, user, code, at):
            return "totp"
    elif user.second_factor_on and _use_recovery_code(session, user, code, now):
        return "recovery"
    raise DomainError(WRONG_CODE, field="code", rule="auth.second_factor")


def enable(ctx, session, user: User, now: datetime, *, code: str, at: datetime) -> list[str]:
    """Confirm the set-up with a code from the app: the second factor is on, and every other session of the user
    ends (they were opened without it). Returns the new recovery codes, in clear this once."""
    if pending_secret(ctx, user) is None:
        raise DomainError(N_("Start the set-up again: there is no secret waiting for a code."), field="code")
    if not totp.is_totp_code(code) or not _check_totp(ctx, session, user, code, at):
        raise DomainError(N_("The code does not match: check that the app shows this account and that the phone's "
                             "time is right, then enter the code it shows now."), field="code",
                          rule="auth.second_factor")
    user.totp_enabled_at = now
    codes = totp.new_recovery_codes()
    user.recovery_codes = [RecoveryCode(code_hash=totp.recovery_hash(user.id, c)) for c in codes]
    accounts.end_sessions(user)
    session.flush()
    audit.record(session, user, now, "user.second_factor_on", object_type="user", object_id=user.id,
                 rule="auth.second_factor", payload={"recovery_codes": len(codes), "sessions_ended": True})
    return codes


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.recovery_codes = []


def disable(ctx, session, user: User, now: datetime, *, code: str, at: datetime) -> None:
    """Turn the second factor off, which takes a current code (or a recovery code)."""
    if not user.second_factor_on:
        raise DomainError(N_("The second factor is not on."), field="code")
    kind = check_code(ctx, session, user, now, code=code, at=at)
    _clear(user)
    session.flush()
    audit.record(session, user, now, "user.second_factor_off", object_type="user", object_id=user.id,
                 rule="auth.second_factor", payload={"confirmed_with": kind})


def reset(session, actor, now: datetime, user: User) -> None:
    """The administrator turns a user's second factor off (a lost phone and lost recovery codes); every session
    of the user ends. The user may set it up again."""
    if user.totp_secret is None:
        raise DomainError(N_("This account has no second factor to reset."), field="user")
    _clear(user)
    accounts.end_sessions(user)
    session.flush()
    audit.record(session, actor, now, "user.second_factor_reset", object_type="user", object_id=user.id,
                 rule="auth.second_factor", payload={"username": user.username, "sessions_ended": True})


def complete_login(ctx, session, user: User, now: datetime, *, code: str, at: datetime,
                   address: str | None = None) -> str:
    """The login's second step, after the password: accept the code and record the login, or audit the failure
    (flushed, for the caller to commit) and refuse."""
    where = {"address": address} if address else {}
    try:
        kind = check_code(ctx, session, user, now, code=code, at=at)
    except DomainError:
        audit.record(session, None, now, "auth.second_factor_failed", object_type="user", object_id=user.id,
                     rule="auth.second_factor", payload=where)
        raise
    user.last_login_at = now
    session.flush()
    audit.record(session, user, now, "auth.login", object_type="user", object_id=user.id,
                 payload={"second_factor": kind, **where})
    return kind
