"""统一社会信用代码 (GB 32100-2015): real codes pass, mistakes are refused with the reason."""

from __future__ import annotations

import pytest

from trading.domain.accounts import check_credit_code, check_roles
from trading.domain.errors import DomainError
from trading.simulate.demo import ORGS, credit_code

REAL_CODES = [
    "91330100799655058B",  # a Hangzhou company, from its business licence
    "9144030071526726XG",  # a Shenzhen company
    "914403001922038216",
    "91110000802100433B",
    "91350100M000100Y43",  # the example printed in GB 32100-2015
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_accepted(code):
    assert check_credit_code(code) == code


def test_spaces_hyphens_and_lower_case_are_tolerated():
    assert check_credit_code(" 9133-0100-7996-5505-8b ") == "91330100799655058B"


def test_a_wrong_check_character_is_refused_with_the_expected_one():
    with pytest.raises(DomainError) as refused:
        check_credit_code("91330100799655058C")
    assert refused.value.field == "credit_code" and refused.value.rule == "identity.uscc"
    assert refused.value.params["expected"] == "B"


@pytest.mark.parametrize("code, words", [
    ("9133010079965505", "18 characters"),
    ("", "Enter"),
    ("9133A100799655058B", "first 8 characters are digits"),
    ("91330100I99655058B", "other than I, O, S, V, Z"),
])
def test_malformed_codes_say_why(code, words):
    with pytest.raises(DomainError) as refused:
        check_credit_code(code)
    assert words in str(refused.value)


def test_every_demo_organisation_has_a_valid_code():
    for spec in ORGS:
        code = credit_code(spec.kind, spec.region, spec.body)
        assert check_credit_code(code) == code


def test_roles_must_fit_the_organisation_type():
    assert check_roles(["bidder"], "bidder") == {"bidder"}
    with pytest.raises(DomainError) as refused:
        check_roles(["supervisor"], "bidder")
    assert refused.value.field == "roles"
    with pytest.raises(DomainError):
        check_roles([], "bidder")
    with pytest.raises(DomainError):
        check_roles(["king"], "bidder")
