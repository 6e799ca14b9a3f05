"""Secrets at rest (issue 13, item 10): a thief with the database and the instance folder but not the
key-encryption key (KEK) gets no platform private key and no secret sealed in the database; rotating SECRET_KEY
after a leak breaks no opening and no draw in progress."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.conftest import FIXED_NOW, TEST_KEK
from trading import create_app, keyring
from trading.domain import beacon as beacons, pki
from trading.extensions import db
from trading.keyring import current_keyring
from trading.models import Draw, Lot, ReleasedShare
from trading.platform import current_platform
from trading.services import chronograph, draws, opening
from trading.simulate import demo, experts as demo_experts, lots as walk

OTHER_KEK = "5a" * 32
PRICES = ["24180000.00", "23650000.00", "24420000.00"]


def _key_files(instance):
    """The private-key files a thief finds in instance/keys (the CA certificate is public)."""
    return sorted(p for p in (instance / "keys").iterdir() if p.name not in ("ca.pem", ".lock"))


def _plaintext_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def test_no_file_in_the_instance_folder_holds_a_platform_private_key_in_clear(app, tmp_path):
    """The thief reads every file of instance/: no PEM private key, nothing that loads as a key without the
    KEK, and none of the platform's raw private key bytes anywhere."""
    instance = tmp_path / "instance"
    files = _key_files(instance)
    assert [f.name for f in files] == ["at-rest.key", "beacon.key.pem", "ca.key.pem", "gateway.key.pem",
                                       "receipts.key.pem"]
    with app.app_context():
        ring = current_keyring()
        secrets = [ring.ca_key.private_bytes_raw(), ring.at_rest.key,
                   *(key.private_bytes_raw() for key in ring.signing.values())]
    for file in files:
        data = file.read_bytes()
        assert b"PRIVATE KEY" not in data
        assert file.stat().st_mode & 0o077 == 0  # owner-only
        for load in (lambda d: serialization.load_pem_private_key(d, None),
                     lambda d: serialization.load_der_private_key(d, None)):
            with pytest.raises((ValueError, TypeError)):
                load(data)
    for file in instance.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert not any(s in data or s.hex().encode() in data for s in secrets), file


