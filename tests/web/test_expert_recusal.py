"""The administrator records an expert's tie to a bidder and a penalty on the expert's page; the draw's recusal
reads them (采购条例 Art. 9, 评标规定 Art. 12)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.extensions import db
from trading.models import AuditEntry, Expert, Organisation
from trading.platform import current_platform
from trading.simulate import demo, experts as demo_experts


def test_the_administrator_records_a_tie_and_a_penalty_on_the_experts_page(app, client):
    with app.app_context():
        demo.load(db.session, FIXED_NOW)
        demo_experts.load(current_platform(), db.session, FIXED_NOW)
        expert_id = db.session.scalar(sa.select(Expert.id).order_by(Expert.id))
        bidder = db.session.scalar(sa.select(Organisation).where(Organisation.org_type == "bidder"))
        bidder_id, bidder_name = bidder.id, bidder.name
        db.session.commit()
    assert login(client, "admin").status_code == 302
    page = client.get(f"/experts/{expert_id}").get_data(as_text=True)
    assert "政府采购法实施条例 第九条" in page and bidder_name in page
    future = client.post(f"/experts/{expert_id}/ties", data={"tie-organisation_id": bidder_id,
                                                             "tie-relation": "employee", "tie-ended_on": "2026-03-09"})
    assert future.status_code == 302
    client.post(f"/experts/{expert_id}/ties", data={"tie-organisation_id": bidder_id, "tie-relation": "employee",
                                                    "tie-ended_on": "2024-06-30"})
    client.post(f"/experts/{expert_id}/penalties", data={"penalty-decided_on": "2022-05-10",
                                                         "penalty-authority": "咸宁市住房和城乡建设局",
                                                         "penalty-text": "咸建罚〔2022〕3号：评标中收受财物"})
    page = client.get(f"/experts/{expert_id}").get_data(as_text=True)
    assert "2024-06-30" in page and "2026-03-09" not in page and "咸建罚〔2022〕3号" in page
    with app.app_context():
        expert = db.session.get(Expert, expert_id)
        assert [(t.organisation_id, t.ended_on.isoformat()) for t in expert.ties] == [(bidder_id, "2024-06-30")]
        assert len(expert.penalties) == 1
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
        assert {"expert.tie", "expert.penalty"} <= actions
