"""The platform's keys (its CA and its receipt-signing key), bidders' certificates, and the opening-key ceremony
run when a lot is announced among approved key holders (DESIGN §4 steps 1, 3 and 4; the holders' keys are in
``holders``).

The platform's private keys live in ``instance/keys/``, wrapped under the key-encryption key and loaded once
per app into the keyring (trading/keyring.py), which the platform context carries (``ctx.keyring``). A thief
with the database and the instance folder but not the KEK cannot sign receipts, issue certificates or open the
secrets sealed at rest (docs/SECURITY.md).
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag

from .. import keyring
from ..domain import pki, rules
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..domain.sealing import ceremony, holderkeys
from ..keyring import PlatformKeys
from ..models import BidderCertificate, HolderChange, HolderKey, KeyShare, Lot, OpeningKey, User
from . import audit, holders

CA_NAME = keyring.CA_NAME
HOLDER_ROLES = holders.HOLDER_ROLES


def seal_at_rest(ctx, purpose: str, data: bytes, binding: str) -> bytes:
    """Keep a secret in the database until it is needed: AES-256-GCM under the at-rest key (its own key, wrapped
    under the KEK, not SECRET_KEY), bound to ``binding`` (e.g. the lot's deal code) so a row copied elsewhere
    does not open."""
    return ctx.keyring.at_rest.seal(purpose, data, binding)


def open_at_rest(ctx, purpose: str, sealed: bytes, binding: str) -> bytes:
    """The secret ``seal_at_rest`` sealed for the same purpose and binding. Rows sealed before the at-rest key
    existed (under a SECRET_KEY derivation) still open: the migration path, see keyring.legacy_at_rest_key."""
    return ctx.keyring.at_rest.open(purpose, sealed, binding)


def reseal_legacy(ctx, session, now: datetime) -> tuple[int, list[str]]:
    """Re-seal under the at-rest key every database secret still sealed the legacy way (draw secrets, released
    shares), so that SECRET_KEY can then be rotated; audited. Returns (how many were re-sealed, the rows that open
    under neither key, e.g. sealed under an earlier SECRET_KEY: left as they are)."""
    from ..models import Draw, ReleasedShare
    from .draws import DRAW_SECRET
    from .opening import RELEASED_SHARE

    rows = [(draw, "secret_sealed", DRAW_SECRET, draw.commitment_hash, f"draw:{draw.id}")
            for draw in session.scalars(sa.select(Draw).where(Draw.secret_sealed.is_not(None)))]
    rows += [(share, "sealed", RELEASED_SHARE, deal_code, f"released_share:{share.id}")
             for share, deal_code in session.execute(
                 sa.select(ReleasedShare, Lot.deal_code).join(KeyShare, KeyShare.id == ReleasedShare.key_share_id)
                 .join(OpeningKey, OpeningKey.id == KeyShare.opening_key_id).join(Lot, Lot.id == OpeningKey.lot_id))
             if share.sealed]
    at_rest, done, unreadable = ctx.keyring.at_rest, [], []
    for row, column, purpose, binding, name in rows:
        try:
            sealed = at_rest.reseal(purpose, getattr(row, column), binding)
        except InvalidTag:
            unreadable.append(name)
            continue
        if sealed is not None:
            setattr(row, column, sealed)
            done.append(name)
    if done:
        session.flush()
        audit.record(session, None, now, "keys.reseal_at_rest", payload={"rows": done})
    return len(done), unreadable


# --- bidder certificates -------------------------------------------------------------------------------

def issue_certificate(ctx, session, actor, now: datetime, password: str) -> tuple[bytes, bytes]:
    """A new Ed25519 key and certificate for the actor's bidder organisation, issued by the platform's CA. Returns
    (encrypted PKCS#8 key file, certificate PEM); the private key is not kept by the platform."""
    org = actor.organisation
    if not actor.has_role("bidder") or org.org_type != "bidder":
        raise Forbidden(N_("Only bidder companies get signing certificates."), field="certificate")
    key = pki.new_bidder_key()
    key_file = pki.export_private_key(key, password)
    serial = secrets.randbits(63)
    ring = ctx.keyring
    cert = pki.issue_bidder_certificate(ring.ca_key, ring.ca_cert, org_name=org.name, credit_code=org.credit_code,
                                        public_key=key.public_key(), serial=serial, now=now)
    pem = pki.certificate_pem(cert)
    row = BidderCertificate(organisation_id=org.id, serial=serial, certificate_pem=pem.decode(),
                            fingerprint=pki.certificate_fingerprint(cert), issued_by_id=actor.id, issued_at=now,
                            not_after=cert.not_valid_after_utc)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "certificate.issue", object_type="organisation", object_id=org.id,
                 rule="electronic.encrypted_bids", payload={"serial": str(serial), "fingerprint": row.fingerprint})
    return key_file, pem


def revoke_certificate(session, actor, now: datetime, certificate_id: int, reason: str) -> BidderCertificate:
    """Staff revoke a certificate (a lost key, a left employee); bids signed with it are refused from now on."""
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Only centre staff revoke certificates."), field="certificate")
    row = session.get(BidderCertificate, certificate_id)
    if row is None:
        raise NotFound(N_("No such certificate."), field="certificate")
    if row.revoked_at is not None:
        raise DomainError(N_("This certificate is already revoked."), field="certificate")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(N_("Write the reason for the revocation."), field="reason")
    row.revoked_at, row.revoked_by_id, row.revoke_reason = now, actor.id, reason
    session.flush()
    audit.record(session, actor, now, "certificate.revoke", object_type="organisation", object_id=row.organisation_id,
                 rule="electronic.encrypted_bids", payload={"serial": str(row.serial), "reason": reason})
    return row


def revoked(session) -> dict[int, datetime]:
    """Revoked certificate serials with their revocation times."""
    return dict(session.execute(sa.select(BidderCertificate.serial, BidderCertificate.revoked_at)
                                .where(BidderCertificate.revoked_at.is_not(None))).all())


def check_certificate(session, keys: PlatformKeys, certificate_pem: bytes, now: datetime, credit_code: str):
    """The certificate of an envelope: issued by the platform's CA, valid now, not revoked, the bidder's own."""
    gone = revoked(session)
    return pki.check_certificate(certificate_pem, keys.ca_cert, now=now, revoked_serials=set(gone), revoked_at=gone,
                                 credit_code=credit_code)


# --- key holders ---------------------------------------------------------------------------------------

def blob_of(row: HolderKey) -> holderkeys.HolderKeyBlob:
    """A legacy (format 1, login-password) row as the domain's blob."""
    return holderkeys.HolderKeyBlob(row.version, row.public_key, row.encrypted_private_key, row.salt, row.nonce,
                                    row.scrypt_n, row.scrypt_r, row.scrypt_p)


# --- the ceremony ----------------------------------------------------------------------------------------

CEREMONY_ROLES = {ceremony.ROLE_HOST: "staff", ceremony.ROLE_SUPERVISOR: "supervisor",
                  ceremony.ROLE_TENDEREE: "tenderee"}  # share role -> the account role it needs


def _first_holder(session, role: str, exclude: set[int]) -> User | None:
    """The first active user of a role (by id) whose holder key is approved and usable."""
    users = session.scalars(sa.select(User).join(HolderKey, HolderKey.user_id == User.id)
                            .where(User.active, HolderKey.status == "active").order_by(User.id))
    return next((u for u in users if u.has_role(role) and u.id not in exclude and holders.usable(session, u)), None)


def _successor(session, lot: Lot, role: str, exclude: set[int]) -> User | None:
    """The incoming holder of the lot's latest approved change of holder in ``role`` (an earlier round's: the change
    notice says it holds the share from the next round on), while its key is still usable; else None."""
    change = session.scalar(sa.select(HolderChange).where(
        HolderChange.lot_id == lot.id, HolderChange.role == role, HolderChange.status == "approved",
        HolderChange.new_holder_id.is_not(None)).order_by(HolderChange.decided_at.desc(), HolderChange.id.desc())
        .limit(1))
    user = change.new_holder if change is not None else None
    needed = CEREMONY_ROLES[role]
    if user is None or user.id in exclude or not user.has_role(needed) or not holders.usable(session, user):
        return None
    if role == ceremony.ROLE_TENDEREE and user.organisation_id not in lot.project.party_ids():
        return None
    return user


def choose_holders(session, lot: Lot, tenderee_user: User) -> list[tuple[str, User]]:
    """Default holders (2-of-3): the opening host (centre staff), a supervisor, the tenderee's representative (the
    one announcing); only accounts whose holder key a second person approved (``holders.usable``). A role whose
    holder an approved change replaced in an earlier round of the lot goes to the incoming holder (``_successor``)."""
    chosen: list[tuple[str, User]] = []
    picks = ((ceremony.ROLE_HOST, lambda: _first_holder(session, "staff", {u.id for _, u in chosen})),
             (ceremony.ROLE_SUPERVISOR, lambda: _first_holder(session, "supervisor", {u.id for _, u in chosen})),
             (ceremony.ROLE_TENDEREE, lambda: tenderee_user if holders.usable(session, tenderee_user) else None))
    for role, pick in picks:
        user = _successor(session, lot, role, {u.id for _, u in chosen}) or pick()
        if user is None or user.id in {u.id for _, u in chosen}:
            raise DomainError(N_("No %(role)s has an approved key-holder key: each key holder enrols a key on the "
                                 "key-holder page and a supervisor approves it before a lot can be announced."),
                              field="holders", rule="electronic.no_early_decrypt", role=role)
        chosen.append((role, user))
    return chosen


def seal_shares(session, actor, now: datetime, lot: Lot, chosen: list[tuple[str, User]], k: int,
                row: OpeningKey | None = None) -> OpeningKey:
    """Run the ceremony for the lot's round and store its public key and sealed shares (in ``row`` if given: a
    re-run before any bid, whose old shares are deleted); audit the share hashes and the holders' fingerprints."""
    members = [ceremony.Holder(str(user.id), role, session.get(HolderKey, user.id).public_key) for role, user in chosen]
    result = ceremony.run(lot.deal_code, members, k)
    before = None
    if row is None:
        row = OpeningKey(lot_id=lot.id, round=lot.round)
        session.add(row)
    else:
        before = row.fingerprint
        for share in list(row.shares):
            session.delete(share)
        session.flush()
    row.public_key, row.fingerprint, row.k, row.n, row.created_at = (result.public_key, result.fingerprint,
                                                                       result.k, result.n, now)
    session.flush()
    for share in result.shares:
        session.add(KeyShare(opening_key_id=row.id, holder_id=int(share.holder_id), role=share.role, index=share.index,
                             sealed=share.sealed, share_hash=share.share_hash))
    session.flush()
    session.expire(row, ["shares"])
    fingerprints = {str(user.id): session.get(HolderKey, user.id).fingerprint for _, user in chosen}
    audit.record(session, actor, now, "lot.key_ceremony", object_type="lot", object_id=lot.id,
                 rule="electronic.no_early_decrypt",
                 payload={"fingerprint": result.fingerprint, "k": result.k, "n": result.n,
                          **({"replaces": before} if before else {}),
                          "shares": [{"holder": share.holder_id, "role": share.role, "index": share.index,
                                      "hash": share.share_hash, "holder_key": fingerprints[share.holder_id]}
                                     for share in result.shares]})
    return row


def run_ceremony(session, actor, now: datetime, lot: Lot) -> OpeningKey | None:
    """Announcement hook: make the lot's opening key (k of n from the lot's setting), seal its shares to the
    approved holders, log the share hashes. Only lots whose method takes sealed bids have one, and a property lot
    whose disclosure chose one sealed round (``property_terms.takes_sealed_round``: its buyers' prices are sealed to
    it if two or more qualify)."""
    from ..domain.property_terms import takes_sealed_round

    if not (rules.METHODS[lot.method].sealed_bids
            or takes_sealed_round(lot.project.trade_type, lot.property_terms)):
        return None
    return seal_shares(session, actor, now, lot, choose_holders(session, lot, actor),
                       lot.key_threshold or ceremony.DEFAULT_K)


def published_holders(session, lot: Lot) -> list[tuple[KeyShare, HolderKey | None]]:
    """The round's shares with their holders' keys, as published on the lot page and in the announcement."""
    key = opening_key_of(session, lot)
    return [(share, session.get(HolderKey, share.holder_id)) for share in (key.shares if key else [])]


def opening_key_of(session, lot: Lot) -> OpeningKey | None:
    """The opening key of the lot's current round."""
    return session.scalar(sa.select(OpeningKey).where(OpeningKey.lot_id == lot.id, OpeningKey.round == lot.round))