def test_the_app_refuses_to_start_without_a_kek(tmp_path, monkeypatch):
    """Outside the tests the KEK comes from the environment or a file outside instance/; without one the app stops
    before making or reading any key, and says what to set."""
    for name in ("TRADING_KEK", "TRADING_KEK_FILE", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    instance = tmp_path / "instance"
    with pytest.raises(RuntimeError) as refused:
        create_app(instance_path=str(instance))
    message = str(refused.value)
    assert "TRADING_KEK_FILE" in message and "TRADING_KEK" in message and "make run" in message
    assert not (instance / "keys").exists()

    kek_file = tmp_path / "home" / "kek"
    kek_file.parent.mkdir(parents=True)
    kek_file.write_text(TEST_KEK + "\n")
    kek_file.chmod(0o644)  # readable by every user of the machine
    monkeypatch.setenv("TRADING_KEK_FILE", str(kek_file))
    with pytest.raises(RuntimeError, match="chmod 600"):
        create_app(instance_path=str(instance))
    kek_file.chmod(0o600)
    assert create_app(instance_path=str(instance)).extensions["trading"].keyring.kek_id == keyring.kek_id(
        bytes.fromhex(TEST_KEK))


def test_a_kek_kept_in_the_instance_folder_is_refused(tmp_path, monkeypatch):
    """A KEK that travels with instance/ protects nothing: neither a file inside it nor a setting in its config."""
    monkeypatch.delenv("TRADING_KEK", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    inside = instance / "kek"
    inside.write_text(TEST_KEK)
    inside.chmod(0o600)
    monkeypatch.setenv("TRADING_KEK_FILE", str(inside))
    with pytest.raises(RuntimeError, match="inside the instance folder"):
        create_app(instance_path=str(instance))
    monkeypatch.delenv("TRADING_KEK_FILE")
    (instance / "config.py").write_text(f'SECRET_KEY = "x"\nKEK = "{TEST_KEK}"\n')
    with pytest.raises(RuntimeError, match="must not travel with the instance folder"):
        create_app(instance_path=str(instance))


def test_an_old_plaintext_key_file_is_encrypted_in_place_on_start(make_app, tmp_path):
    """An install from before the keyring left unencrypted PEMs in instance/keys: the first start wraps them
    under the KEK, keeping the same keys (receipts and certificates already issued still verify)."""
    folder = tmp_path / "instance" / "keys"
    folder.mkdir(parents=True)
    ca_key, ca_cert = pki.create_ca(keyring.CA_NAME, FIXED_NOW)
    receipts, beacon_key = pki.issue_platform_signing_key(), pki.issue_platform_signing_key()
    for name, key in (("ca.key.pem", ca_key), ("receipts.key.pem", receipts), ("beacon.key.pem", beacon_key)):
        (folder / name).write_bytes(_plaintext_pem(key))
    (folder / "ca.pem").write_bytes(pki.certificate_pem(ca_cert))

    app = make_app()
    with app.app_context():
        ring = current_keyring()
        assert ring.ca_key.private_bytes_raw() == ca_key.private_bytes_raw()
        assert ring.receipt_key.private_bytes_raw() == receipts.private_bytes_raw()
        assert ring.beacon_key.private_bytes_raw() == beacon_key.private_bytes_raw()
        assert ring.ca_cert == ca_cert
    for file in _key_files(tmp_path / "instance"):
        assert b"PRIVATE KEY" not in file.read_bytes()
        assert keyring.ARMOUR_BEGIN.encode() in file.read_bytes()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # replaced in one step, nothing left over


def test_with_the_database_and_instance_but_another_kek_no_platform_key_loads(make_app, tmp_path):
    """The thief has the database and instance/ and tries a KEK of its own: the app refuses to start, and no key
    file opens, even with the KEK-Id line taken out."""
    make_app()
    with pytest.raises(RuntimeError, match="another KEK"):
        make_app(KEK=OTHER_KEK)
    other = bytes.fromhex(OTHER_KEK)
    for file in _key_files(tmp_path / "instance"):
        stripped = b"\n".join(line for line in file.read_bytes().splitlines() if not line.startswith(b"KEK-Id"))
        purpose = {"at-rest.key": "at-rest", "ca.key.pem": "ca"}.get(file.name, file.name.split(".")[0])
        with pytest.raises(keyring.KeyringError):
            keyring.unwrap(other, purpose, stripped, file.name)


def test_a_key_file_put_in_another_keys_place_does_not_load(make_app, tmp_path):
    """Each file is bound to its purpose: a receipt key copied over the beacon key (to make the platform sign
    pulses with a key the attacker knows the use of) stops the start."""
    make_app()
    folder = tmp_path / "instance" / "keys"
    (folder / "beacon.key.pem").write_bytes((folder / "receipts.key.pem").read_bytes())
    with pytest.raises(RuntimeError, match="not the beacon key"):
        make_app()


def _opening_in_progress(session):
    """A construction lot past its deadline with three sealed bids and one of the two shares released, and a draw
    committed to a future beacon round (not ranked yet), under the current app's context. Returns (lot id, draw
    id)."""
    ctx = current_platform()
    demo.load(session, FIXED_NOW)
    demo_experts.load(ctx, session, FIXED_NOW)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, FIXED_NOW, "construction")
    walk.advance(ctx, session, people, FIXED_NOW, lot, "announced")
    walk.submit_bids(ctx, session, people, FIXED_NOW, lot, PRICES)
    draw = draws.create(ctx, session, people.staff, FIXED_NOW, lot,
                        wanted=[(s.code, s.count, 1) for s in lot.specialties], exclude_same_region=False,
                        evaluation_at=lot.bid_deadline + timedelta(hours=2), place="封闭评标室3")
    chronograph.tick(ctx, session, lot.bid_deadline)
    opening.release_share(ctx, session, people.staff, lot.bid_deadline, lot, demo.DEMO_KEY_PASSPHRASE)
    session.commit()
    return lot.id, draw.id


def _finish(session, lot_id, draw_id):
    """The second holder releases (the bids open) and the draw is ranked at its beacon round, under the current
    app's context."""
    ctx, lot = current_platform(), session.get(Lot, lot_id)
    opening.release_share(ctx, session, walk.cast(session).supervisor, lot.bid_deadline, lot,
                          demo.DEMO_KEY_PASSPHRASE)
    draw = session.get(Draw, draw_id)
    draws.advance(ctx, session, max(lot.bid_deadline, beacons.time_of(draw.beacon_round)), draw)
    session.commit()
    return opening.record(session, lot), draw


def test_rotating_secret_key_keeps_an_opening_and_a_draw_in_progress(make_app, tmp_path):
    """SECRET_KEY leaked and is replaced in the middle of an opening: the share released before still counts, the
    bids open with the second share, and the draw committed before is ranked from its sealed secret."""
    before = make_app(SECRET_KEY="the-leaked-session-key")
    with before.app_context():
        lot_id, draw_id = _opening_in_progress(db.session)
    after = make_app(SECRET_KEY="a-fresh-session-key")
    with after.app_context():
        record, draw = _finish(db.session, lot_id, draw_id)
        assert [(e.status, str(e.price)) for e in record] == [("opened", p) for p in PRICES]
        assert draw.ranking is not None and draw.status == "calling"
        lot = db.session.get(Lot, lot_id)
        name, data = opening.read_document(current_platform(), db.session, lot.bid_deadline, lot, record[0], 0)
        assert data.read()  # the committee's documents still decrypt


def _seal_legacy(secret_key: str, purpose: str, data: bytes, binding: str) -> bytes:
    """How the platform sealed database secrets before the at-rest key: a SHA-256 derivation of SECRET_KEY."""
    nonce = os.urandom(12)
    return nonce + AESGCM(keyring.legacy_at_rest_key(secret_key, purpose)).encrypt(nonce, data, binding.encode())


def _make_legacy(session, lot_id, draw_id) -> None:
    """Turn the rows into what a database from before the at-rest key holds (sealed under SECRET_KEY)."""
    ring, lot, draw = current_keyring(), session.get(Lot, lot_id), session.get(Draw, draw_id)
    secret = ring.at_rest.open(draws.DRAW_SECRET, draw.secret_sealed, draw.commitment_hash)
    draw.secret_sealed = _seal_legacy("test-secret", draws.DRAW_SECRET, secret, draw.commitment_hash)
    row = session.scalar(sa.select(ReleasedShare))
    share = ring.at_rest.open(opening.RELEASED_SHARE, row.sealed, lot.deal_code)
    row.sealed = _seal_legacy("test-secret", opening.RELEASED_SHARE, share, lot.deal_code)
    session.commit()


def test_a_row_sealed_the_legacy_way_still_opens(make_app, tmp_path):
    """An upgraded install: the draw secret and the released share were sealed under SECRET_KEY. They still open
    (the at-rest key is tried, then the legacy derivation), and the bids open and the draw ranks."""
    app = make_app()
    with app.app_context():
        lot_id, draw_id = _opening_in_progress(db.session)
        _make_legacy(db.session, lot_id, draw_id)
        with pytest.raises(InvalidTag):  # the new key alone does not open them: they really are legacy rows
            keyring.AtRestKey(current_keyring().at_rest.key).open(
                opening.RELEASED_SHARE, db.session.scalar(sa.select(ReleasedShare)).sealed,
                db.session.get(Lot, lot_id).deal_code)
        record, draw = _finish(db.session, lot_id, draw_id)
        assert [e.status for e in record] == ["opened"] * 3 and draw.ranking is not None


def test_after_reseal_secret_key_can_be_rotated_on_an_upgraded_database(make_app, tmp_path):
    """`flask keys reseal` (also run by init-db) moves legacy rows under the at-rest key, after which a new
    SECRET_KEY opens the same opening and draw."""
    app = make_app()
    with app.app_context():
        lot_id, draw_id = _opening_in_progress(db.session)
        _make_legacy(db.session, lot_id, draw_id)
    result = app.test_cli_runner().invoke(args=["keys", "reseal"])
    assert result.exit_code == 0 and "2 secret(s) re-sealed" in result.output
    rotated = make_app(SECRET_KEY="a-fresh-session-key")
    with rotated.app_context():
        record, draw = _finish(db.session, lot_id, draw_id)
        assert [e.status for e in record] == ["opened"] * 3 and draw.ranking is not None


def test_reseal_leaves_a_row_it_cannot_open_and_says_so(make_app, tmp_path):
    """A share sealed under an earlier SECRET_KEY opens under neither key: `flask keys reseal` names it and fails,
    and leaves the row as it was (start-up is not stopped by it: init-db only warns)."""
    app = make_app()
    with app.app_context():
        lot_id, _ = _opening_in_progress(db.session)
        row = db.session.scalar(sa.select(ReleasedShare))
        lot = db.session.get(Lot, lot_id)
        share = current_keyring().at_rest.open(opening.RELEASED_SHARE, row.sealed, lot.deal_code)
        row.sealed = lost = _seal_legacy("an-earlier-secret", opening.RELEASED_SHARE, share, lot.deal_code)
        db.session.commit()
        row_id = row.id
    result = app.test_cli_runner().invoke(args=["keys", "reseal"])
    assert result.exit_code == 1 and f"released_share:{row_id}" in result.output
    with app.app_context():
        assert db.session.get(ReleasedShare, row_id).sealed == lost


def test_rotating_the_kek_keeps_the_keys_and_retires_the_old_kek(make_app, tmp_path):
    """`flask keys rotate-kek` re-encrypts every key file under a new KEK: the same keys load under it, and the
    old KEK (say, a leaked backup of it) no longer opens them."""
    app = make_app()
    with app.app_context():
        public = {name: key.public_key().public_bytes_raw() for name, key in current_keyring().signing.items()}
        at_rest = current_keyring().at_rest.key
    new_file = tmp_path / "new-kek"
    result = app.test_cli_runner().invoke(args=["keys", "rotate-kek", "--new-kek-file", str(new_file)])
    assert result.exit_code == 0, result.output
    assert new_file.stat().st_mode & 0o077 == 0
    rotated = make_app(KEK=new_file.read_text().strip())
    with rotated.app_context():
        assert {n: k.public_key().public_bytes_raw() for n, k in current_keyring().signing.items()} == public
        assert current_keyring().at_rest.key == at_rest
    with pytest.raises(RuntimeError, match="another KEK"):
        make_app()  # the old KEK


def test_services_get_the_keyrings_own_keys_from_the_context(ctx):
    """The platform context hands services the keys the factory loaded once (no key file read per request): the
    receipt key signs receipts and archives, the CA issues certificates."""
    ring = ctx.keyring
    assert ctx.platform_keys().signing_key is ring.receipt_key and ctx.platform_keys().ca_key is ring.ca_key
    assert current_platform() is ctx
