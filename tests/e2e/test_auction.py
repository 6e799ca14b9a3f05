"""Issue 18: two bidders compete on the demo's land parcel in two browsers. Each sees the other's offer on the price
board as it is accepted, without reloading (the board follows its live channel), and only by paddle number (竞买号):
never the other company's name. As `make run` serves it (the channel in memory) and as `make serve` does (Redis
streams, one reader per channel in each gunicorn process: trading/live.py ``Fanout``).

Needs Playwright and Chromium at /usr/bin/chromium, as tests/e2e/test_walkthrough.py does; skipped without them.
"""

from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from tests.e2e.test_walkthrough import launch  # noqa: E402

WAIT_MS = 15_000  # a live event arrives in well under a second; the bound only stops a broken page hanging the suite


def _parcel(app) -> tuple[int, dict[str, tuple[str, str]]]:
    """The demo's land parcel in its listing, and each qualified bidder's login -> (paddle number, company)."""
    from trading.extensions import db
    from trading.models import Lot, Organisation, Paddle, Project, User

    with app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.trade_type == "land",
                                                                   Lot.state == "listing"))
        assert lot is not None, "the demo holds a land parcel in its listing"
        rows = db.session.execute(sa.select(User.username, Paddle.number, Organisation.name)
                                  .join(Paddle, Paddle.bidder_id == User.organisation_id)
                                  .join(Organisation, Organisation.id == Paddle.bidder_id)
                                  .where(Paddle.lot_id == lot.id, User.username.in_(("bidder1", "bidder2")))).all()
        return lot.id, {username: (number, name) for username, number, name in rows}


def _bidder_page(browser, base: str, username: str, lot_id: int):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo2026")
    page.click("form:has(input[name=password]) [type=submit]")
    page.goto(f"{base}/lots/{lot_id}")
    page.wait_for_selector("#price-board[data-live-status=open]", timeout=WAIT_MS)  # following the live channel
    return page


def _offer(page) -> None:
    """Offer the next valid amount the board proposes (the form is filled with it)."""
    page.click("#offer-form [type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("server", ["run", "serve"], indirect=True)  # serve: each gunicorn process's one reader
def test_two_bidders_see_each_others_offers_live_by_paddle_number_only(server):
    app, base = server
    lot_id, bidders = _parcel(app)
    assert set(bidders) == {"bidder1", "bidder2"}
    (one, one_name), (two, two_name) = bidders["bidder1"], bidders["bidder2"]
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        first, second = _bidder_page(browser, base, "bidder1", lot_id), _bidder_page(browser, base, "bidder2", lot_id)
        _offer(first)
        second.wait_for_function("paddle => document.getElementById('board-paddle').textContent.includes(paddle)",
                                 arg=one, timeout=WAIT_MS)  # bidder2's page, not reloaded, shows bidder1's offer
        assert second.locator("#board-offers tr").count() == 1
        second.wait_for_function("() => document.getElementById('offer-amount').value !== ''", timeout=WAIT_MS)
        _offer(second)
        first.wait_for_function("paddle => document.getElementById('board-paddle').textContent.includes(paddle)",
                                arg=two, timeout=WAIT_MS)
        assert first.locator("#board-offers tr").count() == 2
        first_text, second_text = first.inner_text("body"), second.inner_text("body")
        assert two_name not in first_text and one_name not in second_text, "a rival named before the deal"
        assert one in second_text and two in first_text
        browser.close()
