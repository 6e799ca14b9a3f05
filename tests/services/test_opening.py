"""The online opening: too few bids fail the lot; shares released after the deadline only; k shares open every
bid; the platform's fault deems a bid withdrawn; objections answered on the record."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag

from trading.domain import pki
from trading.domain.errors import DomainError, Forbidden
from trading.domain.sealing import envelope
from trading.models import Attachment, AuditEntry, Bid
from trading.platform import current_platform
from trading.services import bids, chronograph, deposits, keys, opening, pledges, registrations
from trading.services.opening import RELEASED_SHARE
from trading.simulate import demo, lots as walk
from trading.storage import make_store

KEY_PASS = demo.DEMO_KEY_PASSPHRASE  # the demo holders' key-holder passphrase (not their login password)
PRICES = ["38100000.00", "37650000.50", "36980000.00"]


@pytest.fixture
def scene(request, ctx, session, now, tmp_path):
    """An announced construction lot with ``n`` sealed bids submitted (call it with the number); its blobs in the
    app's folder, or on S3 when the test asks for ``"s3"`` (the context then carries that store)."""
    demo.load(session, now)
    people = walk.cast(session)
    if getattr(request, "param", "folder") == "s3":
        ctx = replace(ctx, store=make_store(request.getfixturevalue("s3_config"), str(tmp_path / "instance")))
    store, platform = ctx.store, ctx.platform_keys()
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")

    def submit(count):
        for bidder, price in zip(people.bidders[:count], PRICES, strict=False):
            registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
            deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
            deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="700000")
            key_file, pem = keys.issue_certificate(ctx, session, bidder, now, "keypass2026")
            out = io.BytesIO()
            envelope.seal(out, lot_code=lot.deal_code, bidder_code=bidder.organisation.credit_code,
                          lot_public_key=keys.opening_key_of(session, lot).public_key,
                          price_form={"price": price, "duration": "300日历天", "quality": "合格"},
                          files=[("技术标.pdf", io.BytesIO(b"tech" * 4000))],
                          signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
            bids.submit(current_platform().at(now, store=store), session, bidder, lot, io.BytesIO(out.getvalue()))
        session.flush()

    return type("Scene", (), {"ctx": ctx, "people": people, "lot": lot, "store": store, "platform": platform,
                              "submit": staticmethod(submit)})


def test_fewer_than_three_bids_fail_the_lot_unopened(session, scene):
    scene.submit(2)
    moved = chronograph.tick(scene.ctx, session, scene.lot.bid_deadline)
    assert [m.action for m in moved] == ["close_bidding", "fail"] and scene.lot.state == "failed"
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.fail"))
    assert entry.rule == "construction.min_bids" and entry.payload["bids"] == 2


def test_no_share_is_released_before_the_deadline(session, now, scene):
    scene.submit(3)
    with pytest.raises(DomainError) as refused:
        opening.release_share(scene.ctx, session, scene.people.staff, now, scene.lot, KEY_PASS)
    assert refused.value.rule == "electronic.no_early_decrypt"


@pytest.mark.parametrize("scene", ["folder", "s3"], indirect=True)
def test_k_shares_open_every_bid_and_the_record_reads_the_price_forms(session, scene):
    scene.submit(3)
    at = scene.lot.bid_deadline
    chronograph.tick(scene.ctx, session, at)
    assert scene.lot.state == "opening"
    with pytest.raises(DomainError) as refused:
        opening.release_share(scene.ctx, session, scene.people.staff, at, scene.lot, "wrong-pass1")
    assert refused.value.field == "passphrase"
    with pytest.raises(Forbidden):
        opening.release_share(scene.ctx, session, scene.people.bidders[0], at, scene.lot, KEY_PASS)
    opening.release_share(scene.ctx, session, scene.people.staff, at, scene.lot, KEY_PASS)
    assert opening.record(session, scene.lot) == []  # one share of two: nothing is open
    opening.release_share(scene.ctx, session, scene.people.supervisor, at + timedelta(minutes=2), scene.lot, KEY_PASS)
    record = opening.record(session, scene.lot)
    assert [e.price for e in record] == [Decimal(p) for p in PRICES] and {e.status for e in record} == {"opened"}
    assert [e.price_text for e in record] == PRICES  # the price as read from each bid, kept for the record
    assert record[0].duration == "300日历天" and record[0].fields == {"quality": "合格"}
    assert [f["name"] for f in record[0].files] == ["技术标.pdf"]
    kept = {b.blob_key for b in session.scalars(sa.select(Bid))} | {a.blob_key for a in session.scalars(
        sa.select(Attachment))}
    assert {key for key, _ in scene.store.keys()} == kept  # no plaintext copy was written
    name, data = opening.read_document(scene.ctx, session, at, scene.lot, record[0], 0)
    with data:
        assert (name, data.read()) == ("技术标.pdf", b"tech" * 4000)  # decrypted again on demand, never stored


@pytest.mark.parametrize("helpers", [0, 1])
def test_a_bid_the_platform_cannot_read_is_deemed_withdrawn_and_the_opening_goes_on(session, scene, monkeypatch,
                                                                                    helpers):
    """The same, whether this process opens every bid or shares them with a helper process (large openings)."""
    monkeypatch.setattr(opening, "OPENING_HELPERS", helpers)
    monkeypatch.setattr(opening, "HELPERS_FROM", 0)
    scene.submit(3)
    at = scene.lot.bid_deadline
    chronograph.tick(scene.ctx, session, at)
    standing = opening.standing_bids(session, scene.lot)
    path = scene.store._path(standing[1].blob_key)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1  # the stored file changed after the receipt: not the bidder's doing
    path.write_bytes(bytes(data))
    for holder in (scene.people.staff, scene.people.supervisor):
        opening.release_share(scene.ctx, session, holder, at, scene.lot, KEY_PASS)
    statuses = [e.status for e in opening.record(session, scene.lot)]
    assert statuses == ["opened", "withdrawn", "opened"]
    failed = opening.record(session, scene.lot)[1]
    assert failed.rule == "electronic.decryption_failure" and failed.reason_params
    # the reason is kept as a message and its parameters: each reader sees it in their language
    from flask import current_app
    from flask_babel import force_locale

    from trading.web.i18n import message_text

    with current_app.test_request_context():
        with force_locale("en"):
            english = message_text(failed.reason, failed.reason_params)
        with force_locale("zh_CN"):
            chinese = message_text(failed.reason, failed.reason_params)
    assert "技术标.pdf" in english and "技术标.pdf" in chinese and "%(" not in chinese
    assert "does not match" in english and "does not match" not in chinese


@pytest.mark.parametrize("scene", ["s3"], indirect=True)
def test_on_s3_an_envelope_gone_from_the_bucket_is_deemed_withdrawn_and_the_rest_open(session, scene, monkeypatch):
    """Blobs on S3 are opened by this process (helper processes read local files only), a large opening too."""
    monkeypatch.setattr(opening, "OPENING_HELPERS", 1)
    monkeypatch.setattr(opening, "HELPERS_FROM", 0)
    scene.submit(3)
    at = scene.lot.bid_deadline
    chronograph.tick(scene.ctx, session, at)
    scene.store.discard(opening.standing_bids(session, scene.lot)[1].blob_key)  # lost by the store: the platform's
    for holder in (scene.people.staff, scene.people.supervisor):
        opening.release_share(scene.ctx, session, holder, at, scene.lot, KEY_PASS)
    record = opening.record(session, scene.lot)
    assert [e.status for e in record] == ["opened", "withdrawn", "opened"]
    assert [record[0].price, record[2].price] == [Decimal(PRICES[0]), Decimal(PRICES[2])]
    assert record[1].rule == "electronic.decryption_failure" and record[1].reason


def test_objections_during_the_opening_are_answered_on_the_record(session, scene):
    scene.submit(3)
    at = scene.lot.bid_deadline
    chronograph.tick(scene.ctx, session, at)
    row = opening.raise_objection(session, scene.people.bidders[0], at, scene.lot, "对第2名投标人的解密结果有异议")
    with pytest.raises(Forbidden):
        opening.answer_objection(session, scene.people.bidders[1], at, row.id, "驳回")
    opening.answer_objection(session, scene.people.staff, at, row.id, "经核对，存储损坏，按平台原因视为撤回。")
    assert opening.objections(session, scene.lot)[0].answer.startswith("经核对")


def test_a_released_share_opens_only_for_its_purpose_and_lot(ctx):
    """A share kept at rest cannot be read back as another purpose's secret, nor under another lot's code."""
    sealed = keys.seal_at_rest(ctx, RELEASED_SHARE, b"\x01share", "LOT-A")
    assert keys.open_at_rest(ctx, RELEASED_SHARE, sealed, "LOT-A") == b"\x01share"
    for purpose, binding in (("draw-secret", "LOT-A"), (RELEASED_SHARE, "LOT-B")):
        with pytest.raises(InvalidTag):
            keys.open_at_rest(ctx, purpose, sealed, binding)


def test_bids_the_bidders_sealed_wrongly_are_revoked_and_the_lot_fails(session, scene, monkeypatch):
    """A forged price form (it passes the upload check: it is encrypted) is the bidder's fault: 撤销 (Art. 31). With
    fewer opened bids than the minimum the evaluation cannot start, and staff declare the lot failed."""
    from trading.services import evaluation

    text = b'{"duration":"1\\u5929","price":"1.00","price":"2.00"}'
    monkeypatch.setattr(envelope, "encode_price_form", lambda form: (form, text + b" " * (1024 - len(text))))
    scene.submit(3)
    at = scene.lot.bid_deadline
    chronograph.tick(scene.ctx, session, at)
    for holder in (scene.people.staff, scene.people.supervisor):
        opening.release_share(scene.ctx, session, holder, at, scene.lot, KEY_PASS)
    record = opening.record(session, scene.lot)
    assert [e.status for e in record] == ["revoked"] * 3
    assert record[0].rule == "electronic.decryption_failure" and record[0].price is None
    with pytest.raises(DomainError) as refused:
        evaluation.start(scene.ctx, session, scene.people.staff, at, scene.lot)
    assert refused.value.rule == "construction.min_bids"
    failed_early = scene.lot.state
    scene.lot.state = "listing"  # not at an opening (a land listing fails by its own rules): refused, not a 500
    with pytest.raises(DomainError) as refused:
        evaluation.declare_failed(scene.ctx, session, scene.people.staff, at, scene.lot)
    assert refused.value.field == "lot"
    scene.lot.state = failed_early
    evaluation.declare_failed(scene.ctx, session, scene.people.staff, at, scene.lot)
    assert scene.lot.state == "failed"


def test_a_legacy_key_still_releases_a_share_sealed_to_it_before_the_change(session, scene):
    """A lot announced before holder keys left the login password: its holder (key now marked legacy, scrypt under
    the login password) still releases with that password; such keys are never chosen for new lots."""
    import os

    from trading.domain.sealing import holderkeys
    from trading.services import holders

    scene.submit(3)
    staff = scene.people.staff
    row = holders.key_of(session, staff.id)
    private = holderkeys.unlock_server_key(holders.server_blob(row), staff.id, KEY_PASS)
    legacy = holderkeys._wrap(private, staff.id, "demo2026", os.urandom)  # as the old login hook stored it
    row.mode, row.status, row.version = "legacy", "legacy", legacy.version
    row.encrypted_private_key, row.salt, row.nonce = legacy.encrypted_private_key, legacy.salt, legacy.nonce
    row.scrypt_n, row.scrypt_r, row.scrypt_p = legacy.scrypt_n, legacy.scrypt_r, legacy.scrypt_p
    session.flush()
    assert not holders.usable(session, staff)
    at = scene.lot.bid_deadline
    chronograph.tick(scene.ctx, session, at)
    with pytest.raises(DomainError) as refused:
        opening.release_share(scene.ctx, session, staff, at, scene.lot, KEY_PASS)
    assert refused.value.field == "passphrase"
    opening.release_share(scene.ctx, session, staff, at, scene.lot, "demo2026")
    opening.release_share(scene.ctx, session, scene.people.supervisor, at, scene.lot, KEY_PASS)
    assert [e.status for e in opening.record(session, scene.lot)] == ["opened"] * 3
