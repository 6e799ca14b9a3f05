"""The opening of 1,000 sealed bids, each with a 1 MiB document: ``services.opening.open_bids`` (checking every
bid row against its signed receipt and audited submission, rebuilding the opening key from the released shares,
decrypting and checking every envelope in the platform process and its helper processes (one per further core)
without writing plaintext, reading each price form, writing the opening record and the audit entries, in SQLite
or DATABASE_URL's database) against the raw floor in the same run (one thread): per bid one HPKE unwrap,
AES-256-GCM decryption of its 1 MiB in 1 MiB chunks and a SHA-256 of it.

Set-up (not timed, and its garbage collected before the timing) seals the envelopes and registers the bids directly
in the database (bidder organisations, bids with their audit entries and signed receipts, and a released share for
two key holders), since 1,000 sign-ups through the pages are not what is measured. Prints progress to stderr and,
as its last line, one JSON object with bids, open_s, raw_s, ratio (target <= 1.5).
"""

from __future__ import annotations

import gc
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask_migrate import downgrade, upgrade

from trading import create_app
from trading.domain import pki
from trading.domain.sealing import envelope, holderkeys
from trading.domain.sealing.envelope import HPKE
from trading.extensions import db
from trading.models import Bid, Lot, Organisation
from trading.platform import current_platform
from trading.services import audit, bids, keys, opening
from trading.simulate import demo, lots as walk
from trading.simulate.demo import credit_code

BIDS = int(os.environ.get("BENCH_BIDS", "1000"))
VERSION = int(os.environ.get("BENCH_VERSION", "3"))  # the envelope format sealed (1, 2 or 3), to compare
SIZE = 1024 * 1024
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def prepare(folder: str):
    """The database, the lot at its opening with BIDS sealed bids and two released shares; returns (app, lot id)."""
    # the holders' key unlock is not what is measured
    holderkeys.ARGON2_TIME_COST, holderkeys.ARGON2_MEMORY_KIB, holderkeys.ARGON2_PARALLELISM = 1, 64, 1
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "KEK": os.urandom(32).hex()},
                     instance_path=folder)  # a fresh key-encryption key: the folder lives for one run
    with app.app_context():
        ctx = current_platform()
        store = ctx.store  # instance/blobs in the run's folder
        if db.engine.dialect.name != "sqlite":
            downgrade(revision="base")
        upgrade()
        demo.load(db.session, NOW)
        people = walk.cast(db.session)
        lot = walk.create(ctx, db.session, people, NOW, "construction")
        walk.advance(ctx, db.session, people, NOW, lot, "announced")
        public = keys.opening_key_of(db.session, lot).public_key
        platform = ctx.platform_keys()
        document = os.urandom(SIZE)
        started = time.perf_counter()
        for index in range(BIDS):
            code = credit_code("91", "421202", f"B{index:07d}")
            org = Organisation(name=f"投标企业{index}", org_type="bidder", credit_code=code, region_code="421202",
                               active=True, created_at=NOW)
            db.session.add(org)
            signer = pki.new_bidder_key()
            cert = pki.issue_bidder_certificate(platform.ca_key, platform.ca_cert, org_name=org.name, credit_code=code,
                                                public_key=signer.public_key(), serial=index + 1, now=NOW)
            with store.writer() as out:
                sealed = envelope.seal(out.file, lot_code=lot.deal_code, bidder_code=code, lot_public_key=public,
                                       price_form={"price": f"{36000000 + index * 1000}.00", "duration": "300日历天"},
                                       files=[("技术标.pdf", io.BytesIO(document))], signer=signer,
                                       certificate_pem=pki.certificate_pem(cert), version=VERSION)
            db.session.flush()
            bid = Bid(lot_id=lot.id, round=lot.round, bidder_id=org.id, user_id=people.bidders[0].id,
                      status="submitted", blob_key=out.blob.key, size=out.blob.size,
                      manifest_hash=sealed.manifest_hash, certificate_serial=index + 1,
                      received_at=NOW + timedelta(seconds=index), receipt={})
            db.session.add(bid)
            db.session.flush()
            entry = audit.record(db.session, people.bidders[0], bid.received_at, "bid.submit", object_type="lot",
                                 object_id=lot.id, payload={"bid_id": bid.id, "bidder_id": org.id, "round": lot.round,
                                                            "manifest_hash": bid.manifest_hash, "size": bid.size})
            bid.receipt = bids._receipt(platform, "submit", lot, code, bid, bid.received_at, entry.seq)
        lot.state = "opening"
        db.session.commit()
        print(f"{BIDS} envelopes sealed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        deadline = lot.bid_deadline
        for holder in (people.staff, people.supervisor):
            _release(lot, holder, deadline)
        db.session.commit()
        return app, lot.id


def _release(lot, holder, at) -> None:
    """Release a holder's share without opening (the timed step opens)."""
    from trading.domain.sealing import ceremony
    from trading.models import HolderKey, KeyShare, ReleasedShare

    share = db.session.scalar(sa.select(KeyShare).where(KeyShare.holder_id == holder.id))
    from trading.services import holders
    from trading.simulate.demo import DEMO_KEY_PASSPHRASE

    private = holderkeys.unlock_server_key(holders.server_blob(db.session.get(HolderKey, holder.id)), holder.id,
                                           DEMO_KEY_PASSPHRASE)
    opened = ceremony.open_share(ceremony.SealedShare(str(holder.id), share.role, share.index, share.sealed,
                                                      share.share_hash), lot.deal_code, private)
    sealed = keys.seal_at_rest(current_platform(), opening.RELEASED_SHARE, bytes([opened.index]) + opened.share,
                               lot.deal_code)
    db.session.add(ReleasedShare(key_share_id=share.id, released_by_id=holder.id, released_at=at, sealed=sealed))
    share.released_at = at


def floor(count: int) -> float:
    """HPKE unwrap + AES-256-GCM decryption of 1 MiB in 1 MiB chunks + SHA-256, ``count`` times."""
    import hashlib

    recipient = X25519PrivateKey.generate()
    key = AESGCM.generate_key(bit_length=256)
    wrapped = HPKE.encrypt(key, recipient.public_key(), b"bench")
    ciphertext = AESGCM(key).encrypt(b"\0" * 12, os.urandom(SIZE), b"ad")
    started = time.perf_counter()
    for _ in range(count):
        data_key = HPKE.decrypt(wrapped, recipient, b"bench")
        plain = AESGCM(data_key).decrypt(b"\0" * 12, ciphertext, b"ad")
        hashlib.sha256(plain).digest()
    return time.perf_counter() - started


def run(folder: str) -> None:
    """Build everything in ``folder``, measure, print the JSON line."""
    app, lot_id = prepare(folder)
    gc.collect()  # the set-up's garbage is not the opening's to collect
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        started = time.perf_counter()
        entries = opening.open_bids(current_platform(), db.session, lot.bid_deadline, lot)
        db.session.commit()
        open_s = time.perf_counter() - started
        assert sum(e.status == "opened" for e in entries) == BIDS, [e.reason for e in entries if e.reason][:3]
        dialect = db.engine.dialect.name
    raw_s = floor(BIDS)
    print(json.dumps({"bids": BIDS, "document_mib": 1, "open_s": round(open_s, 2), "raw_s": round(raw_s, 2),
                      "ratio": round(open_s / raw_s, 2), "database": dialect, "version": VERSION}))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:  # nothing is left behind (the opening's bids are 1 GiB)
        run(folder)


if __name__ == "__main__":
    main()
