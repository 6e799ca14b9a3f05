"""Key holders' personal keys and who may hold a share (DESIGN §4 step 4): enrolment, a second person's approval,
reset on reactivation, and changing a lot's holder with the supervisory body's approval.

A holder key is usable (``usable``) only once a supervisor has approved it who is neither its owner nor the one
who created or last reactivated the owner's account, and whose own account is vouched for: created at installation
(by the ``flask demo`` / CLI set-up, not by an administrator through the web) or holding an approved key itself.
So an administrator who creates accounts, even supervisors, cannot approve their keys. Reactivating an account
(or its organisation) puts its key back to pending, and a key approved under other roles than the owner has now
is not usable either.

Two modes (chosen at enrolment): ``own`` (the holder makes its key with ``python -m trading.domain.sealing
holder-key new`` and uploads the public key; the server never sees the private key) and ``server`` (training
centres, setting ``SERVER_KEPT_HOLDER_KEYS``: the private key wrapped under a key-holder passphrase with Argon2id).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from ..domain import lifecycle
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..domain.sealing import holderkeys
from ..models import AuditEntry, HolderKey, KeyShare, Lot, OpeningKey, User
from . import audit

HOLDER_ROLES = ("staff", "supervisor", "tenderee")  # who may hold an opening-key share
MODES = ("own", "server")


def key_of(session, user_id: int) -> HolderKey | None:
    """The user's holder key row, if any."""
    return session.get(HolderKey, user_id)


def _roles_text(user: User) -> str:
    return ",".join(sorted(user.roles))


def usable(session, user: User | None) -> bool:
    """True if the user's key may be chosen for a new lot: approved, a current mode, the account and its
    organisation active, and the roles unchanged since the approval."""
    row = key_of(session, user.id) if user is not None else None
    return (row is not None and row.status == "active" and row.mode in MODES and user.active
            and user.organisation.active and row.approved_roles == _roles_text(user))


def _require_holder(actor) -> None:
    if actor is None or not actor.has_role(*HOLDER_ROLES):
        raise Forbidden(N_("Only centre staff, supervisors and tenderee representatives hold opening-key shares."),
                        field="mode")


def _check_replaceable(session, user: User) -> None:
    """Refuse a new key while the user holds an unreleased share of a lot still before or at its opening."""
    busy = session.scalar(sa.select(Lot.deal_code).join(OpeningKey, OpeningKey.lot_id == Lot.id)
                          .join(KeyShare, KeyShare.opening_key_id == OpeningKey.id)
                          .where(KeyShare.holder_id == user.id, KeyShare.released_at.is_(None),
                                 KeyShare.revoked_at.is_(None), OpeningKey.round == Lot.round,
                                 Lot.state.in_(lifecycle.KEYS_IN_USE)).limit(1))
    if busy:
        raise DomainError(N_("You hold a share of lot %(code)s, sealed to your current key: ask for a change of "
                             "holder for that lot before replacing your key."), field="mode", code=busy)


def _store(session, actor, now: datetime, values: dict) -> HolderKey:
    """Create or replace the actor's key row (pending), and audit it."""
    row = key_of(session, actor.id)
    if row is None:
        row = HolderKey(user_id=actor.id, created_at=now)
        session.add(row)
    blank = {"encrypted_private_key": None, "salt": None, "nonce": None, "scrypt_n": None, "scrypt_r": None,
             "scrypt_p": None, "argon2_time_cost": None, "argon2_memory_kib": None, "argon2_parallelism": None,
             "rewrapped_at": None, "approved_by_id": None, "approved_at": None, "approved_roles": None}
    for name, value in {**blank, "version": holderkeys.V2, "status": "pending", "created_at": now, **values}.items():
        setattr(row, name, value)
    row.fingerprint = holderkeys.fingerprint(row.public_key)
    session.flush()
    audit.record(session, actor, now, "holder_key.enrol", object_type="user", object_id=actor.id,
                 rule="electronic.no_early_decrypt",
                 payload={"mode": row.mode, "fingerprint": row.fingerprint, "public_key": row.public_key.hex()})
    return row


def enrol_own_key(session, actor, now: datetime, public_key_text: str) -> HolderKey:
    """Register the public key the holder made on its own computer; it waits for a supervisor's approval."""
    _require_holder(actor)
    public = holderkeys.parse_public_key(public_key_text)
    taken = session.scalar(sa.select(HolderKey.user_id).where(HolderKey.public_key == public,
                                                              HolderKey.user_id != actor.id))
    if taken is not None:
        raise DomainError(N_("This public key is already registered to another account: each holder makes its own."),
                          field="public_key")
    _check_replaceable(session, actor)
    return _store(session, actor, now, {"mode": "own", "public_key": public})


