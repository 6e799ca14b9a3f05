"""The rules page of the administrator (issue 16) and what the remaining rules show on the result pages: a late
procurement refund's working, the performance bond, the contract published on the public announcement page, the
supervisor's warning."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import login
from tests.services.test_evaluation import Scene
from tests.web.test_lots import field_values
from tests.web.test_rules_in_force import approved_lot
from trading.domain import calendar, rules
from trading.extensions import db
from trading.models import Announcement
from trading.services import result


def test_the_administrator_lists_the_rules_and_makes_one_stricter_for_lots_announced_afterwards(make_app):
    app = make_app()
    lot_id = approved_lot(app, "construction")
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    page = admin.get("/admin/rules").get_data(as_text=True)
    assert all(f'id="rule-{rule_id}"' in page for rule_id in rules.RULES)
    assert "招标投标法 第二十四条" in page and "政府采购法 第四十二条" in page

    looser = admin.post("/admin/rules", data={"rule_id": "construction.bid_window", "value": "18",
                                              "reason": "缩短等标期"})
    text = looser.get_data(as_text=True)
    assert looser.status_code == 422 and "construction.bid_window" in text and "招标投标法 第二十四条" in text
    stricter = admin.post("/admin/rules", data={"rule_id": "construction.bid_window", "value": "25",
                                                "reason": "本中心要求更长的投标准备时间"})
    assert stricter.status_code == 302
    page = admin.get("/admin/rules").get_data(as_text=True)
    row = page.split('id="rule-construction.bid_window"')[1].split("</tr>")[0]
    assert "25" in row and "本中心要求更长的投标准备时间" in page

    tenderee = app.test_client()
    assert login(tenderee, "tenderee1").status_code == 302
    proposed = field_values(tenderee.get(f"/lots/{lot_id}/announce").get_data(as_text=True))
    assert proposed["bid_deadline"] == "2026-03-27T09:30"  # 25 days from Monday 2 March


def test_a_late_procurement_refund_shows_its_working_and_the_contract_is_published(app, now, tmp_path):
    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["4650000.00", "4598000.00", "4720000.00"], trade_type="procurement")
        publicity = scene.to_publicity()
        award = result.award(scene.ctx, db.session, scene.people.tenderee, publicity.ends_at, scene.lot, 1)
        signed = calendar.local_date(award.issued_at)
        late = calendar.start_of_local_day(calendar.add_days(calendar.add_working_days(signed, 5), 1))
        result.register_contract(scene.ctx, db.session, scene.people.tenderee, late, scene.lot,
                                 number="咸采合〔2026〕7号", signed_on=signed, amount=str(award.price),
                                 performance_bond="459800")
        lot_id = scene.lot.id
        announcement_id = db.session.query(Announcement.id).filter_by(lot_id=lot_id).scalar()
        app.extensions["trading"].clock.at = late + timedelta(hours=1)
        db.session.commit()
    tenderee = app.test_client()
    assert login(tenderee, "tenderee1").status_code == 302
    page = tenderee.get(f"/lots/{lot_id}/result").get_data(as_text=True)
    assert "4.35%" in page and "5.22%" in page and "13.05" in page  # 90,000 x 5.22% x 1 day / 360
    assert "459,800.00" in page or "45.98万" in page
    supervisor = app.test_client()
    assert login(supervisor, "supervisor").status_code == 302
    warnings = supervisor.get("/supervision/warnings").get_data(as_text=True)
    assert "政府采购法实施条例 第五十条" in warnings
    public = app.test_client().get(f"/public/announcements/{announcement_id}").get_data(as_text=True)
    assert "政府采购合同公告" in public and "咸采合〔2026〕7号" in public
