"""Issue 17's checks that keep every page plain, linked and complete: a crawl as every demo role, in both languages,
of every page reachable from the home page and from each demo lot's page (tests/e2e/crawling.py says what it
checks and how data is told from the interface), on the demo as `make run` loads it and after the README's
half-hour path (lot 5 opened, evaluated by its drawn panel in the closed room, awarded, contracted and archived),
with a room account seated on the panel crawled while the room is open. The links, code names and Chinese are read
with the Flask test client over the served app (fast); the overflow check runs in Chromium at 1366 and 390 px.

By default the crawl reads at most 3 URLs of one shape (/experts/N, /statistics?region=...: the pages of a shape
come from one template) as one bidder of each kind (construction, procurement) and every other role; with
``E2E_FULL=1`` every URL as every demo login (bidder1 to bidder6, both tenderees, supervisor2). After the
half-hour path the default crawl reads as lot 5's people (the public, staff, the supervisor, the tenderee, a
winning and a losing bidder) and, in the open room, as the room account; E2E_FULL=1 as every login again.

The browser's pass: by default one page per endpoint (the first URL any role reached, as that role), loaded once
and laid out at both widths (the window resized), in English (the longer language: of the overflows this pass
found, none was in Chinese only); with ``E2E_FULL=1`` one page per endpoint *per role*, at both widths in both
languages (several minutes). One demo serves the whole module (module-scoped fixture).

The code-name pattern is itself tested on examples that must and must not match.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.e2e import crawling

FULL = os.environ.get("E2E_FULL") == "1"
# every demo login; by default one of each kind of bidder and tenderee (the others see the same pages of other lots)
DEMO_USERS = (None, "admin", "staff", "supervisor", "supervisor2", "tenderee1", "tenderee2", "agency", "bidder1",
              "bidder2", "bidder3", "bidder4", "bidder5", "bidder6", "expert1")
USERS = DEMO_USERS if FULL else (None, "admin", "staff", "supervisor", "tenderee1", "tenderee2", "agency", "bidder1",
                                 "bidder4", "expert1")
AFTER_PATH_USERS = (None, "staff", "supervisor", "tenderee1", "bidder1", "bidder2")  # lot 5's people (default)
PER_SHAPE = None if FULL else 3  # by default at most 3 URLs of one shape (/experts/N, /statistics?region=...)
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.parametrize("text", [
    "lot.key_ceremony", "事件：draw.commit", "【依据 construction.min_bids（…）】", "opening.release_share。",
    "electronic.bid_deadline", "savings_rate", "projects_total 108", "须等到publicity_end（", "see lot.award.",
    "archive.create,", "(deposit.refund)",
])
def test_the_code_name_pattern_finds_codes_in_text(text):
    assert crawling.code_names(text), text


@pytest.mark.parametrize("text", [
    "https://example.org/a_b/lot.key_ceremony", "/lots/5/bid_file", "bidder_one@example.com", "报价_v2.pdf",
    "招标文件.docx", "bid_file.sealed", "www.xnggzy.gov.cn", "3.14", "Art. 35", "e.g. this", "TRADING_KEK",
    "SM2 key", "pw1-6", "bidder1", "Bidder A", "2026-03-02 09:00", "咸宁市公共资源交易中心", "v1.2", "No. 5.",
    "the lot is archived", "award the lot",
])
def test_the_code_name_pattern_leaves_urls_files_addresses_and_prose_alone(text):
    assert not crawling.code_names(text, "en"), text


@pytest.mark.parametrize("text, code", [("尚不能执行\"award\"：须等到", "award"), ("状态：archived", "archived")])
def test_a_bare_lifecycle_code_in_chinese_is_a_code_name(text, code):
    assert code in crawling.code_names(text, "zh_CN")
    assert not crawling.code_names("bidder1 登录；文件 award.pdf", "zh_CN")


@dataclass
class Demo:
    app: object
    base: str
    reports: dict[str, crawling.Report] = field(default_factory=dict)


@pytest.fixture(scope="module")
def demo(database_url, tmp_path_factory):
    """The platform as `make run` serves it (simulated clock, CSRF on, the demo loaded) on a free local port, once
    for the module."""
    from werkzeug.serving import make_server

    from tests.conftest import _config, _empty_tables
    from trading import create_app
    from trading.extensions import db

    app = create_app(_config(database_url, CLOCK="simulated", WTF_CSRF_ENABLED=True),
                     instance_path=str(tmp_path_factory.mktemp("crawl-instance")))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Demo(app, f"http://127.0.0.1:{httpd.server_port}")
    httpd.shutdown()
    thread.join()
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _lots(app) -> list[int]:
    from trading.extensions import db
    from trading.models import Lot

    with app.app_context():
        lots = list(db.session.scalars(sa.select(Lot.id).order_by(Lot.id)))
        db.session.remove()
    return lots


def _starts(app) -> list[str]:
    return ["/", "/public/announcements", *(f"/lots/{lot}" for lot in _lots(app))]


def _demo_report(demo: Demo) -> crawling.Report:
    if "demo" not in demo.reports:
        demo.reports["demo"] = crawling.check(demo.app, _starts(demo.app), USERS, per_shape=PER_SHAPE)
    return demo.reports["demo"]


def _fail(problems: list[str]) -> str:
    return "\n".join(problems[:80]) + f"\n({len(problems)} in all)"


def test_every_demo_role_in_both_languages_reads_words_and_is_shown_only_links_it_may_follow(demo):
    report = _demo_report(demo)
    assert report.visits > 400, report.visits  # the crawl reached the pages (a broken login would not)
    assert not report.problems, _fail(report.problems)


def test_no_page_scrolls_sideways_at_1366_or_390_px(demo):
    """In Chromium, one page per endpoint at both widths in English (per role and in both languages with
    E2E_FULL=1)."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from tests.e2e.test_layout import _switch
    from tests.e2e.test_walkthrough import launch

    pages = _demo_report(demo).pages
    if not FULL:  # one page per endpoint, as the first role that reached it
        chosen: dict[str, tuple[str | None, str]] = {}
        for (user, endpoint), url in pages.items():
            chosen.setdefault(endpoint, (user, url))
        pages = {(user, endpoint): url for endpoint, (user, url) in chosen.items()}
    by_user: dict[str | None, list[str]] = {}
    for (user, _endpoint), url in pages.items():
        by_user.setdefault(user, []).append(url)
    problems = []
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        for user, urls in by_user.items():
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.set_default_timeout(30_000)
            if user:
                page.goto(demo.base + "/auth/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", "demo2026")
                page.click("form:has(input[name=password]) [type=submit]")
            for lang in ("en", "zh_CN") if FULL else ("en",):
                page.goto(demo.base + "/")
                _switch(page, lang)
                for url in urls:
                    page.goto(demo.base + url)
                    for width in (1366, 390):  # the page laid out again at each width, as a window resized
                        page.set_viewport_size({"width": width, "height": 900})
                        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                        if wide > 1:
                            problems.append(f"{user or 'public'} {lang} {width}px {url}: {wide} px too wide")
                    page.set_viewport_size({"width": 1366, "height": 900})
            context.close()
        browser.close()
    assert not problems, _fail(problems)


