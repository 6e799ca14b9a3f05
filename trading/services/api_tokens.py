"""Issuing, listing, revoking and checking an organisation's API tokens (domain/api_tokens.py).

A token is issued by a user on the account page, shown once, and acts as that user within its scopes until it
expires or is revoked by anyone of the organisation allowed to hold tokens. Issuing and revoking are audited;
each use is audited by the action it performs (a bid's ``bid.submit`` entry names the token's prefix).
Checking a token writes nothing: an upload in the last minute before a deadline must not wait on a login row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..domain import api_tokens as tokens
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import ApiToken, User
from . import audit

BAD_TOKEN = N_("The API token is not valid: it is unknown, expired or revoked. Issue a new one on your account page.")


def _allowed(user: User) -> tuple[str, ...]:
    return tokens.scopes_for(user.roles)


def may_hold(user: User) -> bool:
    """True when the user's roles allow any token scope (the account page shows the section only then)."""
    return bool(_allowed(user))


def live(session, organisation_id: int, now: datetime) -> list[ApiToken]:
    """The organisation's tokens that still work, newest first."""
    return list(session.scalars(sa.select(ApiToken).where(
        ApiToken.organisation_id == organisation_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .order_by(ApiToken.id.desc())))


def issue(session, actor: User, now: datetime, *, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the token itself, which is shown this once and kept nowhere."""
    allowed = _allowed(actor)
    if not allowed:
        raise Forbidden(N_("Your role does not use API tokens."), field="scopes")
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise DomainError(N_("Name the token (at most 64 characters), e.g. the program that will use it."),
                          field="name")
    chosen = [scope for scope in dict.fromkeys(scopes or [])]
    if not chosen or any(scope not in allowed for scope in chosen):
        raise DomainError(N_("Choose the token's scopes among those your role allows."), field="scopes")
    if days not in tokens.LIFETIME_DAYS:
        raise DomainError(N_("Choose how long the token lasts."), field="days")
    if len(live(session, actor.organisation_id, now)) >= tokens.MAX_LIVE_TOKENS:
        raise DomainError(N_("Your organisation already has %(count)s working tokens: revoke one first."),
                          field="name", count=tokens.MAX_LIVE_TOKENS)
    secret = tokens.new_secret()
    row = ApiToken(organisation_id=actor.organisation_id, user_id=actor.id, name=name,
                   prefix=tokens.shown_prefix(secret), token_hash=tokens.digest(secret), scopes=" ".join(chosen),
                   created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "api_token.issue", object_type="api_token", object_id=row.id,
                 payload={"prefix": row.prefix, "scopes": chosen, "expires_at": row.expires_at.isoformat()})
    return row, secret


def revoke(session, actor: User, now: datetime, token_id: int) -> ApiToken:
    """Revoke one of the organisation's tokens (at once: the next request with it is refused)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.organisation_id != actor.organisation_id or not may_hold(actor):
        raise NotFound(N_("No such token."), field="token")
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(session, actor, now, "api_token.revoke", object_type="api_token", object_id=row.id,
                     payload={"prefix": row.prefix})
    session.flush()
    return row


def authenticate(session, now: datetime, secret: str | None, scope: str) -> tuple[User, ApiToken]:
    """The user a token acts as, if the token is well formed, known, live and holds ``scope``, and its user may
    still log in; else refuse (the same answer for every reason but a missing scope)."""
    row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == tokens.digest(secret))) \
        if tokens.well_formed(secret) else None
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.is_active:
        raise DomainError(BAD_TOKEN, field="token")
    if scope not in row.scope_list or scope not in _allowed(row.user):
        raise Forbidden(N_("This API token does not allow %(scope)s."), field="token", scope=scope)
    return row.user, row
