"""Changing a key holder of a lot (DESIGN §4 step 4): centre staff ask, with a reason; a supervisor other than the
one asking (and other than the incoming holder) approves; each step is audited and the change is announced on the
lot as a notice beside the clarifications.

An approved change revokes the outgoing holder's share: it can no longer be released and does not count. The
opening key stays, because bids may already be sealed to it and it cannot be re-split before the opening without
recombining it; and the change takes the same path whether or not any bid has come in, because a public notice
that differed (a new key while none had arrived) would tell every visitor whether anyone bid (招标投标法 第二十二条).
The incoming holder holds shares from the lot's next round (``keys.choose_holders`` names it at the next
announcement). Refused if fewer than k usable shares would remain (the bids could then never be opened), and for a
lot without an opening key (a listing, an auction or a multi-round property bidding: nothing is sealed).

A state property lot whose disclosure chose one sealed round (``sealed_rounds``) has its opening key from its
announcement and takes the same path during its disclosure (listing) and its round (auction) as a tender between its
announcement and its opening; the notice then speaks of prices (报价) and the round's deadline (报价截止).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import lifecycle
from ..domain.documents import KEY_HOLDER_ROLES
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import Clarification, HolderChange, KeyShare, Lot, User
from . import announcements, audit, holders, keys
from .sealed_rounds import is_sealed_round


def _current_share(session, lot: Lot, role: str) -> KeyShare:
    key = keys.opening_key_of(session, lot)
    share = next((s for s in (key.shares if key else []) if s.role == role and s.revoked_at is None), None)
    if share is None:
        raise DomainError(N_("This lot's round has no current key holder in that role."), field="role")
    return share


def _check_new_holder(session, lot: Lot, role: str, user: User | None) -> None:
    """The incoming holder: an approved key, the account role the share role needs, not holding a share already."""
    needed = keys.CEREMONY_ROLES.get(role)
    if user is None or needed is None or not user.has_role(needed) or not holders.usable(session, user):
        raise DomainError(N_("The new holder needs the right role and a holder key approved by a supervisor."),
                          field="new_holder", rule="electronic.no_early_decrypt")
    if role == "tenderee" and user.organisation_id not in lot.project.party_ids():
        raise DomainError(N_("The tenderee's representative must belong to the tenderee or its agency."),
                          field="new_holder")
    key = keys.opening_key_of(session, lot)
    if any(s.holder_id == user.id and s.revoked_at is None for s in key.shares):
        raise DomainError(N_("This person already holds a share of the lot."), field="new_holder")


def request_change(session, actor, now: datetime, lot: Lot, role: str, new_holder_id: int | None,
                   reason: str) -> HolderChange:
    """Staff ask to replace the lot's holder in ``role`` by ``new_holder_id``, giving the reason."""
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Only centre staff ask for a change of key holder."), field="role")
    if lot.state not in lifecycle.KEYS_IN_USE:
        raise DomainError(N_("Key holders can be changed only while the lot is announced or at its opening."),
                          field="role")
    if keys.opening_key_of(session, lot) is None:  # a listing, an auction, a multi-round property bidding
        raise DomainError(N_("This lot takes no sealed bids or prices: it has no opening key and no key holders to "
                             "change."), field="role", rule="electronic.no_early_decrypt")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Write the reason for the change."), field="reason")
    old = _current_share(session, lot, role)
    new_holder = session.get(User, new_holder_id) if new_holder_id else None
    _check_new_holder(session, lot, role, new_holder)
    if session.scalar(sa.select(HolderChange.id).where(HolderChange.lot_id == lot.id, HolderChange.round == lot.round,
                                                       HolderChange.role == role, HolderChange.status == "pending")):
        raise DomainError(N_("A change of this holder is already waiting for approval."), field="role")
    row = HolderChange(lot_id=lot.id, round=lot.round, role=role, old_holder_id=old.holder_id,
                       new_holder_id=new_holder.id, reason=reason[:1000], requested_by_id=actor.id,
                       requested_at=now, status="pending")
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "holder_change.request", object_type="lot", object_id=lot.id,
                 rule="electronic.no_early_decrypt",
                 payload={"change_id": row.id, "role": role, "old_holder": old.holder_id,
                          "new_holder": new_holder.id, "reason": row.reason})
    return row


