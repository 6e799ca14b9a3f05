"""Issue 19: the supervisor's dashboard (实时监控) follows the lots live. With the page open and not reloaded, a lot
suspended elsewhere shows as suspended, and its count under 已暂停 moves, as the commit happens.

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


def _suspended_count(page) -> str:
    """The number beside 已暂停 under the side exits."""
    return page.evaluate("""() => {
        const rows = [...document.querySelectorAll('#dashboard-stages .d-flex')];
        const row = rows.find(r => r.firstElementChild.textContent.trim() === '已暂停');
        return row ? row.lastElementChild.textContent.trim() : null; }""")


def test_the_dashboard_shows_a_suspension_made_elsewhere_without_a_reload(server):
    from trading.clock import utcnow
    from trading.extensions import db
    from trading.models import Lot, User
    from trading.services import suspension

    app, base = server
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot).where(Lot.state == "announced").order_by(Lot.id))
        lot_id, name = lot.id, lot.name
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        page.goto(base + "/auth/login")
        page.fill("input[name=username]", "supervisor")
        page.fill("input[name=password]", "demo2026")
        page.click("form:has(input[name=password]) [type=submit]")
        page.goto(base + "/supervision/")
        page.wait_for_selector("#dashboard[data-live-status=open]", timeout=WAIT_MS)  # following the live channel
        before = int(_suspended_count(page))
        page.evaluate("() => { window.notReloaded = true; }")
        with app.app_context():
            supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
            suspension.suspend(db.session, supervisor, utcnow(), db.session.get(Lot, lot_id), "核查举报线索，暂停交易")
            db.session.commit()
        page.wait_for_function("n => document.querySelector('#dashboard-stages') && [...document.querySelectorAll("
                               "'#dashboard-stages .d-flex')].some(r => r.firstElementChild.textContent.trim() === "
                               "'已暂停' && r.lastElementChild.textContent.trim() === String(n))",
                               arg=before + 1, timeout=WAIT_MS)
        row = page.locator("#dashboard-lots tr", has_text=name)
        assert "已暂停" in row.first.inner_text()
        assert page.evaluate("() => window.notReloaded === true"), "the page redrew itself, it was not reloaded"
        browser.close()
