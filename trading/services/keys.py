"""The platform's keys (its CA and its receipt-signing key), bidders' certificates, and the opening-key ceremony
run when a lot is announced among approved key holders (DESIGN §4 steps 1, 3 and 4; the holders' keys are in
``holders``).

The platform's private keys live in ``instance/keys/`` (generated on first use, readable by the owner only,
never in the repository or the database). A thief with the database alone cannot sign receipts or issue
certificates; one with the instance folder too can, which docs/SECURITY.md says.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..domain import pki, rules
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..domain.sealing import ceremony, holderkeys
from ..models import BidderCertificate, HolderKey, KeyShare, Lot, OpeningKey, User
from . import audit, holders

CA_NAME = "公共资源交易平台 CA"
HOLDER_ROLES = holders.HOLDER_ROLES


def _at_rest_key(secret_key: str, purpose: str) -> bytes:
    """A key derived from the app's SECRET_KEY for one purpose, so one purpose's data never opens under another."""
    return hashlib.sha256(b"trading/" + purpose.encode() + b"/v1\0" + secret_key.encode()).digest()


def seal_at_rest(secret_key: str, purpose: str, data: bytes, binding: str) -> bytes:
    """Keep a secret in the database until it is needed: AES-256-GCM (nonce || ciphertext) under the purpose's key,
    bound to ``binding`` (e.g. the lot's deal code) so a row copied elsewhere does not open."""
    nonce = os.urandom(12)
    return nonce + AESGCM(_at_rest_key(secret_key, purpose)).encrypt(nonce, data, binding.encode())


def open_at_rest(secret_key: str, purpose: str, sealed: bytes, binding: str) -> bytes:
    """The secret ``seal_at_rest`` sealed for the same purpose and binding."""
    return AESGCM(_at_rest_key(secret_key, purpose)).decrypt(sealed[:12], sealed[12:], binding.encode())


@dataclass(frozen=True)
class PlatformKeys:
    """The CA key and certificate and the receipt-signing key, loaded from the instance folder."""

    ca_key: object
    ca_cert: object
    signing_key: object

    @property
    def signing_public_pem(self) -> bytes:
        """The receipt-signing public key, as bidders download it to verify receipts offline."""
        return pki.public_key_pem(self.signing_key)


def write_private(path: Path, data: bytes) -> None:
    """Create a file readable by the owner only; never overwrite one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def raw_private_pem(key) -> bytes:
    """An unencrypted PKCS#8 PEM (the file's permissions protect it)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def platform_keys(instance_path: str, now: datetime) -> PlatformKeys:
    """Load the platform's keys from ``instance/keys``, creating them on first use."""
    folder = Path(instance_path) / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    ca_key_path, ca_cert_path, signing_path = folder / "ca.key.pem", folder / "ca.pem", folder / "receipts.key.pem"
    if not ca_key_path.exists():
        ca_key, ca_cert = pki.create_ca(CA_NAME, now)
        write_private(ca_key_path, raw_private_pem(ca_key))
        ca_cert_path.write_bytes(pki.certificate_pem(ca_cert))
    if not signing_path.exists():
        write_private(signing_path, raw_private_pem(pki.issue_platform_signing_key()))
    load = serialization.load_pem_private_key
    return PlatformKeys(load(ca_key_path.read_bytes(), None), pki.load_certificate(ca_cert_path.read_bytes()),
                        load(signing_path.read_bytes(), None))


# --- bidder certificates -------------------------------------------------------------------------------

def issue_certificate(session, actor, now: datetime, keys: PlatformKeys, password: str) -> tuple[bytes, bytes]:
    """A new Ed25519 key and certificate for the actor's bidder organisation. Returns (encrypted PKCS#8 key
    file, certificate PEM); the private key is not kept by the platform."""
    org = actor.organisation
    if not actor.has_role("bidder") or org.org_type != "bidder":
        raise Forbidden(N_("Only bidder companies get signing certificates."), field="certificate")
    key = pki.new_bidder_key()
    key_file = pki.export_private_key(key, password)
    serial = secrets.randbits(63)
    cert = pki.issue_bidder_certificate(keys.ca_key, keys.ca_cert, org_name=org.name, credit_code=org.credit_code,
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


def choose_holders(session, lot: Lot, tenderee_user: User) -> list[tuple[str, User]]:
    """Default holders (2-of-3): the opening host (centre staff), a supervisor, the tenderee's representative (the
    one announcing); only accounts whose holder key a second person approved (``holders.usable``)."""
    chosen: list[tuple[str, User]] = []
    picks = ((ceremony.ROLE_HOST, lambda: _first_holder(session, "staff", {u.id for _, u in chosen})),
             (ceremony.ROLE_SUPERVISOR, lambda: _first_holder(session, "supervisor", {u.id for _, u in chosen})),
             (ceremony.ROLE_TENDEREE, lambda: tenderee_user if holders.usable(session, tenderee_user) else None))
    for role, pick in picks:
        user = pick()
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
    approved holders, log the share hashes. Only lots whose method takes sealed bids have one."""
    if rules.METHODS[lot.method].kind != "tender":
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
