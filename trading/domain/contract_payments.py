"""What a payment towards a contract's price may be, whatever the contract (a land contract, ``land_payments``; a
state property transaction contract, ``property_payments``): above zero and never more than is still owed. Each trade
reckons what is owed its own way; this is the one check both apply when money arrives at a contract's collection
sub-account (``services.contract_payments``)."""

from __future__ import annotations

from decimal import Decimal

from .errors import N_, DomainError


def check_amount(amount: Decimal, left: Decimal, *, rule: str, field: str = "amount") -> None:
    """Refuse a payment when nothing is left to pay, or when it is more than what is left (naming the rule the
    contract's payments are judged by)."""
    if amount <= 0:
        raise DomainError(N_("The amount must be above zero."), field=field, rule=rule)
    if left <= 0:
        raise DomainError(N_("The contract's price is paid in full: nothing is left to pay."), field=field, rule=rule)
    if amount > left:
        raise DomainError(N_("At most %(left)s yuan is left to pay under the contract: a payment cannot be more."),
                          field=field, rule=rule, left=f"{left:,.2f}")
