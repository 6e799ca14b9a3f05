"""Public reports (举报) under attack: a reporter cannot open another's report by guessing its number, its id or a
code; the parties a report names (and everyone but the supervisor) never see it, on any page or in the audit log they
read; anonymous spam and code guessing are throttled per address (rule ``report.throttle``)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.extensions import db
from trading.models import PublicReport
from trading.simulate import lots as walk

FACTS = "开标前三家投标人的投标文件由同一人编制，报价呈等差排列，疑似串通投标。"
SECRET = "举报人亲眼所见：投标人A的项目经理同时出现在投标人B的文件中。"


def _report(client, **fields):
    data = {"category": "collusion", "lot": "", "party": "", "text": FACTS, "contact": "13800000000"}
    data.update(fields)
    return client.post("/public/reports/new", data=data)


def _rows(app):
    with app.app_context():
        return db.session.scalars(sa.select(PublicReport).order_by(PublicReport.id)).all()


def test_a_reporter_cannot_open_another_report_by_guessing(app, demo):
    mine = app.test_client()
    own_link = _report(mine).headers["Location"]
    theirs = app.test_client()
    their_link = _report(theirs, text=SECRET).headers["Location"]
    first, second = _rows(app)
    own_code = own_link.rsplit("/", 1)[1]
    guesses = [second.number, first.number, str(second.id), f"{second.id:06d}", second.token_hash,
               own_code[:-1] + ("A" if own_code[-1] != "A" else "B"), own_code.upper(), own_code + "A",
               "../../supervision/reports/2", "new2", "a" * 32]
    for guess in guesses:
        response = mine.get(f"/public/reports/{guess}")
        assert response.status_code == 404, guess
        assert SECRET not in response.get_data(as_text=True)
    page = mine.get(own_link).get_data(as_text=True)
    assert FACTS in page and SECRET not in page and second.number not in page
    assert "13800000000" not in page  # not even one's own contact is echoed on a page a link opens
    assert SECRET in theirs.get(their_link).get_data(as_text=True)


def test_the_parties_a_report_names_and_everyone_but_the_supervisor_never_see_it(app, demo):
    from trading.platform import current_platform

    with app.app_context():
        people = walk.cast(db.session)
        lot = walk.create(current_platform(), db.session, people, FIXED_NOW, "construction")
        walk.advance(current_platform(), db.session, people, FIXED_NOW, lot, "announced")
        db.session.commit()
        lot_id, deal_code = lot.id, lot.deal_code
        named = people.bidders[0].organisation.name
    _report(app.test_client(), lot=deal_code, party=named, text=SECRET)
    (row,) = _rows(app)
    assert row.lot_id == lot_id
    for username in ("tenderee1", "bidder1", "bidder2", "staff", "admin", "expert1"):
        client = app.test_client()
        assert login(client, username).status_code == 302
        assert client.get("/supervision/reports").status_code == 403, username
        assert client.get(f"/supervision/reports/{row.id}").status_code == 403, username
        refused = client.post(f"/supervision/reports/{row.id}/decline", data={"reason": "无需处理的举报"})
        assert refused.status_code == 403, username
        pages = [client.get(f"/lots/{lot_id}"), client.get("/supervision/audit"),
                 client.get("/supervision/audit", query_string={"object_type": "public_report"})]
        for page in pages:
            text = page.get_data(as_text=True)
            assert SECRET not in text, (username, page.request.path)
            if username != "admin":  # the administrator reads the chain: the report's number and hash, no more
                assert row.number not in text and "举报" not in text.replace("我要举报", ""), (username,
                                                                                         page.request.path)
    supervisor = app.test_client()
    login(supervisor, "supervisor")
    assert SECRET in supervisor.get(f"/supervision/reports/{row.id}").get_data(as_text=True)
    audit = supervisor.get("/supervision/audit", query_string={"object_type": "public_report"}).get_data(as_text=True)
    assert row.number in audit and SECRET not in audit and named not in audit  # the chain keeps the text's hash only
    assert _rows(app)[0].status == "received"  # nobody else's refused step changed it


def test_anonymous_spam_is_throttled_per_address(make_app, demo):
    app = make_app(REPORT_RATE_LIMIT="2 per hour", REPORT_LOOKUP_RATE_LIMIT="3 per hour")
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    assert _report(client, text="too short").status_code == 422  # a refused draft does not count
    assert _report(client).status_code == 302 and _report(client).status_code == 302
    refused = _report(client)
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Too many reports or follow-up codes from your address" in text and "report.throttle" in text
    assert len(_rows(app)) == 2
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"  # another address has its own count
    assert _report(other).status_code == 302
    for _ in range(3):
        assert client.get(f"/public/reports/{'x' * 32}").status_code == 404
    assert client.get(f"/public/reports/{'y' * 32}").status_code == 429  # code guessing stops here
    link = _report(other).headers["Location"]
    assert re.fullmatch(r"/public/reports/\S{32}", link) and other.get(link).status_code == 200
