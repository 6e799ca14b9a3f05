"""Issue 7's acceptance, in a real browser: from the demo (as `make run` loads it, simulated clock), the demo
construction lot goes through opening, evaluation, publicity, award, contract and archive, each role in turn on
its own pages, and every deposit comes back with interest. Issue 14: on every page the browser reports no
Content-Security-Policy violation, and the pages whose scripts moved to static files still run them.

Needs Playwright (requirements.txt) and Chromium at /usr/bin/chromium (``apt-get install chromium``); without
them the test is skipped with the reason. ``E2E_SCREENSHOTS=folder`` keeps a screenshot of every step.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
LOT = "咸宁市永安大道东延线道路工程"

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


class Trainee:
    """One person at the browser: logs in as each role in turn, a new session each time in the same browser."""

    def __init__(self, browser, base: str, shots: Path | None):
        self.browser, self.base, self.shots = browser, base, shots
        self.page = None
        self.steps = 0
        self.violations: list[str] = []  # what the browser console said about the Content-Security-Policy

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def login(self, username: str, password: str = "demo2026"):
        """Sign in as ``username`` in the same browser (its cookies cleared: a new session, as after signing out;
        its cache of styles and scripts kept, as a real browser's would be)."""
        if self.page is None:
            self.page = self.browser.new_context(locale="zh-CN").new_page()
            self.page.on("console", self._console)
            self.page.set_default_timeout(30_000)  # the suite shares two cores: a page may take seconds
        else:
            self.page.context.clear_cookies()
        self.go("/auth/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("form:has(input[name=password]) [type=submit]")
        assert "/auth/login" not in self.page.url, f"{username} could not log in"
        return self.page

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def wait_for(self, texts, seconds: float) -> str:
        """The page's text once it shows every one of ``texts`` (its own script refreshes it), or after ``seconds``."""
        return _wait_for(self.page, texts, seconds)

    def press(self, selector: str, shot: str):
        """Submit a form by its button and check the page answered without an error message."""
        self.page.click(selector)
        self.page.wait_for_load_state()
        self.steps += 1
        if self.shots:
            self.page.screenshot(path=str(self.shots / f"{self.steps:02d}-{shot}.png"), full_page=True)
        errors = self.page.locator(".alert-danger").all_inner_texts()
        assert not errors, f"{shot}: {errors}"


def _wait_for(page, texts, seconds: float) -> str:
    end = time.monotonic() + seconds
    while True:
        body = page.inner_text("body")
        if all(text in body for text in texts) or time.monotonic() > end:
            return body
        time.sleep(0.5)


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                            "--disable-background-networking"])


@pytest.mark.parametrize("server", ["run", "serve"], indirect=True)
def test_a_trainee_takes_the_demo_lot_from_opening_to_archive_in_the_browser(server):
    from trading.extensions import db
    from trading.models import Deposit, Lot, Project

    app, base = server
    shots = Path(os.environ["E2E_SCREENSHOTS"]) if os.environ.get("E2E_SCREENSHOTS") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == LOT))
        lot_id, started = lot.id, time.monotonic()
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        you = Trainee(browser, base, shots)

        # 1. admin: the bid deadline is an hour away; advance the clock past it and the lot moves to the opening
        you.login("admin")
        you.go("/admin/clock")
        you.page.fill("input[name=by-hours]", "2")
        you.press("form:has(input[name=by-hours]) [type=submit]", "clock")

        # 2. staff and the supervisor release their key shares with their key-holder passphrase (the demo keeps
        #    holders' keys on the server; it is not the login password): with two of three the bids open. The lot
        #    page names the holders and their key fingerprints, as the announcement did.
        from trading.simulate.demo import DEMO_KEY_PASSPHRASE

        you.login("bidder1")
        you.go(f"/lots/{lot_id}")
        holders_table = you.page.inner_text("#key-holders")
        assert "王敏" in holders_table and "李国强" in holders_table, holders_table
        for holder in ("staff", "supervisor"):
            you.login(holder)
            you.go(f"/lots/{lot_id}/opening")
            you.page.fill("form[action$='/opening/release'] input[name=passphrase]", DEMO_KEY_PASSPHRASE)
            you.press("form[action$='/opening/release'] button", f"release-{holder}")
        prices = ("24,180,000.00", "23,650,000.00", "24,420,000.00")
        body = you.wait_for(prices, seconds=60)  # under `make serve` the worker opens them; the page follows
        for price in prices:
            assert price in body, f"the opening record shows {price}"

        # 3. staff start the evaluation: the sign-in sheet gives each drawn expert a room account
        you.login("staff")
        you.go(f"/lots/{lot_id}")
        you.press(f"form[action$='/lots/{lot_id}/evaluation/start'] button", "sign-in-sheet")
        members = []
        for row in you.page.locator("table tbody tr").all():
            cells = row.locator("td").all_inner_texts()
            if cells[3].strip() in ("成员", "member"):
                password = cells[5].strip()  # a one-time password, or 使用本人账号 (an expert with a login)
                own = password in ("使用本人账号", "own login")
                members.append((cells[4].strip(), "demo2026" if own else password))
        assert len(members) == 5, members

        # 4. in the closed room: every member signs the statement and votes for the chair
        room = None
        for username, password in members:
            you.login(username, password)
            you.go("/evaluations")
            room = you.page.locator("a[href*='/room']").first.get_attribute("href")
            you.go(room)
            you.press("form[action$='/statement']:not(:has(input[name=conflict])) button", f"statement-{username}")
            you.press("form[action$='/chair'] button", f"chair-{username}")

        # 5. every member marks every bid (投标人A/B/C) on one form
        for username, password in members:
            you.login(username, password)
            you.go(room)
            for field in you.page.locator("input[name^='score-']").all():
                label = field.get_attribute("name")
                field.fill("26" if label.endswith("施工组织设计") else "8")
            you.press("form[action$='/marks'] button[type=submit]", f"marks-{username}")

        # 6. the chair submits the report; every member confirms it
        chair = members[0]
        you.login(*chair)
        you.go(room)
        you.press("form[action$='/report'] button", "report")
        for username, password in members:
            you.login(username, password)
            you.go(room)
            you.press("form[action$='/confirm'] button", f"confirm-{username}")

        # 7. staff rate the members; the tenderee publishes the candidates
        you.login("staff")
        you.go(f"/lots/{lot_id}/evaluation")
        while you.page.locator("form[action$='/ratings'] button").count():
            you.press("form[action$='/ratings'] button >> nth=0", "rate")
        you.login("tenderee1")
        you.go(f"/lots/{lot_id}/result")
        you.press("form[action$='/publicity'] button", "publicity")

        # 8. admin: after the 3-day publicity; the tenderee awards and registers the contract
        you.login("admin")
        you.go("/admin/clock")
        you.page.fill("input[name=by-days]", "4")
        you.press("form:has(input[name=by-days]) [type=submit]", "clock-publicity")
        you.login("tenderee1")
        you.go(f"/lots/{lot_id}/result")
        you.press("form[action$='/award'] button", "award")
        with app.app_context():
            today = app.extensions["trading"].clock.now() + timedelta(hours=8)  # Beijing date
        you.page.fill("form[action$='/contract'] input[name=number]", "咸永安施〔2026〕001号")
        you.page.fill("form[action$='/contract'] input[name=signed_on]", today.date().isoformat())
        you.press("form[action$='/contract'] button", "contract")

        # 9. staff archive the lot; the zip downloads
        you.login("staff")
        you.go(f"/lots/{lot_id}/result")
        you.press("form[action$='/archive'] button", "archive")
        with you.page.expect_download() as download:
            you.page.click(f"a[href$='/lots/{lot_id}/archive.zip']")
        assert download.value.suggested_filename.endswith(".zip")

        # 10. a bidder sees its deposit back with interest in the online bank
        you.login("bidder2")
        you.go("/bank/")
        assert "利息" in you.page.inner_text("body") or "interest" in you.page.inner_text("body").lower()
        browser.close()
    assert you.violations == []

    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        assert lot.state == "archived"
        deposits = db.session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot_id)).all()
        assert len(deposits) == 3
        assert all(d.status == "refunded" and d.interest > Decimal("0") for d in deposits), \
            [(d.status, d.interest) for d in deposits]
    print(f"\nwalkthrough: {you.steps} form submissions, {time.monotonic() - started:.0f} s in the browser")