def enrol_server_key(session, actor, now: datetime, passphrase: str, confirm: str, *, allowed: bool) -> HolderKey:
    """Make a key kept on the server, wrapped under a key-holder passphrase (not the login password) with Argon2id;
    it waits for a supervisor's approval. Only where the centre allows server-kept keys."""
    _require_holder(actor)
    if not allowed:
        raise DomainError(N_("This centre keeps key-holder keys on the holders' own computers: make your key with "
                             "the sealing tool and upload its public key."), field="mode")
    if (passphrase or "") != (confirm or ""):
        raise DomainError(N_("The two passphrases differ."), field="confirm")
    holderkeys.check_passphrase(passphrase, login_name=actor.username)
    if check_password_hash(actor.password_hash, passphrase):
        raise DomainError(N_("The key-holder passphrase must not be your login password."), field="passphrase",
                          rule="electronic.no_early_decrypt")
    _check_replaceable(session, actor)
    blob = holderkeys.new_server_key(actor.id, passphrase)
    return _store(session, actor, now, {
        "mode": "server", "public_key": blob.public_key, "encrypted_private_key": blob.encrypted_private_key,
        "salt": blob.salt, "nonce": blob.nonce, "argon2_time_cost": blob.time_cost,
        "argon2_memory_kib": blob.memory_kib, "argon2_parallelism": blob.parallelism})


def server_blob(row: HolderKey) -> holderkeys.PassphraseKey:
    """A server-kept row as the domain's blob."""
    return holderkeys.PassphraseKey(row.public_key, row.encrypted_private_key, row.salt, row.nonce,
                                    row.argon2_time_cost, row.argon2_memory_kib, row.argon2_parallelism)


def provisioner_id(session, user: User) -> int | None:
    """Who created or last reactivated the account (or its organisation), from the audit chain; None for an
    account set up at installation (``flask demo`` or the CLI), not by a user."""
    found = session.execute(sa.select(AuditEntry.actor_id).where(sa.or_(
        sa.and_(AuditEntry.object_type == "user", AuditEntry.object_id == str(user.id),
                AuditEntry.action.in_(("user.create", "user.activate"))),
        sa.and_(AuditEntry.object_type == "organisation", AuditEntry.object_id == str(user.organisation_id),
                AuditEntry.action == "organisation.activate"))).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return found.actor_id if found else None


def _vouched(session, approver: User) -> bool:
    """The approver's own account was set up at installation, or a second person approved its key."""
    return provisioner_id(session, approver) is None or usable(session, approver)


def approve(session, actor, now: datetime, user_id: int) -> HolderKey:
    """A supervisor (the supervisory body) approves a pending holder key, making it usable for new lots."""
    if actor is None or not actor.has_role("supervisor"):
        raise Forbidden(N_("Only the supervisory body approves key holders."), field="holder")
    row = key_of(session, user_id)
    if row is None or state(session, row.user) not in ("pending", "stale"):
        raise NotFound(N_("No pending key-holder key for this account."), field="holder")
    owner = row.user
    if owner.id == actor.id:
        raise DomainError(N_("Another supervisor must approve your own key."), field="holder",
                          rule="electronic.no_early_decrypt")
    if provisioner_id(session, owner) == actor.id:
        raise DomainError(N_("You created or reactivated this account: another supervisor must approve its key."),
                          field="holder", rule="electronic.no_early_decrypt")
    if not _vouched(session, actor):
        raise DomainError(N_("Your own account was set up by an administrator and has no approved key yet: a "
                             "supervisor whose account is vouched for must approve this key."), field="holder",
                          rule="electronic.no_early_decrypt")
    if not owner.active or not owner.has_role(*HOLDER_ROLES):
        raise DomainError(N_("This account is deactivated or holds no key-holder role."), field="holder")
    row.status, row.approved_by_id, row.approved_at, row.approved_roles = "active", actor.id, now, _roles_text(owner)
    session.flush()
    audit.record(session, actor, now, "holder_key.approve", object_type="user", object_id=owner.id,
                 rule="electronic.no_early_decrypt",
                 payload={"mode": row.mode, "fingerprint": row.fingerprint, "roles": row.approved_roles,
                          "provisioner": provisioner_id(session, owner)})
    return row


def reset(session, actor, now: datetime, user: User, reason: str) -> None:
    """Put the user's approved key back to pending (a reactivated account must be vouched for again)."""
    row = key_of(session, user.id)
    if row is None or row.status != "active":
        return
    row.status, row.approved_by_id, row.approved_at, row.approved_roles = "pending", None, None, None
    session.flush()
    audit.record(session, actor, now, "holder_key.reset", object_type="user", object_id=user.id,
                 rule="electronic.no_early_decrypt", payload={"reason": reason, "fingerprint": row.fingerprint})


def pending(session) -> list[HolderKey]:
    """Keys of active accounts waiting for approval, oldest first (the supervisors' list): pending ones, and
    approved ones whose owner's roles changed since."""
    rows = session.scalars(sa.select(HolderKey).join(User, User.id == HolderKey.user_id)
                           .where(HolderKey.status.in_(("pending", "active")), User.active)
                           .order_by(HolderKey.created_at))
    return [row for row in rows if state(session, row.user) in ("pending", "stale")]


def state(session, user: User) -> str:
    """The holder's key as its owner sees it: none, pending, active, stale (roles changed) or legacy."""
    row = key_of(session, user.id)
    if row is None:
        return "none"
    if row.status == "active" and not usable(session, user):
        return "stale"
    return row.status
