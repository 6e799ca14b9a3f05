"""The test bed's generated rows and the real services give the screens the same signals (simulate.screens_bed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from trading.domain import screens
from trading.platform import current_platform
from trading.services import rulebook, screens as screen_service
from trading.simulate import demo, experts as demo_experts, lots as walk, screens_bed

# screens that read only the lot's own rows (DIFFP, rotation and cover bidding read the market's history, which the
# sample lot walked alone does not have)
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
def test_a_generated_lot_walked_through_the_services_gives_the_same_signals(app, session, now, kind):
    made = _sample(kind)
    ctx = current_platform()
    demo.load(session, now)
    demo_experts.load(ctx, session, now)
    people = walk.cast(session)
    lot, ids = screens_bed.walk(ctx, session, people, now, made)
    expected = _signals(screens.screen_records(made.records, rulebook.of_lot(ctx, session, lot)), ids.get)
    found = screen_service.screen(ctx, session, people.supervisor, lot, now=lot.bid_deadline + timedelta(hours=1))
    assert _signals(found.signals) == expected
    assert any(screen in screens_bed.SCREENS_OF[kind] for screen, _ in expected)  # the planted kind is found


def test_the_bed_is_labelled_half_honest_with_every_kind_planted():
    made = list(screens_bed.generate(700))
    assert 0.4 < sum(not m.kinds for m in made) / len(made) < 0.6
    assert {kind for m in made for kind in m.kinds} == set(screens_bed.KINDS)
    assert [m.kinds for m in screens_bed.generate(50)] == [m.kinds for m in made[:50]]  # one seed, one bed
