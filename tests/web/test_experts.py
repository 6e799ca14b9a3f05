"""The expert pool and the draw pages: forms, import all or nothing, names hidden from staff, the keypad phone."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.extensions import db
from trading.models import Draw, DrawCall, Expert
from trading.platform import current_platform
from trading.simulate import demo as demo_data, experts as demo_experts, lots as walk

GOOD = {"name": "欧阳明", "id_number": "110101198001010010", "mobile": "138 0000 1234", "specialties": "A080201",
        "title": "高级工程师", "years": "15", "region_code": "421202", "employer_credit_code": "",
        "employer_name": "某设计院"}


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def scene(app, demo):
    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        demo_experts.load(current_platform(), db.session, FIXED_NOW)
        db.session.commit()
        return walk.existing(db.session, "construction").id


def test_an_admin_adds_an_expert_and_a_bad_id_number_is_refused_on_the_field(app, demo):
    admin = client_for(app, "admin")
    bad = admin.post("/experts/new", data={**GOOD, "id_number": "110101198001010011"})  # wrong check digit
    assert bad.status_code == 200 and "110101198001010011" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Expert.id))) == 0
    good = admin.post("/experts/new", data=GOOD)
    assert good.status_code == 302
    listing = admin.get("/experts").get_data(as_text=True)
    assert "欧阳明" in listing and "110101********0010" in listing and "110101198001010010" not in listing


def csv_file(rows: list[dict]) -> io.BytesIO:
    header = "姓名,身份证号,手机号,专业代码,职称,从业年限,地区代码,工作单位统一社会信用代码\n"
    body = "".join(f"{r['name']},{r['id_number']},{r['mobile']},{r['specialties']},{r['title']},{r['years']},"
                   f"{r['region_code']},\n" for r in rows)
    return io.BytesIO((header + body).encode("utf-8-sig"))


def test_an_import_is_all_or_nothing_with_every_bad_row_reported(app, demo):
    admin = client_for(app, "admin")
    rows = demo_experts.rows()[:5]
    broken = [dict(rows[0]), dict(rows[1], specialties="Z99"), dict(rows[2], id_number="123"), rows[3], rows[0]]
    response = admin.post("/experts/import", data={"file": (csv_file(broken), "experts.csv")},
                          content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>3</td>" in text and "<td>4</td>" in text and "<td>6</td>" in text  # bad specialty, ID, repeated row
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Expert.id))) == 0
    ok = admin.post("/experts/import", data={"file": (csv_file(rows), "experts.csv")},
                    content_type="multipart/form-data")
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Expert.id))) == 5


def test_a_gbk_file_with_a_title_imports_and_a_nul_in_a_name_is_refused(app, demo):
    """Excel's CSV on Chinese Windows was refused as "not UTF-8"; a NUL in a name was stored."""
    admin = client_for(app, "admin")
    rows = demo_experts.rows()[:2]
    titled = "专家库导入表,,,,,,,\n".encode("gbk") + csv_file(rows).getvalue().decode("utf-8-sig").encode("gbk")
    nul = titled.replace(rows[1]["name"].encode("gbk"), b"\x00" + rows[1]["name"].encode("gbk"))
    refused = admin.post("/experts/import", data={"file": (io.BytesIO(nul), "experts.csv")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422 and "<td>4</td>" in refused.get_data(as_text=True)
    assert "U+0000" in refused.get_data(as_text=True)
    ok = admin.post("/experts/import", data={"file": (io.BytesIO(titled), "experts.csv")},
                    content_type="multipart/form-data")
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Expert.id))) == 2


def test_an_excel_file_imports_too(app, demo):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "手机号", "专业代码", "职称", "从业年限", "地区代码", "工作单位统一社会信用代码"])
    for row in demo_experts.rows()[:3]:
        sheet.append([row["name"], row["id_number"], row["mobile"], row["specialties"], row["title"], int(row["years"]),
                      row["region_code"], None])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    response = client_for(app, "admin").post("/experts/import", data={"file": (data, "experts.xlsx")},
                                             content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Expert.id))) == 3


def test_staff_draw_without_seeing_names_and_the_supervisor_sees_them(app, scene):
    staff = client_for(app, "staff")
    page = staff.get(f"/lots/{scene}/draws").get_data(as_text=True)
    assert 'value="A080201"' in page  # pre-filled from the lot's specialties
    response = staff.post(f"/lots/{scene}/draws", data={
        "wanted-0-code": "A080201", "wanted-0-count": "4", "wanted-0-backups": "1",
        "wanted-1-code": "A0601", "wanted-1-count": "1", "wanted-1-backups": "1",
        "evaluation_at": "2026-03-27T09:00", "place": "封闭评标室3", "gateway": "simulated"})
    assert response.status_code == 302
    with app.app_context():
        draw = db.session.scalar(sa.select(Draw))
        draw_id = draw.id
    app.extensions["trading"].clock.move_to(FIXED_NOW + timedelta(minutes=10))
    for _ in range(40):
        staff.post(f"/draws/{draw_id}/advance")
        app.extensions["trading"].clock.move_to(app.extensions["trading"].clock.now() + timedelta(seconds=40))
    with app.app_context():
        draw = db.session.get(Draw, draw_id)
        names = [db.session.get(Expert, c.expert_id).name for c in draw.calls]
        assert draw.status == "complete" and names
    staff_view = staff.get(f"/draws/{draw_id}").get_data(as_text=True)
    supervisor_view = client_for(app, "supervisor").get(f"/draws/{draw_id}").get_data(as_text=True)
    assert not any(name in staff_view for name in names)
    assert all(name in supervisor_view for name in names)
    again = staff.post(f"/lots/{scene}/draws", data={
        "wanted-0-code": "A080201", "wanted-0-count": "4", "wanted-0-backups": "0",
        "evaluation_at": "2026-03-27T09:00", "place": "评标室", "gateway": "simulated"})
    assert again.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Draw.id))) == 1  # staff cannot redraw


def test_the_keypad_phone_answers_a_call(app, scene):
    staff = client_for(app, "staff")
    staff.post(f"/lots/{scene}/draws", data={
        "wanted-0-code": "A0601", "wanted-0-count": "1", "wanted-0-backups": "0",
        "evaluation_at": "2026-03-27T09:00", "place": "评标室", "gateway": "keypad"})
    app.extensions["trading"].clock.move_to(FIXED_NOW + timedelta(minutes=10))
    with app.app_context():
        draw_id = db.session.scalar(sa.select(Draw.id))
    staff.post(f"/draws/{draw_id}/advance")
    admin = client_for(app, "admin")
    with app.app_context():
        call = db.session.scalar(sa.select(DrawCall))
        call_id = call.call_id
    assert call_id in admin.get("/phone").get_data(as_text=True)
    assert "参加请按1" in admin.get(f"/phone/{call_id}").get_data(as_text=True)
    admin.post(f"/phone/{call_id}", data={"key": "1"})
    with app.app_context():
        assert db.session.scalar(sa.select(DrawCall)).outcome == "accepted"
        assert db.session.get(Draw, draw_id).status == "complete"
