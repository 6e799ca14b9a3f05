"""Issue 17, layout: the key pages hold at 1366 and 390 px wide: no horizontal overflow of the page as each role
sees it in Chinese (in English every endpoint's page is checked at both widths by tests/e2e/test_crawl.py), and the
menu on one row at 1366 px in both languages. ``E2E_SCREENSHOTS=folder`` checks the key pages in both languages and
keeps a full-page screenshot of each (role, page, width, language) for a reviewer: home, lot, bid, opening record,
evaluation report, result, bank, statistics and calibration.

Needs Playwright and Chromium at /usr/bin/chromium, as tests/e2e/test_walkthrough.py does; skipped without them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from tests.e2e.test_walkthrough import launch  # noqa: E402

PAGES = (  # (role, path; {lot} is the demo lot with sealed bids, {done} the one evaluated and contracted)
    ("staff", "/lots/{lot}"), ("staff", "/"), ("staff", "/lots/{done}/opening"),
    ("staff", "/lots/{done}/evaluation/report"), ("staff", "/lots/{done}/result"), ("supervisor", "/"),
    ("supervisor", "/statistics"), ("supervisor", "/statistics/calibration"), ("admin", "/"),
    ("bidder1", "/lots/{lot}"), ("bidder1", "/lots/{lot}/bid"), ("bidder1", "/bank/"),
    (None, "/public/announcements"), (None, "/"),
)


def _switch(page, lang: str) -> None:
    """Choose the language with the page's own switch (hidden in the collapsed menu on a phone)."""
    if (page.locator("html").get_attribute("lang") == "en") == (lang == "en"):
        return
    with page.expect_navigation():
        page.locator("form[action='/language'] button").dispatch_event("click")


def test_key_pages_hold_at_1366_and_390_px_and_the_menu_keeps_one_row_in_both_languages(server):
    from trading.extensions import db
    from trading.models import Bid, Evaluation, Lot

    app, base = server
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot.id).where(Lot.id.in_(sa.select(Bid.lot_id)), Lot.state == "announced"))
        done = db.session.scalar(sa.select(Evaluation.lot_id).limit(1))
    shots = Path(os.environ["E2E_SCREENSHOTS"]) if os.environ.get("E2E_SCREENSHOTS") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    problems = []
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        for role in dict.fromkeys(role for role, _ in PAGES):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            if role:
                page.goto(base + "/auth/login")
                page.fill("input[name=username]", role)
                page.fill("input[name=password]", "demo2026")
                page.click("form:has(input[name=password]) [type=submit]")
            for lang in ("zh_CN", "en"):
                page.goto(base + "/")
                _switch(page, lang)
                if role:
                    bar = page.locator("nav.navbar").bounding_box()
                    if bar["height"] > 80:
                        problems.append(f"{role} {lang}: the menu takes {bar['height']:.0f} px (two rows)")
                if lang == "en" and not shots:  # the crawl's browser pass reads every page in English
                    continue
                for path in (path for who, path in PAGES if who == role):
                    page.goto(base + path.format(lot=lot, done=done))
                    for width in (1366, 390):  # laid out again at each width, as a window resized
                        page.set_viewport_size({"width": width, "height": 900})
                        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
                            problems.append(f"{role} {lang} {width}px {path}: the page scrolls sideways")
                        if shots:
                            name = f"{role or 'public'}-{path.strip('/').replace('/', '-') or 'home'}-{lang}-{width}"
                            page.screenshot(path=str(shots / f"{name.format(lot=lot, done=done)}.png"), full_page=True)
                    page.set_viewport_size({"width": 1366, "height": 900})
            context.close()
        browser.close()
    assert not problems, "\n".join(problems)
