"""TOTP codes and recovery codes, without the app: the window, the step returned for replay checks, the hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from trading.domain import second_factor as totp

AT = datetime(2026, 3, 2, 1, 0, 10, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def app_code(at: datetime) -> str:
    """What an authenticator app shows at ``at``."""
    return pyotp.TOTP(SECRET).at(at)


def test_a_code_is_accepted_one_step_either_side_and_names_its_step():
    step = pyotp.TOTP(SECRET).timecode(AT)
    assert totp.matching_step(SECRET, app_code(AT), AT) == step
    assert totp.matching_step(SECRET, app_code(AT - timedelta(seconds=30)), AT) == step - 1
    assert totp.matching_step(SECRET, app_code(AT + timedelta(seconds=30)), AT) == step + 1
    assert totp.matching_step(SECRET, app_code(AT - timedelta(seconds=90)), AT) is None


def test_codes_are_read_as_people_type_them():
    code = app_code(AT)
    assert totp.matching_step(SECRET, f" {code[:3]} {code[3:]} ", AT) is not None
    assert totp.matching_step(SECRET, "12345", AT) is None and totp.matching_step(SECRET, "abcdef", AT) is None


def test_recovery_codes_are_long_unambiguous_and_hashed_per_user():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10
    assert all(len(c) == 19 and set(c.replace("-", "")) <= set(totp.RECOVERY_ALPHABET) for c in codes)
    assert totp.recovery_hash(7, codes[0]) == totp.recovery_hash(7, codes[0].lower().replace("-", " "))
    assert totp.recovery_hash(7, codes[0]) != totp.recovery_hash(8, codes[0])
    assert not totp.is_totp_code(codes[0]) and totp.is_totp_code("123 456")