def pending(session, lot: Lot) -> list[HolderChange]:
    """The lot's changes waiting for a supervisor."""
    return list(session.scalars(sa.select(HolderChange).where(HolderChange.lot_id == lot.id,
                                                              HolderChange.status == "pending")
                                .order_by(HolderChange.id)))


def _notice(session, actor, now: datetime, lot: Lot, text: str) -> Clarification:
    """Publish the change on the lot beside the clarifications (the deadline does not move)."""
    return announcements.notice(session, actor, now, lot, text, deadline_before=lot.bid_deadline,
                                deadline_after=lot.bid_deadline)


def decide(session, actor, now: datetime, change_id: int, approve: bool) -> HolderChange:
    """A supervisor other than the requester (and not the incoming holder) approves or rejects a change."""
    if actor is None or not actor.has_role("supervisor"):
        raise Forbidden(N_("Only the supervisory body approves a change of key holder."), field="change")
    change = session.get(HolderChange, change_id)
    if change is None or change.status != "pending":
        raise NotFound(N_("No such change waiting for approval."), field="change")
    if actor.id in (change.requested_by_id, change.new_holder_id, change.old_holder_id):
        raise DomainError(N_("A supervisor other than the requester and the holders concerned must decide."),
                          field="change", rule="electronic.no_early_decrypt")
    lot = session.get(Lot, change.lot_id)
    change.decided_by_id, change.decided_at = actor.id, now
    if not approve:
        change.status = "rejected"
        session.flush()
        audit.record(session, actor, now, "holder_change.reject", object_type="lot", object_id=lot.id,
                     payload={"change_id": change.id})
        return change
    if lot.round != change.round or lot.state not in lifecycle.KEYS_IN_USE:
        raise DomainError(N_("The lot has moved on since the request; ask again."), field="change")
    old = _current_share(session, lot, change.role)
    opening_key = keys.opening_key_of(session, lot)
    role_name = KEY_HOLDER_ROLES.get(change.role, change.role)
    # One path whatever has come in: re-running the ceremony only while no bid had arrived would tell every
    # visitor of the public notice whether anyone bid (法 Art. 22). The opening key stays; the outgoing holder's
    # share is revoked; the incoming holder holds shares from the next round.
    if old.released_at is not None:
        raise DomainError(N_("This holder has already released its share: there is nothing to revoke."),
                          field="change")
    remaining = sum(s.revoked_at is None for s in opening_key.shares) - 1
    if remaining < opening_key.k:
        raise DomainError(N_("Revoking this share would leave %(left)s usable shares, fewer than the %(k)s the "
                             "opening needs."), field="change", rule="electronic.no_early_decrypt",
                          left=remaining, k=opening_key.k)
    old.revoked_at = now
    change.outcome = "revoked"
    new_holder = session.get(User, change.new_holder_id) if change.new_holder_id else None
    successor = (f"自下一轮交易起由{new_holder.display_name}（{new_holder.organisation.name}）担任；"
                 if new_holder is not None else "")
    sealed, deadline = ("报价", "报价截止") if is_sealed_round(lot) else ("投标文件", "投标截止")
    text = (f"关于更换密钥持有人的公告：经监督部门批准，本项目{role_name}{old.holder.display_name}持有的开标密钥"
            f"分片（第{old.index}片）自即日起作废，不得释放，不计入开标所需分片，{successor}原因：{change.reason}。"
            f"开标公钥不变（指纹 {opening_key.fingerprint}），已递交或将递交的{sealed}均无需重新加密；其余{remaining}名"
            f"密钥持有人中任意{opening_key.k}人于{deadline}后释放分片即可开标。")
    payload = {"outcome": "revoked", "index": old.index, "remaining": remaining}
    change.status = "approved"
    notice = _notice(session, actor, now, lot, text)
    audit.record(session, actor, now, "holder_change.approve", object_type="lot", object_id=lot.id,
                 rule="electronic.no_early_decrypt",
                 payload={"change_id": change.id, "role": change.role, "old_holder": change.old_holder_id,
                          "new_holder": change.new_holder_id, "notice": notice.number, **payload})
    return change
