"""Every page as a centre's people see it (issue 17): a crawl, as each demo role and in both languages, of every
page reachable from the home page and from each demo lot. No link shown to a user answers 4xx or 5xx to that
user; no code name (a rule id or an audited action's code) is visible text; in English no Chinese is left
outside data (names, places, documents: what the database holds, the specialty catalogue, text marked
``lang="zh-CN"``, and the Chinese that English messages quote on purpose, such as a file's column headers)."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from tests.conftest import login
from trading import ROOT
from trading.domain import regions, specialties
from trading.domain.rules import RULES
from trading.extensions import db
from trading.web.labels import AUDIT_ACTIONS

ROLES = (None, "staff", "bidder1", "tenderee1", "agency", "supervisor", "expert1", "admin")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")
HAN = re.compile(r"[\u3400-\u9fff]")
CODE_NAMES = frozenset(RULES) | frozenset(AUDIT_ACTIONS)
TOKEN = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")
NOT_FOLLOWED = re.compile(r"^/(static|language)/|/logout$")
MAX_PAGES = 200
PER_SHAPE = 3  # pages of one shape (/experts/<id>, /statistics?region=...) visited per crawl


class Page(HTMLParser):
    """The links and the visible text of a page; text inside ``lang="zh…"`` elements is kept apart."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden or Chinese by declaration)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag in self.VOID:
            return
        quiet = tag in ("script", "style", "title", "template") or (values.get("lang") or "").startswith("zh")
        self.stack.append((tag, quiet or any(q for _, q in self.stack[-1:])))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if data.strip() and not (self.stack and self.stack[-1][1]):
            self.text.append(data.strip())


def _strings(value, found: set[str]) -> None:
    """Every string with Chinese in a stored value (JSON included)."""
    if isinstance(value, str):
        if HAN.search(value):
            found.add(value)
            found.update(part.strip() for part in re.split(r"[\n\r]+", value) if HAN.search(part))
    elif isinstance(value, dict):  # the keys too: a price form's declared fields (项目经理: ...)
        for key, item in value.items():
            _strings(key, found)
            _strings(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _strings(item, found)


def interface_chinese() -> set[str]:
    """The Chinese names the interface prints for its codes (states, stages, methods, trade types): never data,
    wherever the data repeats them."""
    from trading.domain import lifecycle, rules

    names = set(lifecycle.STATES.values()) | {s.name_zh for s in lifecycle.STAGES.values()}
    return names | {m.name_zh for m in rules.METHODS.values()} | {t.name_zh for t in rules.TRADE_TYPES.values()}


def data_strings(app) -> re.Pattern:
    """A pattern matching any piece of data a page may show in Chinese, longest first."""
    found: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
            if columns:
                for row in db.session.execute(sa.select(*columns)):
                    _strings(list(row), found)
        db.session.remove()
    catalogue = specialties.load()
    found.update(s.name for s in catalogue.entries)
    found.update(catalogue.label(s.code) for s in catalogue.entries)
    found.update(r.name for r in regions._table().regions.values())
    with open(ROOT / "trading/translations/messages.pot", "rb") as handle:  # Chinese quoted by English messages
        for message in read_po(handle):
            for text in ([message.id] if isinstance(message.id, str) else message.id or []):
                found.update(CJK.findall(text or ""))
    found -= interface_chinese()
    pieces = sorted((s for s in found if s), key=len, reverse=True)
    return re.compile("|".join(re.escape(s) for s in pieces))


def _shape(url: str) -> str:
    """A URL with its numbers and query values left out: /experts/3 and /experts/8 have one shape."""
    parts = urlsplit(url)
    keys = sorted(key.split("=")[0] for key in parts.query.split("&") if key)
    return re.sub(r"[0-9a-f-]{8,}|\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(app, username: str | None, lang: str, starts: list[str]):
    """Yield (url, referrer, response, parsed page or None) for every page reachable from ``starts``."""
    client = app.test_client()
    if username:
        assert login(client, username).status_code == 302
    client.post("/language", data={"lang": lang, "next": "/"})
    queue, seen, shapes = [(url, "start") for url in starts], set(), {}
    while queue and len(seen) < MAX_PAGES:
        url, referrer = queue.pop(0)
        shape = _shape(url)
        if url in seen or (referrer != "start" and shapes.get(shape, 0) >= PER_SHAPE):
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        page = None
        if response.status_code == 200 and response.mimetype == "text/html":
            page = Page()
            page.feed(response.get_data(as_text=True))
            for href in page.links:
                parts = urlsplit(urljoin("http://localhost" + url, href))
                if parts.netloc != "localhost" or NOT_FOLLOWED.search(parts.path):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    queue.append((target, url))
        yield url, referrer, response, page


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def _starts(app) -> list[str]:
    from trading.models import Lot

    with app.app_context():
        lots = list(db.session.scalars(sa.select(Lot.id).order_by(Lot.id)))
        db.session.remove()
    return ["/", "/public/announcements", *(f"/lots/{lot}" for lot in lots)]


def check(app, starts: list[str], roles=ROLES) -> list[str]:
    """What is wrong on the pages each role reaches: dead links, code names, Chinese left in English."""
    data = data_strings(app)
    problems = []
    for username in roles:
        for lang in ("en", "zh_CN"):
            for url, referrer, response, page in crawl(app, username, lang, starts):
                who = f"{username or 'public'} ({lang}) {url}"
                if response.status_code >= 400 and referrer != "start":
                    problems.append(f"{who}: {response.status_code}, linked from {referrer}")
                if page is None:
                    continue
                text = " ".join(page.text)
                problems += [f"{who}: code name {token}" for token in set(TOKEN.findall(text)) & CODE_NAMES]
                if lang == "en":
                    left = set(CJK.findall(data.sub(" ", text)))
                    problems += [f"{who}: Chinese in English mode: {left}"] if left else []
    return problems


def test_every_page_of_every_role_reads_in_words_in_both_languages_and_links_only_where_the_role_may_go(demo_app):
    problems = check(demo_app, _starts(demo_app))
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} in all)"


