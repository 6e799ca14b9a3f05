"""In the browser: the sign-up with its integrity pledge (in the reader's language, refused unticked), the pledge read
afterwards; the public report form (no login, CSRF on, every field's refusal shown under it, nothing half-saved),
its follow-up page, and the supervisor's list and handling."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.web.test_hostile_input import _client
from trading.extensions import db
from trading.models import AuditEntry, IntegrityPledge, PublicReport, Registration
from trading.simulate import lots as walk

FACTS = "开标前三家投标人的投标文件由同一人编制，报价呈等差排列，疑似串通投标。"


def _announced(app) -> int:
    from trading.platform import current_platform

    with app.app_context():
        people = walk.cast(db.session)
        lot = walk.create(current_platform(), db.session, people, FIXED_NOW, "construction")
        walk.advance(current_platform(), db.session, people, FIXED_NOW, lot, "announced")
        db.session.commit()
        return lot.id


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_the_bidder_reads_the_pledge_ticks_it_and_signs_up_and_unticked_is_refused(app, demo):
    lot_id = _announced(app)
    client = _client(app, "bidder1")
    page = client.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "诚信承诺书" in page and "第四十条" in page and 'id="pledge-text"' in page
    digest, language = _hidden(page, "pledge_sha256"), _hidden(page, "pledge_language")
    assert language == "zh" and len(digest) == 64
    refused = client.post(f"/lots/{lot_id}/sign-up", data={"pledge_sha256": digest, "pledge_language": language},
                          follow_redirects=True).get_data(as_text=True)
    assert "请阅读诚信承诺书并勾选接受后再报名" in refused and "credit.integrity_pledge" in refused
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
    assert 'name="fingerprint"' in page and "data-fingerprint" in page  # js/fingerprint.js fills it
    done = client.post(f"/lots/{lot_id}/sign-up", data={"pledge": "y", "pledge_sha256": digest,
                                                         "pledge_language": language, "fingerprint": "ab12cd34"},
                       follow_redirects=True)
    assert 'id="my-pledge"' in done.get_data(as_text=True)
    with app.app_context():
        kept = db.session.scalar(sa.select(IntegrityPledge))
        assert kept.sha256 == digest and kept.language == "zh"
        signed = db.session.scalar(sa.select(Registration))  # where it came from, for the collusion screens
        assert signed.fingerprint == "ab12cd34" and signed.address
    own = client.get(f"/lots/{lot_id}/pledges").get_data(as_text=True)
    assert digest in own and "郑重承诺" in own


def test_in_english_the_translation_is_shown_and_kept(app, demo):
    lot_id = _announced(app)
    client = _client(app, "bidder2", lang="en")
    page = client.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "solemnly pledge" in page and _hidden(page, "pledge_language") == "en"
    client.post(f"/lots/{lot_id}/sign-up", data={"pledge": "y", "pledge_sha256": _hidden(page, "pledge_sha256"),
                                                 "pledge_language": "en"})
    with app.app_context():
        assert db.session.scalar(sa.select(IntegrityPledge.language)) == "en"


def test_staff_read_no_pledge_before_the_deadline_and_other_bidders_never(app, demo):
    lot_id = _announced(app)
    signer = _client(app, "bidder1")
    page = signer.get(f"/lots/{lot_id}").get_data(as_text=True)
    signer.post(f"/lots/{lot_id}/sign-up", data={"pledge": "y", "pledge_sha256": _hidden(page, "pledge_sha256"),
                                                 "pledge_language": "zh"})
    staff = _client(app, "staff").get(f"/lots/{lot_id}/pledges").get_data(as_text=True)
    assert 'id="pledges-confidential"' in staff and "郑重承诺" not in staff
    other = _client(app, "bidder2").get(f"/lots/{lot_id}/pledges").get_data(as_text=True)
    assert "郑重承诺" not in other
    assert _client(app, "tenderee1").get(f"/lots/{lot_id}/pledges").status_code == 403


def _report(client, **fields):
    data = {"category": "collusion", "lot": "", "party": "湖北某建设有限公司", "text": FACTS, "contact": ""}
    data.update(fields)
    return client.post("/public/reports/new", data=data)


def test_anyone_reports_without_logging_in_and_follows_it_by_its_link(app, demo):
    client = _client(app)
    assert "举报" in client.get("/public/reports/new").get_data(as_text=True)
    sent = _report(client)
    assert sent.status_code == 302
    follow = sent.headers["Location"]
    assert re.fullmatch(r"/public/reports/[A-Za-z0-9_-]{32}", follow)
    page = client.get(follow)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    text = page.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(sa.select(PublicReport))
    assert row.number in text and "已收到，待受理" in text and FACTS in text


def test_each_bad_field_is_shown_under_it_with_the_rule_and_nothing_is_saved(app, demo):
    client = _client(app, lang="en")
    for field, value, message in (("category", "gossip", "Choose what the report is about."),
                                  ("text", "too short", "at least 20 characters"),
                                  ("lot", "A" * 201, "At most 200 characters."),
                                  ("contact", "x" * 201, "At most 200 characters.")):
        response = _report(client, **{field: value})
        assert response.status_code == 422, field
        page = response.get_data(as_text=True)
        assert message in page and "report.public" in page, field
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PublicReport.id))) == 0


def test_the_form_needs_its_csrf_token(make_app, demo):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert _report(client).status_code == 400
    page = client.get("/public/reports/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert _report(client, csrf_token=token).status_code == 302


def test_the_supervisor_lists_accepts_and_concludes_and_the_reporter_reads_the_outcome(app, demo):
    reporter = _client(app)
    follow = _report(reporter).headers["Location"]
    supervisor = _client(app, "supervisor")
    listing = supervisor.get("/supervision/reports").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(sa.select(PublicReport))
    assert row.number in listing and "湖北某建设有限公司" in listing
    one = supervisor.get(f"/supervision/reports/{row.id}").get_data(as_text=True)
    assert FACTS in one and "匿名" in one
    refused = supervisor.post(f"/supervision/reports/{row.id}/accept", data={"reason": ""}, follow_redirects=True)
    assert "report.public" in refused.get_data(as_text=True)
    supervisor.post(f"/supervision/reports/{row.id}/accept", data={"reason": "线索具体，予以受理。"})
    supervisor.post(f"/supervision/reports/{row.id}/conclude",
                    data={"outcome": "经查，三家投标人文件雷同，已认定串通投标并记入信用记录。"})
    page = reporter.get(follow).get_data(as_text=True)
    assert "已办结" in page and "已认定串通投标" in page and "线索具体" in page
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "public_report")
                                     .order_by(AuditEntry.seq)).all()
    assert actions == ["report.submit", "report.accept", "report.conclude"]
