"""Issue 14, "500s from integers" and "500s from forms", one test each: the request that answered 500 is now a
clear refusal (404 for an id no row can have, the last page for a page past the end, the form again with the
field's message), and nothing is saved. Also: every form of the web layer gets these bounds from one base class."""

from __future__ import annotations

import base64
import importlib
import io
import pkgutil
import re

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm

import trading.web
from tests.conftest import login
from tests.web.test_lots import LOTS, PROJECTS
from trading.extensions import db
from trading.models import AuditEntry, ClockSetting, Lot

HUGE = "9223372036854775808"  # 2^63: past SQLite's integers, which raised OverflowError
TEN_TO_400 = "1" + "0" * 400


def _client(app, username: str | None = None, lang: str = "zh_CN"):
    client = app.test_client()
    if username:
        assert login(client, username).status_code == 302
    client.post("/language", data={"lang": lang, "next": "/"})
    return client


def _errors(response) -> list[str]:
    """The messages shown under the form's fields."""
    return re.findall(r'invalid-feedback[^>]*>\s*([^<]+?)\s*<', response.get_data(as_text=True))


@pytest.mark.parametrize("path", [f"/public/announcements/{HUGE}", f"/lots/{HUGE}/lot-key",
                                  f"/public/announcements/{'9' * 400}", "/public/announcements/2147483648"])
def test_an_id_no_row_can_have_is_no_page_for_an_anonymous_visitor(app, demo, path):
    assert app.test_client().get(path).status_code == 404


@pytest.mark.parametrize("username, path, method", [
    ("staff", f"/lots/{HUGE}", "GET"), ("tenderee1", f"/projects/{HUGE}", "GET"),
    ("supervisor", f"/cancellations/{HUGE}/decide", "POST"), ("admin", f"/admin/users/{HUGE}/active", "POST"),
    ("staff", f"/certificates/{HUGE}/revoke", "POST"), ("staff", f"/draws/{HUGE}", "GET"),
    ("admin", f"/experts/{HUGE}", "GET"), ("tenderee1", f"/result-objections/{HUGE}/answer", "POST"),
])
def test_an_id_no_row_can_have_is_no_page_for_a_user_either(app, demo, username, path, method):
    assert _client(app, username).open(path, method=method).status_code == 404


@pytest.mark.parametrize("username, path", [
    (None, "/public/announcements"), ("admin", "/admin/organisations"), ("admin", "/admin/users"),
    ("supervisor", "/supervision/audit"), ("staff", "/projects"), ("staff", "/experts"),
    ("supervisor", "/statistics/working"),
])
def test_a_page_number_past_the_end_shows_the_last_page(app, demo, username, path):
    client = _client(app, username)
    first = client.get(path)
    for page in ("1" + "0" * 20, "999999", "-5", "NaN", "１２"):
        response = client.get(path, query_string={"page": page})
        assert response.status_code == 200, page
    assert response.get_data(as_text=True).count("<tr") == first.get_data(as_text=True).count("<tr")


def _project(app) -> tuple:
    owner = _client(app, "tenderee1")
    response = owner.post("/projects/new", data={
        **PROJECTS["procurement"], "trade_type": "procurement", "approval_number": "咸审批〔2026〕9号",
        "approval_date": "2026-02-10", "funding_source": "财政资金", "state_funded": "y", "tenderee_id": "0"})
    assert response.status_code == 302
    return owner, int(response.headers["Location"].rsplit("/", 1)[1])


def _lots(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Lot.id)))


@pytest.mark.parametrize("weight", ["NaN", "sNaN", "Infinity", "-Infinity", "1e400", "9" * 400])
def test_a_criterion_weight_that_is_no_finite_number_is_refused_by_name(app, demo, weight):
    owner, project_id = _project(app)
    owner.post("/language", data={"lang": "en", "next": "/"})
    response = owner.post(f"/projects/{project_id}/lots/new",
                          data={**LOTS["procurement"], "criteria-1-weight": weight})
    assert response.status_code == 200
    assert any(message.startswith("Weight (%)") for message in _errors(response)), _errors(response)
    assert _lots(app) == 0


