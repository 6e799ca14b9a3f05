"""The procurement methods in the browser: the filing form's "complex" mark (87号令 Art. 47) and a single-source
lot's page, from its one named supplier to the negotiation record and the published result."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.services.test_methods import announced, bidders
from trading.clock import FixedClock
from trading.domain import calendar
from trading.extensions import db
from trading.models import Lot, Registration
from trading.platform import current_platform
from trading.services import chronograph, opening
from trading.simulate import demo as demo_data, lots as walk

SUPPLIER = "武汉华中智联设备有限公司"  # bidder4


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def errors(page: str) -> list[str]:
    """Each field's refusal as shown, markup included (the rule id is in the citation's tooltip)."""
    return re.findall(r'invalid-feedback[^>]*>(.*?)</div>', page, re.S)


PROCUREMENT_LOT = {"name": "第一包：磁共振成像系统", "budget": "10000000.00", "deposit": "200000", "category": "goods",
                   "evaluation_method": "comprehensive", "criteria-0-name": "价格", "criteria-0-weight": "30",
                   "criteria-0-price": "y", "criteria-1-name": "技术", "criteria-1-weight": "70",
                   "specialties-0-code": "B081607", "specialties-0-count": "5", "location": "咸宁市中心医院",
                   "scope": "3.0T磁共振成像系统1套", "duration": "合同签订后90日内",
                   "qualification": "医疗器械经营许可证"}


def project(app, trade_type: str) -> int:
    owner = client_for(app, "tenderee1")
    response = owner.post("/projects/new", data={
        "name": f"咸宁市{trade_type}项目", "region_code": "421200", "approving_body": "咸宁市财政局",
        "trade_type": trade_type, "approval_number": "咸财采计〔2026〕9号", "approval_date": "2026-02-10",
        "funding_source": "财政资金", "tenderee_id": "0"})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_filing_form_marks_a_procurement_lot_complex_with_its_reason(app, demo):
    """The lot form of a procurement project asks whether it is technically complex (not a construction project's);
    the mark without its reason is refused naming the 7-member rule and nothing is saved; with it, the lot page
    shows the mark, and a method request for the 5 experts the lot asks for is refused naming the same rule."""
    owner = client_for(app, "tenderee1")
    procurement, construction = project(app, "procurement"), project(app, "construction")
    form = owner.get(f"/projects/{procurement}/lots/new").get_data(as_text=True)
    assert 'name="complex"' in form and 'name="complex_reason"' in form
    assert 'name="complex"' not in owner.get(f"/projects/{construction}/lots/new").get_data(as_text=True)
    page = owner.post(f"/projects/{procurement}/lots/new", data={**PROCUREMENT_LOT, "complex": "y"})
    assert page.status_code == 200 and any("procurement.committee_large_size" in e for e in errors(
        page.get_data(as_text=True)))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Lot.id))) == 0
    response = owner.post(f"/projects/{procurement}/lots/new",
                          data={**PROCUREMENT_LOT, "complex": "y", "complex_reason": "多模态影像与医院信息系统集成"})
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    lot_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = owner.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="complex-mark"' in page and "多模态影像与医院信息系统集成" in page
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        assert (lot.complex, lot.complex_reason) == (True, "多模态影像与医院信息系统集成")
        ctx, people = current_platform(), walk.cast(db.session)
        walk.advance(ctx, db.session, people, FIXED_NOW, lot, "certified")
        db.session.commit()
    refused = owner.post(f"/lots/{lot_id}/method", data={"method": "open", "justification": ""},
                         follow_redirects=True).get_data(as_text=True)
    assert "procurement.committee_large_size" in refused
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "certified"


@pytest.fixture
def single_source(app, demo):
    """A single-source package announced to its one supplier (bidder4), whose sealed response is in."""
    with app.app_context():
        ctx, session = current_platform(), db.session
        people = walk.cast(session)
        lot = announced(ctx, session, people, FIXED_NOW, "single_source", ("bidder4",),
                        evaluation_method="lowest_price", criteria=[])
        walk.submit_bids(ctx, session, people, FIXED_NOW, lot, ["4620000.00"], bidders=bidders(people, ("bidder4",)))
        session.commit()
        return lot.id


def at_opening(app, lot_id: int) -> str:
    """Move the platform clock to the deadline: the lot opens, two key holders release, the response opens."""
    with app.app_context():
        ctx, session = current_platform(), db.session
        lot, people = session.get(Lot, lot_id), walk.cast(session)
        at = lot.bid_deadline
        ctx.clock = FixedClock(at)
        chronograph.tick(ctx, session, at)
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, session, holder, at, lot, demo_data.DEMO_KEY_PASSPHRASE)
        session.commit()
        return calendar.local_date(at).isoformat()


def test_a_single_source_lot_page_names_its_supplier_and_records_the_negotiation(app, single_source):
    lot_id = single_source
    other = client_for(app, "bidder5").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert SUPPLIER in other and 'id="invited-only"' in other and f"/lots/{lot_id}/sign-up" not in other
    refused = client_for(app, "bidder5").post(f"/lots/{lot_id}/sign-up", follow_redirects=True)
    assert "procurement.single_source_supplier" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1  # the supplier's own
    supplier = client_for(app, "bidder4").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f"/lots/{lot_id}/bid" in supplier
    assert 'id="negotiation"' not in client_for(app, "tenderee1").get(f"/lots/{lot_id}").get_data(as_text=True)

    day = at_opening(app, lot_id)
    staff = client_for(app, "staff").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f"/lots/{lot_id}/evaluation/start" not in staff  # no committee evaluates a single source
    owner = client_for(app, "tenderee1")
    page = owner.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f'action="/lots/{lot_id}/negotiation"' in page
    record = {"negotiated_on": day, "place": "咸宁市公共资源交易中心谈判室2", "negotiators": "陈静、王磊、刘洋",
              "cost_note": "供应商提供了成本构成和三份同型号设备合同价格。", "price": "4620000.01",
              "justification": "按同类合同价格下限商定，含五年原厂质保。"}
    dear = owner.post(f"/lots/{lot_id}/negotiation", data=record)
    assert dear.status_code == 200 and any("procurement.single_source_price" in e for e in errors(
        dear.get_data(as_text=True)))
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "opening"
    done = owner.post(f"/lots/{lot_id}/negotiation", data={**record, "price": "4560000.00"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/lots/{lot_id}/result")
    result_page = owner.get(f"/lots/{lot_id}/result").get_data(as_text=True)
    assert 'id="negotiation"' in result_page and "4,560,000.00" in result_page and "4,620,000.00" in result_page
    assert "陈静、王磊、刘洋" in result_page and SUPPLIER in result_page
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "publicity"
