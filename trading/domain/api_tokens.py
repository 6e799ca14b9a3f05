"""API tokens: what a program (the bidder tool, an organisation's own system) sends instead of a password.

A token is ``tpt_`` and 43 URL-safe characters (256 random bits). Only its SHA-256 is kept: with 256 random bits
a fast hash is beyond guessing offline, and checking a token costs one hash and one indexed lookup instead of
the deliberately slow password hash (which capped uploads at a dozen a second). Each token carries scopes; a
role may hold only the scopes listed for it here: a bidder uploads bids and reads its own records, a tenderee (or
its agency) reads its lots, a supervisor reads the warnings and correction orders; all are read-only but the
upload.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from .errors import N_

PREFIX = "tpt_"
_SHAPE = re.compile(r"^tpt_[A-Za-z0-9_-]{43}$")

# scope -> what it lets a program do (shown on the account page)
SCOPES = {
    "bids": N_("Upload sealed bids and receive their receipts"),
    "read": N_("Read your company's sign-ups, deposits, bids and receipts"),
    "lots": N_("Read your organisation's lots: state, timetable and what you may know of them now"),
    "supervision": N_("Read the early warnings and correction orders"),
}
ROLE_SCOPES = {"bidder": ("bids", "read"), "tenderee": ("lots",), "supervisor": ("supervision",)}
LIFETIME_DAYS = (30, 90, 365)  # the choices offered when a token is issued
MAX_LIVE_TOKENS = 10  # per organisation: enough for a few programs, few enough to review


def new_secret() -> str:
    """A fresh token."""
    return PREFIX + secrets.token_urlsafe(32)


def well_formed(text: str | None) -> bool:
    """True when ``text`` has a token's shape (anything else is refused without a lookup)."""
    return bool(text) and _SHAPE.match(text) is not None


def digest(secret: str) -> str:
    """The SHA-256 kept for a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def shown_prefix(secret: str) -> str:
    """The first characters, kept in clear so that the owners can tell their tokens apart."""
    return secret[: len(PREFIX) + 6]


def scopes_for(roles: set[str]) -> tuple[str, ...]:
    """The scopes a user with ``roles`` may give a token."""
    found: list[str] = []
    for role in sorted(roles):
        found += [scope for scope in ROLE_SCOPES.get(role, ()) if scope not in found]
    return tuple(found)