def test_after_the_archive_every_page_still_reads_in_words_and_links_only_where_the_role_may_go(app, now, tmp_path):
    """The half-hour path's end: a construction lot opened, evaluated, awarded, contracted and archived. (Built in
    its own app context, closed before the crawl: a shared one would keep the first login for every client.)"""
    from tests.services.test_evaluation import Scene
    from trading.domain import calendar
    from trading.services import archive, result

    with app.app_context():
        session = db.session
        scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        publicity = scene.to_publicity()
        people, lot = scene.people, scene.lot
        at = publicity.ends_at + timedelta(hours=1)
        award = result.award(scene.ctx, session, people.tenderee, at, lot, 1)
        at += timedelta(days=2)
        result.register_contract(scene.ctx, session, people.tenderee, at, lot, number="HT-2026-001",
                                 signed_on=calendar.local_date(at) - timedelta(days=1), amount=str(award.price))
        archive.create(scene.ctx, session, people.staff, at, lot)
        session.commit()
        lot_id = lot.id
        session.remove()
    app.extensions["trading"].clock.move_to(at + timedelta(hours=1))
    _only_what_applies_after_the_archive(app, lot_id)
    problems = check(app, ["/", "/public/announcements", f"/lots/{lot_id}", f"/lots/{lot_id}/bid",
                           f"/lots/{lot_id}/result"],
                     roles=(None, "staff", "bidder1", "bidder2", "tenderee1", "supervisor", "admin"))
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} in all)"


def _only_what_applies_after_the_archive(app, lot_id: int) -> None:
    """Issue 17: after the archive a bidder is offered no upload, sealing or withdrawal, the public announcement
    no sign-up, and nobody whose price was not flagged a price explanation."""
    from trading.models import Announcement

    bidder = app.test_client()
    login(bidder, "bidder1")
    page = bidder.get(f"/lots/{lot_id}/bid").get_data(as_text=True)
    assert 'id="bids-closed"' in page
    for action in ("/bid/upload", "/bid/seal", "/bid/withdraw"):
        assert f"/lots/{lot_id}{action}" not in page, action
    lot_page = bidder.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f"/lots/{lot_id}/explanations" not in lot_page
    assert f'btn-primary btn-sm" href="/lots/{lot_id}/bid"' not in lot_page  # no "submit a sealed bid"
    assert f'href="/lots/{lot_id}/bid"' in lot_page  # but its bids and receipts
    bidder.post("/language", data={"lang": "en", "next": "/"})
    bank = bidder.get("/bank/").get_data(as_text=True)  # the platform's memos in words of the page's language
    assert "Deposit refunded: not awarded" in bank and "Interest on the deposit" in bank and "保证金退还" not in bank
    with app.app_context():
        announcement = db.session.scalar(sa.select(Announcement.id).where(Announcement.lot_id == lot_id))
        db.session.remove()
    public = app.test_client().get(f"/public/announcements/{announcement}").get_data(as_text=True)
    assert 'id="sign-up-closed"' in public and "/auth/login" not in public.split("<main", 1)[1]


def test_before_the_opening_the_lot_page_says_the_bids_wait_and_offers_no_failure(demo_app):
    """Issue 17: 开始评标 pressed before the opening said 0 bids were opened and told staff to fail a sound lot; now
    the page says the opening has not happened and shows neither a live start nor the 流标 button."""
    from trading.models import Bid, Lot
    from trading.platform import current_platform
    from trading.services import chronograph

    with demo_app.app_context():
        lot = db.session.scalar(sa.select(Lot).where(Lot.id.in_(sa.select(Bid.lot_id))))  # lot 5: 3 sealed bids
        lot_id, deadline = lot.id, lot.bid_deadline
        chronograph.tick(current_platform(), db.session, deadline)
        db.session.commit()
        assert db.session.get(Lot, lot_id).state == "opening"
        db.session.remove()
    demo_app.extensions["trading"].clock.move_to(deadline)
    staff = demo_app.test_client()
    login(staff, "staff")
    page = staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="opening-waits"' in page
    assert f"/lots/{lot_id}/fail" not in page and f'action="/lots/{lot_id}/evaluation/start"' not in page


def test_a_seated_member_finds_the_room_on_the_home_page_and_reads_bidders_as_bidder_a_in_english(app, now,
                                                                                                   tmp_path):
    """Issue 17: a room account landed on "no evaluation assignments" while seated, shown as one of the centre;
    in English the room named bids 投标人A/B/C."""
    from tests.services.test_evaluation import Scene
    from trading.models import User

    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        scene.start()
        seat = next(m for m in scene.members() if m.seat in scene.passwords)  # a room account, not expert1
        user = db.session.get(User, seat.user_id)
        username, password, evaluation_id = user.username, scene.passwords[seat.seat], scene.evaluation.id
        centre = user.organisation.name
        app.extensions["trading"].clock.at = scene.in_room
        db.session.commit()
        db.session.remove()
    member = app.test_client()
    assert login(member, username, password).status_code == 302
    home = member.get("/").get_data(as_text=True)
    assert f"/evaluations/{evaluation_id}/room" in home and centre not in home
    assert member.post(f"/evaluations/{evaluation_id}/statement", data={}).status_code == 302
    member.post("/language", data={"lang": "en", "next": "/"})
    room = member.get(f"/evaluations/{evaluation_id}/room").get_data(as_text=True)
    assert "Bidder A" in room and "投标人A" not in room
