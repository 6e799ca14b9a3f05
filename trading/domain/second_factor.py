"""The second factor: time-based one-time codes (TOTP, RFC 6238, as phone authenticator apps make them) and
one-time recovery codes. Plain Python: the caller hands in the time and keeps the state.

A TOTP code is accepted in its own 30-second step or the one before or after (clocks drift); the step it matched
is returned so the caller can refuse the same step twice (no replay within the window).

Recovery codes are 16 random base-32 characters (80 bits), shown once as ``ABCD-EFGH-JKLM-NPQR``. Only a
SHA-256 of each is kept, bound to its user: with 80 random bits a fast hash is already beyond guessing offline,
so the slow hash passwords need would only slow the login.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp

DIGITS = 6
WINDOW = 1  # steps either side of the current one
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud and typed without doubt
_CODE_RE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """A fresh TOTP secret: 32 base-32 characters (160 bits), as authenticator apps take it."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def clean(code: str | None) -> str:
    """A code as typed, without spaces and hyphens, upper-case."""
    return re.sub(r"[\s-]", "", code or "").upper()


def is_totp_code(code: str) -> bool:
    """True for six digits (a TOTP code); anything else is tried as a recovery code."""
    return bool(_CODE_RE.match(clean(code)))


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code ``code`` is, within WINDOW steps of ``at``; None if none matches."""
    code = clean(code)
    if not _CODE_RE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at)
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """``count`` fresh recovery codes, ``XXXX-XXXX-XXXX-XXXX``."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_hash(user_id: int, code: str) -> str:
    """What is stored of a recovery code: SHA-256 of the cleaned code, bound to its user."""
    return hashlib.sha256(f"trading recovery code v1\0{user_id}\0{clean(code)}".encode()).hexdigest()