def test_a_count_of_ten_to_the_400_is_refused_by_name(app, demo):
    owner, project_id = _project(app)
    response = owner.post(f"/projects/{project_id}/lots/new",
                          data={**LOTS["procurement"], "specialties-0-count": TEN_TO_400})
    assert response.status_code == 200
    assert any("专家人数" in message or "Experts" in message for message in _errors(response)), _errors(response)
    assert _lots(app) == 0


def _clock_moves(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "clock.advance"))


@pytest.mark.parametrize("data", [
    {"by-days": TEN_TO_400, "by-submit": "1"}, {"by-hours": TEN_TO_400, "by-submit": "1"},
    {"by-days": "-" + TEN_TO_400, "by-submit": "1"}, {"to-to": "0001-01-01T00:00", "to-submit": "1"},
    {"to-to": "9999-12-31T23:59", "to-submit": "1"},
])
def test_a_clock_advance_beyond_any_date_is_refused_and_the_clock_stays(make_app, demo, data):
    app = make_app(CLOCK="simulated")
    client = _client(app, "admin", lang="en")
    response = client.post("/admin/clock", data=data)
    assert response.status_code == 200
    assert _errors(response), response.get_data(as_text=True)
    assert _clock_moves(app) == 0
    with app.app_context():
        assert db.session.get(ClockSetting, 1).offset_us == 0


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: stolen=1", "/lots\n", "/\t/evil.example", "/\x0b",
                                    "//evil.example", "http://evil.example/", "/" + "a" * 3000])
def test_a_login_next_with_control_characters_or_another_site_goes_home_after_login(app, demo, target):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": "staff", "password": "demo2026", "next": target})
    if response.status_code == 400:  # a control character other than tab and line breaks: refused before login
        assert "\x00" in target or "\x0b" in target
        return
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/work").status_code == 200  # logged in


def test_a_login_page_linked_with_a_nul_in_next_is_a_bad_request(app, demo):
    response = app.test_client().get("/auth/login", query_string={"next": "/\x00"})
    assert response.status_code == 400
    assert "控制字符" in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("name", "标段\x00一"), ("name", "标段\r\n一"), ("scope", "范围\x1b[31m")])
def test_control_characters_in_a_text_field_are_refused(app, demo, field, value):
    owner, project_id = _project(app)
    response = owner.post(f"/projects/{project_id}/lots/new", data={**LOTS["procurement"], field: value})
    assert response.status_code in (200, 400)
    assert _lots(app) == 0


def test_tabs_and_line_breaks_are_kept_in_a_text_area(app, demo):
    owner, project_id = _project(app)
    response = owner.post(f"/projects/{project_id}/lots/new",
                          data={**LOTS["procurement"], "scope": "第一项\t60套\r\n第二项\t3套"})
    assert response.status_code == 302
    with app.app_context():
        assert "\t60套" in db.session.scalar(sa.select(Lot.scope))


def test_a_raw_form_number_past_any_row_is_a_plain_refusal(app, demo):
    """The award's rank and the room's member, rating and candidate are read from the form by hand."""
    client = _client(app, "tenderee1")
    assert client.post("/lots/1/award", data={"rank": TEN_TO_400}).status_code in (302, 404)
    staff = _client(app, "staff")
    assert staff.post("/evaluations/1/ratings", data={"member": HUGE, "rating": TEN_TO_400}).status_code in (302, 404)


def _form_classes() -> list[type]:
    for module in pkgutil.walk_packages(trading.web.__path__, "trading.web."):
        importlib.import_module(module.name)
    found, queue = [], list(FlaskForm.__subclasses__())
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith("trading.")]