def _advance_clock(app, session, to) -> None:
    """Move the platform's simulated clock to ``to`` (as the administrator's clock page does)."""
    from trading.models import User
    from trading.services import clock

    admin = session.scalar(sa.select(User).where(User.username == "admin"))
    now = app.extensions["trading"].clock.now()
    if to > now:
        clock.advance(session, admin, now, to=to)


def test_after_the_half_hour_path_every_role_reads_words_and_a_seated_room_account_finds_its_room(demo):
    """The README's half-hour path on lot 5, through the services: the bids open with two key shares, staff start
    the evaluation (room accounts for the drawn experts without a login), and while the room is open the crawl
    runs as a room account seated on the panel (and expert1 and staff with E2E_FULL=1); then the committee reports,
    the candidates are published, and after the publicity the tenderee awards and registers the contract and
    staff archive the lot: the crawl runs again (as lot 5's people; every login with E2E_FULL=1). (It runs last:
    it moves the module's demo on.)"""
    from trading.domain import calendar
    from trading.extensions import db
    from trading.models import Bid, Evaluation, Lot, User
    from trading.platform import current_platform
    from trading.services import archive, evaluation as room, result
    from trading.simulate import lots as walk, methods

    app = demo.app
    with app.app_context():
        session, ctx = db.session, current_platform()
        people = walk.cast(session)
        lot = session.scalar(sa.select(Lot).where(Lot.id.in_(sa.select(Bid.lot_id)), Lot.state == "announced"))
        lot_id = lot.id
        opened_at = methods._open(ctx, session, people, lot)
        evaluation, passwords = room.start(ctx, session, people.staff, opened_at, lot)
        seat = next(m for m in evaluation.members if m.status == "seated" and m.seat in passwords)
        account, evaluation_id = (session.get(User, seat.user_id).username, passwords[seat.seat]), evaluation.id
        _advance_clock(app, session, evaluation.opens_at + timedelta(minutes=1))
        session.commit()
        session.remove()
    room_page = f"/evaluations/{evaluation_id}/room"
    report = crawling.check(app, [*_starts(app), room_page], (account, "expert1", "staff") if FULL else (account,),
                            per_shape=PER_SHAPE)
    member = crawling.signed_in(app, account[0], "zh_CN", account[1])
    assert room_page in member.get("/").get_data(as_text=True), "a seated room account finds its room at home"

    with app.app_context():
        session, ctx = db.session, current_platform()
        people, lot = walk.cast(session), session.get(Lot, lot_id)
        methods.finish(ctx, session, people, lot, session.get(Evaluation, evaluation_id))
        at = result.publicity_of(session, lot).ends_at + timedelta(hours=1)
        award = result.award(ctx, session, people.tenderee, at, lot, 1)
        at += timedelta(days=1)
        result.register_contract(ctx, session, people.tenderee, at, lot, number="咸永安施〔2026〕001号",
                                 signed_on=calendar.local_date(at), amount=str(award.price))
        archive.create(ctx, session, people.staff, at, lot)
        _advance_clock(app, session, at + timedelta(hours=1))
        session.commit()
        assert lot.state == "archived"
        session.remove()
    crawling.check(app, _starts(app), USERS if FULL else AFTER_PATH_USERS, data=crawling.data_strings(app),
                   report=report, per_shape=PER_SHAPE)
    assert not report.problems, _fail(report.problems)
