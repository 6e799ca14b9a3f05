"""The supervisor's performance page (绩效) with its filters and Excel export, and the marks review of an evaluation
with its decisions, in both languages."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.services.walked_lot import walked
from trading.extensions import db
from trading.models import CreditEvent, MarkReview


@pytest.fixture
def scene(app):
    with app.app_context():
        found = walked(db.session, contract_days=31)
        db.session.commit()
        ids = {"lot": found.lot.id, "evaluation": found.evaluation.id, "staff": found.people.staff.id,
               "fifth": [m.id for m in found.evaluation.members if m.status == "seated"][4]}
    return ids


def supervisor(app, lang: str = "en"):
    client = app.test_client()
    login(client, "supervisor")
    client.post("/language", data={"lang": lang, "next": "/"})
    return client


def test_the_page_shows_each_stage_with_its_limit_and_the_lots_outside_it_linked(app, scene):
    client = supervisor(app)
    page = client.get("/supervision/performance?month=2026-03")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "filing review" in body and "announcement to opening (start of trading)" in body
    assert "within 3 working days" in body and "at least 20 days" in body and "no legal limit" in body
    assert f'href="/lots/{scene["lot"]}"' in body and 'id="outside"' in body  # the late filing review, linked
    may = client.get("/supervision/performance?month=2026-05").get_data(as_text=True)
    assert "award notice to the contract" in may and "within 30 days" in may and "31" in may


def test_the_filters(app, scene):
    client = supervisor(app)
    staff = client.get(f"/supervision/performance?month=2026-03&staff={scene['staff']}").get_data(as_text=True)
    assert "filing review" in staff and "approval of the method" not in staff.split('id="performance-stages"')[1]
    method = client.get("/supervision/performance?month=2026-03&stage=method").get_data(as_text=True)
    assert "approval of the method" in method and 'id="outside"' not in method
    other = client.get("/supervision/performance?month=2026-03&trade_type=land").get_data(as_text=True)
    assert "No stage of a lot ended in this month with these filters." in other
    bad = client.get("/supervision/performance?month=2026-13")
    assert bad.status_code == 200 and "Give the month as year and month" in bad.get_data(as_text=True)


def test_the_page_in_chinese(app, scene):
    body = supervisor(app, "zh_CN").get("/supervision/performance?month=2026-03").get_data(as_text=True)
    assert "备案审核" in body and "绩效" in body and "3个工作日" in body


def test_the_excel_export_has_the_summary_and_every_stage(app, scene):
    response = supervisor(app).get("/supervision/performance.xlsx?month=2026-05")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    summary = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    assert any(row[0] == "award notice to the contract" and row[7] == 1 for row in summary)
    lots = [row for row in book.worksheets[1].iter_rows(values_only=True)]
    assert {row[0] for row in lots[1:]} == {"award notice to the contract", "contract to archive"}
    assert any(row[8] == 31 and row[-1] == "yes" for row in lots[1:])


def test_the_marks_review_shows_the_working_and_a_confirmation_records_the_credit_event(app, scene):
    client = supervisor(app)
    body = client.get(f"/supervision/lots/{scene['lot']}/marks").get_data(as_text=True)
    assert "32.00%" in body and "21.60" in body and '12.00 <span class="text-muted small">/ 30</span>' in body
    assert f'id="member-{scene["fifth"]}"' in body
    flag = body.split('name="flag" value="')[1].split('"')[0]
    refused = client.post(f"/supervision/evaluations/{scene['evaluation']}/marks",
                          data={"member": scene["fifth"], "flag": flag, "decision": "confirmed", "reason": "偏离"},
                          follow_redirects=True)
    assert "Give the reason for the decision" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MarkReview)) == 0
    done = client.post(f"/supervision/evaluations/{scene['evaluation']}/marks",
                       data={"member": scene["fifth"], "flag": flag, "decision": "confirmed",
                             "reason": "评分明显偏离且未说明理由", "decision_number": "咸监〔2026〕7号"})
    assert done.status_code == 302 and done.location.endswith(f"/supervision/lots/{scene['lot']}/marks"
                                                              f"#member-{scene['fifth']}")
    with app.app_context():
        event = db.session.scalar(sa.select(CreditEvent))
        assert event.kind == "expert_deviation" and event.decision == "咸监〔2026〕7号"
    after = client.get(f"/supervision/lots/{scene['lot']}/marks").get_data(as_text=True)
    assert "confirmed: credit event" in after and 'name="flag"' not in after
    credit = client.get("/supervision/credit").get_data(as_text=True)
    assert "Expert&#39;s marks deviating without reason" in credit or "Expert's marks deviating" in credit


def test_the_supervisor_finds_the_review_from_the_evaluation_and_the_lot(app, scene):
    client = supervisor(app)
    link = f"/supervision/lots/{scene['lot']}/marks"
    assert link in client.get(f"/lots/{scene['lot']}/evaluation").get_data(as_text=True)
    assert link in client.get(f"/lots/{scene['lot']}").get_data(as_text=True)
    assert "/supervision/performance" in client.get("/supervision/").get_data(as_text=True)


@pytest.mark.parametrize("query", ["month=0000-01", "month=9999-12", "month=%E2%80%8B2026-03",
                                   "staff=99999999999999999999999", "stage=%3Cscript%3E", "trade_type=' OR 1=1",
                                   "month=2026-03&staff=-1"])
def test_hostile_filters_are_refused_or_ignored_never_a_server_error(app, scene, query):
    response = supervisor(app).get(f"/supervision/performance?{query}")
    assert response.status_code == 200
    assert supervisor(app).get(f"/supervision/performance.xlsx?{query}").status_code == 200


@pytest.mark.parametrize("form", [
    {"member": "99999999999999999999", "flag": "1:施工组织设计", "decision": "dismissed", "reason": "评分有据"},
    {"member": "-1", "flag": "x", "decision": "confirmed", "reason": "评分有据"},
    {"member": "5", "flag": ["1:" + "长" * 5000, ":", "99999999999999:a"], "decision": "dismissed",
     "reason": "评分有据"},
    {"member": "5<script>", "decision": "dismissed"},
])
def test_a_hostile_decision_is_refused_with_a_reason_and_saves_nothing(app, scene, form):
    response = supervisor(app).post(f"/supervision/evaluations/{scene['evaluation']}/marks", data=form)
    assert response.status_code == 302 and "<script>" not in response.location
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MarkReview)) == 0