def test_every_form_of_the_web_layer_has_the_bounded_base_and_fields():
    from wtforms import DateField, DateTimeLocalField, DecimalField, FloatField, IntegerField
    from wtforms.fields.core import UnboundField

    from trading.web import fields

    classes = _form_classes()
    assert len(classes) > 30
    for cls in classes:
        assert issubclass(cls, fields.Form), f"{cls.__module__}.{cls.__name__} is not a trading.web.fields.Form"
        for name in dir(cls):
            unbound = getattr(cls, name)
            if isinstance(unbound, UnboundField) and issubclass(
                    unbound.field_class, (DateField, DateTimeLocalField, DecimalField, FloatField, IntegerField)):
                assert unbound.field_class.__module__ == fields.__name__, f"{cls.__name__}.{name}"


def test_no_view_reads_an_integer_from_the_request_by_hand():
    """Integers come through edge.arg_int (bounded) or a form's IntegerField, never request.*.get(type=int)."""
    from pathlib import Path

    root = Path(trading.web.__file__).parent
    for path in root.rglob("*.py"):
        assert "type=int" not in path.read_text(encoding="utf-8"), path


def test_a_csv_cell_over_the_csv_module_s_limit_is_a_refusal_not_a_server_error(app, demo):
    """Found by the fuzz test: a 140,000-character cell raised _csv.Error inside the history import page."""
    client = _client(app, "staff", lang="en")
    body = "项目名称,标段名称\n" + "长" * 140_000 + ",标段1\n"
    response = client.post("/statistics/import", data={"file": (io.BytesIO(body.encode()), "history.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "cannot be read" in response.get_data(as_text=True)


@pytest.mark.parametrize("credentials", [b"bid\x00der1:demo2026", b"bidder1:demo\x002026", b"x" * 5000 + b":pw"])
def test_the_bidder_tool_api_answers_a_hostile_login_as_no_login(app, demo, credentials):
    """NUL cannot even be looked up in PostgreSQL; a 5,000-character name would go into the audit log."""
    response = app.test_client().post("/api/lots/1/bids", data=b"envelope", content_type="application/octet-stream",
                                      headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()})
    assert response.status_code == 401


def test_a_header_with_a_control_character_is_a_bad_request(app, demo):
    response = app.test_client().get("/public/announcements", headers={"User-Agent": "Mozilla\x00/5.0"})
    assert response.status_code == 400


@pytest.mark.parametrize("field, value", [
    ("category", "collusion' OR '1'='1"), ("category", TEN_TO_400), ("text", "\x00" * 30), ("text", "举" * 20_001),
    ("lot", "<script>alert(1)</script>" * 20), ("party", "\u202e" + "x" * 300), ("contact", "a\u2028b"),
])
def test_the_public_report_form_refuses_hostile_values_and_saves_nothing(app, demo, field, value):
    from trading.models import PublicReport

    facts = "开标前三家投标人的投标文件由同一人编制，报价规律。"
    data = {"category": "collusion", "lot": "", "party": "", "text": facts, "contact": "", field: value}
    response = _client(app).post("/public/reports/new", data=data)
    assert response.status_code in (400, 413, 422), field
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PublicReport.id))) == 0


@pytest.mark.parametrize("digest, language", [("", "zh"), ("0" * 64, "zh"), ("x" * 100_000, "zh"),
                                              (HUGE, "en"), ("", "\x00"), ("", "zh" * 500)])
def test_a_sign_up_with_a_hostile_pledge_is_refused_and_saves_nothing(app, demo, digest, language):
    from tests.web.test_pledges_reports import _announced
    from trading.models import IntegrityPledge, Registration

    lot_id = _announced(app)
    response = _client(app, "bidder1").post(f"/lots/{lot_id}/sign-up", data={
        "pledge": "y", "pledge_sha256": digest, "pledge_language": language})
    assert response.status_code in (302, 400, 413)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(IntegrityPledge.id))) == 0
