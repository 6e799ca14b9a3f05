"""Issue 13, leaks 1, 2, 4 and 9, and its first done-when: with the demo loaded (lot 5 an hour before its bid
deadline, three sealed bids from bidder1–3, its panel drawn), every role crawls every page it can reach — links,
live-refresh JSON, exports — and nothing tells it whether, how many or which of bidder1–3 signed up, paid or
bid, nor (before the award, or for staff before the evaluation) who sits on the panel."""

from __future__ import annotations

import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.extensions import db
from trading.models import Bid, CommitteeMember, Deposit, Draw, Evaluation, Expert, Lot, Organisation, Project

LOT_NAME = "咸宁市永安大道东延线道路工程"
RIVALS = ("bidder1", "bidder2", "bidder3")
LINK = re.compile(r'(?:href|src|data-url)="([^"#]+)')
SKIP = ("/static/", "/auth/logout", "/language", "/phone/")  # assets, and pages that change state or play audio
COUNT_LABELS = ("Signed up:", "Bids received:", "Deposits received:", "bids received by the deadline",
                "Bidder signed up")
MAX_PAGES = 150
PER_SHAPE = 2
REGISTERED = ("organisation.create", "user.create")  # audit rows naming a company as such


@pytest.fixture
def app(restore_demo):
    """The README's demo as the real command leaves it at the fixed clock."""
    return restore_demo()


@pytest.fixture
def demo_lot(app):
    """The demo's lot 5, an hour before its deadline, and what must stay secret about it."""
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == LOT_NAME))
        assert lot.state == "announced" and FIXED_NOW < lot.bid_deadline
        rivals = db.session.scalars(sa.select(Organisation).join(Bid, Bid.bidder_id == Organisation.id)
                                    .where(Bid.lot_id == lot.id)).all()
        assert sorted(o.id for o in rivals) == sorted({o.id for o in rivals}) and len(rivals) == 3
        deposits = db.session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id)).all()
        bids = db.session.scalars(sa.select(Bid).where(Bid.lot_id == lot.id)).all()
        draw = db.session.scalar(sa.select(Draw).where(Draw.lot_id == lot.id, Draw.status == "complete"))
        seated = [c.expert_id for c in draw.calls if c.outcome == "accepted"]
        experts = db.session.scalars(sa.select(Expert).where(Expert.id.in_(seated))).all()
        # an expert drawn for lot 5 and seated on another lot's panel (the demo's 6 and 7, evaluated and decided or in
        # publicity) is named as that lot's member on its pages and its room account, which tells nothing of lot 5:
        # only the others can be checked
        elsewhere = set(db.session.scalars(sa.select(CommitteeMember.expert_id).join(Evaluation)
                                           .where(Evaluation.lot_id != lot.id, CommitteeMember.expert_id.is_not(None))))
        secrets = {
            "names": [o.name for o in rivals],
            "accounts": [d.sub_account.number for d in deposits],
            "bids": [b.manifest_hash for b in bids] + [b.receipt["receipt_id"] for b in bids],
        }
        panel = [e.name for e in experts if e.id not in elsewhere]
        assert len(panel) >= 3, "too few of the panel left to check"
        return {"id": lot.id, "secrets": secrets, "panel": panel, "seated": seated}


def about_lot(row: str, lot_id: int) -> bool:
    """Whether an audit log row (its HTML) is about lot ``lot_id``: its object cell names the lot and its id."""
    return re.search(rf'title="lot">[^<]+</span> {lot_id}</td>', row) is not None


def _text(response) -> str:
    """What a person would read in the response: the page, the JSON, or every cell of a spreadsheet."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    if response.mimetype.startswith(("text/", "application/json")):
        return response.get_data(as_text=True)
    return ""


def crawl(client, lot_id: int, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Every same-site GET page reachable from the home page (and ``extra``), by path: its readable text."""
    seen: dict[str, str] = {}
    queue = deque(["/", f"/lots/{lot_id}", f"/lots/{lot_id}/opening", f"/lots/{lot_id}/opening.json",
                   f"/lots/{lot_id}/opening.xlsx", f"/lots/{lot_id}/result", f"/lots/{lot_id}/draws",
                   f"/lots/{lot_id}/evaluation", "/work", "/supervision/audit", "/supervision/warnings", "/experts",
                   "/bank/", *extra])
    shapes: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        parts = urlsplit(path)
        if parts.netloc or path in seen or path.startswith(SKIP):
            continue
        shape = re.sub(r"\d+", "N", parts.path)
        if f"/lots/{lot_id}" not in path and shapes.get(shape, 0) >= PER_SHAPE:
            continue  # a few experts, announcements or audit pages stand for the rest
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(path)
        assert response.status_code != 500, path
        text = _text(response) if response.status_code == 200 else ""
        seen[path] = text
        for link in LINK.findall(text):
            target = urljoin(path, link.replace("&amp;", "&"))
            if urlsplit(target).netloc in ("", "localhost") and target not in seen:
                queue.append(urlsplit(target)._replace(scheme="", netloc="").geturl())
    return seen