def test_the_pages_with_scripts_run_them_under_the_content_security_policy(server):
    """The lot page (download fingerprint), the sealing page, the clock, the draw, the statistics charts, the
    opening's live record and the print buttons: each script runs from its static file, and the console reports
    no violation of the policy."""
    from trading.extensions import db
    from trading.models import Bid, Draw, Lot, Project, User

    app, base = server
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == LOT))
        lot_id = lot.id
        draw_id = db.session.scalar(sa.select(Draw.id).where(Draw.lot_id == lot_id))
        mine = sa.select(User.organisation_id).where(User.username == "bidder1").scalar_subquery()
        receipt = db.session.scalar(sa.select(Bid).where(Bid.lot_id == lot_id, Bid.bidder_id == mine)
                                    .order_by(Bid.id)).receipt["receipt_id"]  # bidder1's own: no row order assumed
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        you = Trainee(browser, base, None)
        you.login("bidder1")
        you.go(f"/lots/{lot_id}")
        you.page.wait_for_function("document.getElementById('fingerprint').value.length > 0")
        you.go(f"/lots/{lot_id}/bid")
        you.go(f"/bids/{receipt}/receipt")
        you.page.evaluate("window.print = () => { window.printed = true; }")
        you.page.click("[data-print]")
        assert you.page.evaluate("window.printed === true"), "the print button works without onclick="
        you.login("supervisor")
        you.go("/statistics")
        you.page.wait_for_function("window.Chart && Object.keys(Chart.instances).length === 3")
        you.go(f"/draws/{draw_id}")
        you.login("admin")
        you.go("/admin/clock")
        you.page.fill("input[name=by-hours]", "2")
        you.press("form:has(input[name=by-hours]) [type=submit]", "clock")
        you.login("staff")
        you.go(f"/lots/{lot_id}/opening")
        assert you.page.evaluate("window.__openingState") == "opening", "opening.js runs"
        you.page.wait_for_selector("#opening[data-live-status=open]")  # live.js follows the opening room's stream
        with you.page.expect_response(lambda r: r.url.endswith("/opening.json")):
            app.extensions["trading"].live.publish(f"lot:{lot_id}:opening", "share")  # the page hears, and re-reads
        assert you.page.evaluate("window.__liveEvents") >= 1
        from trading.live import Live, RedisBackend

        app.extensions["trading"].live = Live(RedisBackend("redis://127.0.0.1:1/0", "down"))  # its store is down
        with you.page.expect_response(lambda r: r.url.endswith("/opening.json")):
            you.go(f"/lots/{lot_id}/opening")  # the stream answers 503: live.js polls the page's JSON instead
        assert you.page.get_attribute("#opening", "data-live-status") == "polling"
        browser.close()
    assert you.violations == []
