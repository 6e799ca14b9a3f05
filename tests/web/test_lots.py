"""Stages 1–3 in the browser: each trade type from registration to announced and a bidder signed up; party
isolation; the public announcement pages; refusals shown on the form with the field and the rule."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from tests.conftest import login
from trading.extensions import db
from trading.models import DocumentDownload, Lot, MethodApproval, Project
from trading.platform import current_platform

PROJECTS = {
    "construction": {"name": "咸宁市银泉大道排水改造工程", "region_code": "421202",
                     "approving_body": "咸宁市发展和改革委员会"},
    "procurement": {"name": "咸宁市第一中学教学设备采购", "region_code": "421200", "approving_body": "咸宁市财政局"},
    "land": {"name": "咸宁市2026-11号地块出让", "region_code": "421202", "approving_body": "咸宁市人民政府"},
}
LOTS = {
    "construction": {"name": "施工标段", "budget": "12,000,000.00", "deposit": "240000",
                     "evaluation_method": "lowest_price", "specialties-0-code": "A080201", "specialties-0-count": "5",
                     "location": "银泉大道", "duration": "240日历天", "scope": "排水管网改造",
                     "qualification": "市政公用工程施工总承包三级及以上"},
    "procurement": {"name": "第一包：多媒体教学设备", "budget": "3000000", "deposit": "60000", "category": "goods",
                    "evaluation_method": "comprehensive", "criteria-0-name": "价格", "criteria-0-weight": "30",
                    "criteria-0-price": "y", "criteria-1-name": "技术", "criteria-1-weight": "70",
                    "specialties-0-code": "B014803", "specialties-0-count": "5", "location": "咸宁市第一中学",
                    "scope": "多媒体教学一体机60套", "duration": "合同签订后30日内",
                    "qualification": "具有相关产品供货能力"},
    "land": {"name": "2026-11号地块", "starting_price": "50000000", "increment": "500000", "deposit": "10000000",
             "location": "咸安区永安大道以南", "area": "25000", "land_use": "商服用地", "term_years": "40",
             "plot_ratio_min": "1.0", "plot_ratio_max": "3.0"},
}
METHOD = {"construction": "open", "procurement": "open", "land": "listing"}
OWNER = {"construction": "tenderee1", "procurement": "tenderee1", "land": "tenderee2"}


def sign_up(client, lot_id: int):
    """Sign up through the lot page as a bidder does: read the integrity pledge shown, tick its box, send the digest
    of the text shown and its language; the response."""
    page = client.get(f"/lots/{lot_id}").get_data(as_text=True)
    shown = {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
             for name in ("pledge_sha256", "pledge_language")}
    return client.post(f"/lots/{lot_id}/sign-up", data={"pledge": "y", **shown})


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def field_values(page: str) -> dict[str, str]:
    """The values of the datetime-local inputs on a page."""
    values = {}
    for tag in re.findall(r'<input[^>]*type="datetime-local"[^>]*>', page):
        name, value = re.search(r'name="(\w+)"', tag), re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = value.group(1) if value else ""
    return values


def take_lot_to_announced(app, trade_type: str) -> int:
    """Register, file, certify, approve and announce a lot through the pages; return its id."""
    owner = client_for(app, OWNER[trade_type])
    response = owner.post("/projects/new", data={
        **PROJECTS[trade_type], "trade_type": trade_type, "approval_number": "咸审批〔2026〕9号",
        "approval_date": "2026-02-10", "funding_source": "财政资金", "state_funded": "y", "tenderee_id": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    project_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = owner.post(f"/projects/{project_id}/lots/new", data=LOTS[trade_type])
    assert response.status_code == 302, re.findall(r'invalid-feedback[^>]*>([^<]+)', response.get_data(as_text=True))
    lot_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = owner.get(f"/lots/{lot_id}").get_data(as_text=True)
    for kind in re.findall(r'<option value="(\w+)">', page.split('name="kind"')[1].split("</select>")[0]):
        upload = {"kind": kind, "file": (io.BytesIO(b"demo file"), f"{kind}.pdf")}
        owner.post(f"/lots/{lot_id}/attachments", data=upload, content_type="multipart/form-data")
    owner.post(f"/lots/{lot_id}/file")
    client_for(app, "staff").post(f"/lots/{lot_id}/certify")
    owner.post(f"/lots/{lot_id}/method", data={"method": METHOD[trade_type], "justification": ""})
    with app.app_context():
        approval = db.session.scalar(sa.select(MethodApproval.id).where(MethodApproval.lot_id == lot_id))
    client_for(app, "supervisor").post(f"/method-approvals/{approval}/decide", data={"decision": "approve"})
    page = owner.get(f"/lots/{lot_id}/announce").get_data(as_text=True)
    assert "公告" in page
    response = owner.post(f"/lots/{lot_id}/announce", data={**field_values(page), "publish": "1"})
    assert response.status_code == 302, re.findall(r'invalid-feedback[^>]*>([^<]+)', response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "announced"
    return lot_id


@pytest.mark.parametrize("trade_type", ["construction", "procurement", "land"])
def test_a_lot_goes_from_registration_to_announced_and_a_bidder_signs_up(app, demo, trade_type):
    lot_id = take_lot_to_announced(app, trade_type)
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        code = lot.deal_code
    certificate = client_for(app, OWNER[trade_type]).get(f"/lots/{lot_id}/certificate").get_data(as_text=True)
    assert "进场交易证明书" in certificate and code in certificate
    listing = app.test_client().get("/public/announcements").get_data(as_text=True)
    assert code in listing
    bidder = client_for(app, "bidder3")
    assert sign_up(bidder, lot_id).status_code == 302
    download = bidder.post(f"/lots/{lot_id}/documents", data={"fingerprint": "c0ffee11"})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert code in download.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(sa.select(DocumentDownload))
        assert row.fingerprint == "c0ffee11" and row.address == "127.0.0.1"


def test_refusals_are_shown_on_the_form_with_the_rule(app, demo):
    owner = client_for(app, "tenderee1")
    page = owner.post("/projects/new", data={
        **PROJECTS["construction"], "region_code": "421299", "trade_type": "construction",
        "approval_number": "x号", "approval_date": "2026-02-10", "funding_source": "财政资金", "tenderee_id": "0"})
    assert "421299" in page.get_data(as_text=True) and "identity.region" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    response = owner.post("/projects/new", data={
        **PROJECTS["construction"], "trade_type": "construction", "approval_number": "x号",
        "approval_date": "2026-02-10", "funding_source": "财政资金", "tenderee_id": "0"})
    project_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = owner.post(f"/projects/{project_id}/lots/new", data={**LOTS["construction"], "deposit": "240000.01"})
    text = page.get_data(as_text=True)
    assert "construction.deposit_cap" in text and "240,000.00" in text
    page = owner.post(f"/projects/{project_id}/lots/new", data={**LOTS["construction"], "budget": "-1"})
    assert page.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Lot.id))) == 0


def test_who_signed_up_stays_hidden_until_the_deadline(app, demo):
    lot_id = take_lot_to_announced(app, "construction")
    sign_up(client_for(app, "bidder1"), lot_id)
    sign_up(client_for(app, "bidder2"), lot_id)
    names = ["湖北鄂南建筑工程有限公司", "咸宁楚天路桥建设有限公司"]
    for username in ("staff", "tenderee1", "supervisor"):
        page = client_for(app, username).get(f"/lots/{lot_id}").get_data(as_text=True)
        assert "<strong>2</strong>" not in page and 'id="bidders-confidential"' in page, username  # nor the number
        assert not any(name in page for name in names), username
    own = client_for(app, "bidder1").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "贵单位已于" in own and names[1] not in own
    audit = client_for(app, "supervisor").get("/supervision/audit?action=registration").get_data(as_text=True)
    assert "bidder1" not in audit and "bidder2" not in audit and "registration.sign_up" not in audit
    by_actor = client_for(app, "supervisor").get("/supervision/audit?actor=bidder1&action=registration")
    assert 'title="registration.sign_up"' not in by_actor.get_data(as_text=True)
    with app.app_context():
        deadline = db.session.get(Lot, lot_id).bid_deadline
    app.extensions["trading"].clock.move_to(deadline)
    audit = client_for(app, "supervisor").get("/supervision/audit?action=registration").get_data(as_text=True)
    assert "bidder1" in audit and "bidder2" in audit


def test_the_public_pages_show_only_published_lots_and_filter(app, demo):
    from tests.conftest import FIXED_NOW
    from trading.simulate import demo as demo_data

    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        db.session.commit()
    public = app.test_client()
    page = public.get("/public/announcements").get_data(as_text=True)
    assert "招标公告" in page and "挂牌出让公告" in page
    assert "医疗设备" not in page and "温泉宾馆" not in page  # approved and filed, not published
    land_only = public.get("/public/announcements?trade_type=land").get_data(as_text=True)
    assert "挂牌出让公告" in land_only and "招标公告" not in land_only
    city = public.get("/public/announcements?region=421200").get_data(as_text=True)
    assert "招标公告" in city and "挂牌出让公告" in city  # the 咸安区 (421202) lots are found under 咸宁市
    assert "没有符合条件" in public.get("/public/announcements?region=422823").get_data(as_text=True)
    assert "is-invalid" in public.get("/public/announcements?region=999999").get_data(as_text=True)
    assert "招标公告" not in public.get("/public/announcements?status=result").get_data(as_text=True)


def test_the_lot_page_shows_the_timeline_with_rules(app, demo):
    lot_id = take_lot_to_announced(app, "construction")
    page = client_for(app, "staff").get(f"/lots/{lot_id}").get_data(as_text=True)
    for words in ("交易条件备案", "交易方式核准", "交易流程监管", "construction.bid_window",
                  "platform.entry_certificate", "已出具进场交易证明书"):
        assert words in page, words


def test_bidders_see_a_lot_cancelled_after_its_announcement_not_one_cancelled_as_a_draft(app, demo):
    """"Published" is one definition (``lifecycle.published``): a lot announced and then cancelled stays on the
    public announcement list as 已终止, so its page stays open to bidders; a draft cancelled before any announcement
    was never public. The centre's list of lots in trading shows the live one only."""
    from tests.conftest import FIXED_NOW
    from trading.services import cancellation
    from trading.simulate import lots as walk

    with app.app_context():
        people = walk.cast(db.session)
        live = walk.create(current_platform(), db.session, people, FIXED_NOW, "construction")
        walk.advance(current_platform(), db.session, people, FIXED_NOW, live, "announced")
        announced = walk.create(current_platform(), db.session, people, FIXED_NOW, "procurement")
        walk.advance(current_platform(), db.session, people, FIXED_NOW, announced, "announced")
        asked = cancellation.request_cancel(db.session, people.tenderee, FIXED_NOW, announced, "资金未落实，终止采购")
        cancellation.decide_cancel(current_platform(), db.session, people.supervisor, FIXED_NOW, asked.id, True,
                                   "同意终止")
        draft = walk.create(current_platform(), db.session, people, FIXED_NOW, "construction")
        cancellation.request_cancel(db.session, people.tenderee, FIXED_NOW, draft, "立项调整，不再招标")
        assert (live.state, announced.state, draft.state) == ("announced", "cancelled", "cancelled")
        ids = live.id, announced.id, draft.id
        db.session.commit()
    bidder = client_for(app, "bidder3")
    assert [bidder.get(f"/lots/{lot_id}").status_code for lot_id in ids] == [200, 200, 404]
    ended = app.test_client().get("/public/announcements?status=ended").get_data(as_text=True)
    assert "咸宁市中心医院医疗设备采购项目" in ended and "已终止" in ended
    queue = client_for(app, "supervisor").get("/work").get_data(as_text=True)
    assert f'/lots/{ids[0]}"' in queue and f'/lots/{ids[1]}"' not in queue
