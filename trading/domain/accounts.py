"""Roles, organisation types and the unified social credit code (统一社会信用代码)."""

from __future__ import annotations

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from .errors import N_, DomainError

ROLES = {
    "admin": N_("System administrator"),
    "staff": N_("Centre staff"),
    "supervisor": N_("Supervisor"),
    "tenderee": N_("Tenderee / agency"),
    "bidder": N_("Bidder"),
    "expert": N_("Evaluation expert"),
}

# Who may turn on the second factor: the roles that hold opening-key shares (opening host, supervisor, tenderee
# representative) and the administrator.
SECOND_FACTOR_ROLES = ("staff", "supervisor", "tenderee", "admin")

ORG_TYPES = {
    "trading_centre": N_("Trading centre"),
    "supervisory_body": N_("Supervisory body"),
    "tenderee": N_("Tenderee"),
    "agency": N_("Tendering agency"),
    "bidder": N_("Bidder company"),
    "expert_employer": N_("Expert employer"),
}

# Which roles a user of each organisation type may hold (admin may belong to the centre).
ROLES_BY_ORG_TYPE = {
    "trading_centre": {"admin", "staff"},
    "supervisory_body": {"supervisor", "admin"},
    "tenderee": {"tenderee"},
    "agency": {"tenderee"},
    "bidder": {"bidder"},
    "expert_employer": {"expert"},
}


def normalise_credit_code(code: str) -> str:
    """Strip spaces and hyphens and upper-case a credit code as people type it."""
    return uscc.compact(code or "")


def check_credit_code(code: str, field: str = "credit_code") -> str:
    """Return the compact code, or refuse it saying why (GB 32100-2015)."""
    compact = normalise_credit_code(code)
    if not compact:
        raise DomainError(N_("Enter the unified social credit code."), field=field, rule="identity.uscc")
    try:
        return uscc.validate(compact)
    except stdnum_errors.InvalidLength:
        raise DomainError(
            N_("A unified social credit code has 18 characters; this one has %(count)s."),
            field=field, rule="identity.uscc", count=len(compact),
        ) from None
    except stdnum_errors.InvalidFormat:
        raise DomainError(
            N_("In a unified social credit code the first 8 characters are digits (registering "
               "authority, type, region) and the rest digits or capital letters other than I, O, S, V, Z."),
            field=field, rule="identity.uscc",
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise DomainError(
            N_("The check character of this credit code is wrong (GB 32100-2015): "
               "it should be %(expected)s; check for a typing mistake."),
            field=field, rule="identity.uscc", expected=uscc.calc_check_digit(compact[:17]),
        ) from None
    except stdnum_errors.ValidationError:
        raise DomainError(
            N_("This is not a valid unified social credit code (GB 32100-2015)."),
            field=field, rule="identity.uscc",
        ) from None


def check_roles(roles: set[str] | list[str], org_type: str, field: str = "roles") -> set[str]:
    """Refuse unknown roles, an empty set, and roles the organisation type cannot hold."""
    chosen = set(roles)
    if not chosen:
        raise DomainError(N_("Choose at least one role."), field=field)
    unknown = chosen - set(ROLES)
    if unknown:
        raise DomainError(N_("Unknown role: %(role)s."), field=field, role=", ".join(sorted(unknown)))
    allowed = ROLES_BY_ORG_TYPE.get(org_type, set())
    misfit = chosen - allowed
    if misfit:
        raise DomainError(
            N_("A user of this organisation type cannot hold the role %(role)s."),
            field=field, role=", ".join(sorted(misfit)),
        )
    return chosen
