"""The test bed's generated rows and the real services give the screens the same signals (simulate.screens_bed): the
signals the opening stores, the documents' screened from the opening's one decryption pass."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from trading.domain import screens
from trading.domain.sealing import envelope
from trading.models import Organisation, ScreenSignal
from trading.platform import current_platform
from trading.services import opening, rulebook
from trading.simulate import demo, experts as demo_experts, lots as walk, screens_bed

open_envelope = envelope.open_envelope

# screens that read only the lot's own rows (the price figures' fences, rotation and cover bidding read the market's
# history, which the sample lot walked alone does not have)
OWN = {"cv", "rd", "pattern", "shared_account", "shared_device", "shared_address", "close_uploads",
       "shared_document", "shared_metadata"}


def _sample(kind: str):
    """The first generated lot of the kind with at most six bidders (the demo's)."""
    return next(made for made in screens_bed.generate(400) if kind in made.kinds and len(made.records.prices) <= 6)


def _signals(found, names=None):
    rename = names or (lambda b: b)
    return sorted((s.screen, tuple(sorted(rename(b) for b in s.bidders))) for s in found if s.screen in OWN)


@pytest.mark.parametrize("kind", ["shared_device", "close_uploads", "copied_documents", "shared_account",
                                  "patterned_prices"])
def test_a_generated_lot_walked_through_the_services_gives_the_same_signals(app, session, now, kind, monkeypatch):
    made = _sample(kind)
    ctx = current_platform()
    demo.load(session, now)
    demo_experts.load(ctx, session, now)
    people = walk.cast(session)
    opened = []

    def counted(*args, **kwargs):  # the opening decrypts each envelope once, and the screens never again
        opened.append(kwargs["bidder_code"])
        return open_envelope(*args, **kwargs)

    monkeypatch.setattr(envelope, "open_envelope", counted)
    monkeypatch.setattr(opening, "read_document", lambda *a, **k: pytest.fail("a document decrypted again"))
    lot, ids = screens_bed.walk(ctx, session, people, now, made)
    alone = replace(made.records, history=(), past=())  # the lot as walked: no market around it
    expected = _signals(screens.screen_records(alone, rulebook.of_lot(ctx, session, lot)), ids.get)
    stored = session.scalars(sa.select(ScreenSignal).where(ScreenSignal.lot_id == lot.id)).all()
    assert _signals(stored) == expected  # what the opening stored, documents included
    assert any(screen in screens_bed.SCREENS_OF[kind] for screen, _ in expected)  # the planted kind is found
    assert sorted(opened) == sorted(session.get(Organisation, b).credit_code for b in ids.values())


def test_the_bed_is_labelled_half_honest_with_every_kind_planted():
    made = list(screens_bed.generate(700))
    assert 0.4 < sum(not m.kinds for m in made) / len(made) < 0.6
    assert {kind for m in made for kind in m.kinds} == set(screens_bed.KINDS)
    assert [m.kinds for m in screens_bed.generate(50)] == [m.kinds for m in made[:50]]  # one seed, one bed
