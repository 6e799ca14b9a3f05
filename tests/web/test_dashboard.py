"""The supervisor's dashboard (实时监控): every lot by stage and state, what is overdue and due today, filtered by
region, trade type and agency, redrawn over the supervision channel."""

from __future__ import annotations

from tests.conftest import login


def test_the_supervisor_lands_on_the_dashboard_with_every_demo_lot(restore_demo):
    app = restore_demo()
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/")
    assert "/supervision/" in page.get_data(as_text=True)
    body = client.get("/supervision/").get_data(as_text=True)
    assert "咸宁市永安大道东延线道路工程" in body and 'data-live-url="/supervision/live' in body
    data = client.get("/supervision/dashboard.json").get_json()
    assert "咸宁市永安大道东延线道路工程" in data["html"]