def _client(app, username: str | None):
    client = app.test_client()
    if username:
        assert login(client, username).status_code == 302
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


ROLES = ("bidder4", "tenderee1", "agency", "staff", "supervisor", "admin", "expert1", None)


def test_before_the_deadline_no_page_tells_who_bid_or_who_was_drawn(app, demo_lot):
    """One crawl per role (None: an anonymous visitor), checked for both promises."""
    for username in ROLES:
        pages = crawl(_client(app, username), demo_lot["id"])
        assert len(pages) > 5
        _no_bidder_disclosed(username, pages, demo_lot)
        if username != "supervisor":
            _no_panel_disclosed(username, pages, demo_lot)
    for username in ("staff", "admin"):
        client = _client(app, username)
        for expert_id in demo_lot["seated"]:
            page = client.get(f"/experts/{expert_id}").get_data(as_text=True)
            assert "Draws 0, accepted 0" in page, f"{username} sees expert {expert_id}'s counter move with the draw"


def _no_bidder_disclosed(username, pages: dict[str, str], demo_lot: dict) -> None:
    """Nothing tells whether, how many or which of bidder1–3 signed up, paid or bid (法 Art. 22)."""
    for path, text in pages.items():
        if username == "admin" and path.startswith("/admin/"):
            continue  # the user and organisation registers list every company, whatever it trades
        if path.startswith("/certificates/all"):
            continue  # signing certificates are per company, not per lot
        if path.startswith("/supervision/audit"):  # a company's registration names it, whatever it trades
            text = "".join(row for row in text.split("<tr") if not any(action in row for action in REGISTERED))
        for kind, values in demo_lot["secrets"].items():
            if kind == "names" and path.startswith("/experts"):
                continue  # the pool names each expert's employer, some of them bidders, whatever they bid for
            for value in values:
                assert value not in text, f"{username} learns a rival's {kind} on {path}"
        if f"/lots/{demo_lot['id']}" in path or path == "/supervision/audit":
            if path == "/supervision/audit":  # the entries about this lot (the demo's lots 6 to 9 are long past their
                text = "".join(row for row in text.split("<tr") if about_lot(row, demo_lot['id']))  # deadlines)
            for label in COUNT_LABELS:
                assert label not in text, f"{username} sees '{label}' on {path}"
        if path == "/work" and text:  # the lots in trading, with how many signed up where that may be known
            row = re.search(rf'href="/lots/{demo_lot["id"]}".*?</tr>', text, re.S)
            assert row and not re.search(r"<td>\d+</td>", row.group(0)), f"{username} sees the sign-up count"
        if path == f"/lots/{demo_lot['id']}/opening.json" and text:  # the demo's lots 6 and 7 are long opened
            assert '"bids":null' in text.replace(" ", ""), f"{username} gets the bid count from {path}"


def _no_panel_disclosed(username, pages: dict[str, str], demo_lot: dict) -> None:
    """No drawn expert's name before the evaluation (staff) or the award (everyone else) (法 Art. 37)."""
    for path, text in pages.items():
        if path.startswith("/experts") and username in ("staff", "admin"):
            continue  # the pool lists every expert; what matters is that nothing there moved with the draw
        if path.startswith("/admin/users") and username == "admin":
            continue  # the accounts, an earlier panel's room accounts among them (this lot's are made when its
            # evaluation starts, after the deadline): a name there tells nothing of this lot's panel
        other = re.match(r"/lots/(\d+)", path)
        if other and int(other.group(1)) != demo_lot["id"]:
            continue  # another lot's page names its own panel once that lot is decided (the demo's lots 6 and 7):
            # an expert seated on both is named there as that lot's member, which tells nothing of this lot
        for name in demo_lot["panel"]:
            assert name not in text, f"{username} learns the panel member {name} on {path}"


def test_the_supervisor_sees_the_panel_but_no_bidder_before_the_deadline(app, demo_lot):
    client = _client(app, "supervisor")
    page = client.get(f"/draws/{_draw_id(app, demo_lot['id'])}").get_data(as_text=True)
    assert all(name in page for name in demo_lot["panel"])
    audit = client.get("/supervision/audit?per_page=50").get_data(as_text=True)
    assert not any(name in audit for name in RIVALS), "a bidder's own entries sit next to its hidden bid"


def test_after_the_deadline_the_followers_see_the_bids_and_the_staff_the_panel_only_once_evaluating(app, demo_lot):
    with app.app_context():
        lot = db.session.get(Lot, demo_lot["id"])
        deadline = lot.bid_deadline
    app.extensions["trading"].clock.move_to(deadline)
    staff = _client(app, "staff")
    assert '"bids":3' in staff.get(f"/lots/{demo_lot['id']}/opening.json").get_data(as_text=True).replace(" ", "")
    page = staff.get(f"/draws/{_draw_id(app, demo_lot['id'])}").get_data(as_text=True)
    assert not any(name in page for name in demo_lot["panel"])


def _draw_id(app, lot_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Draw.id).where(Draw.lot_id == lot_id, Draw.status == "complete"))
