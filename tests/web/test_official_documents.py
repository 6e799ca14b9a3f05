"""Official documents (announcements, the entry certificate, the notices) are legal texts in Chinese: in English
mode the page around them is English and says the document is in Chinese, the official language (issue 17)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.extensions import db
from trading.models import Announcement
from trading.platform import current_platform
from trading.simulate import demo as demo_data

CJK = re.compile(r"[\u4e00-\u9fff]")


def _english(client):
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def test_an_announcement_in_english_mode_says_it_is_in_chinese_and_its_frame_is_english(app, demo):
    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        db.session.commit()
        row = db.session.scalars(sa.select(Announcement).order_by(Announcement.id)).first()
        url, title, lot_id = f"/public/announcements/{row.id}", row.title, row.lot_id
    chinese = app.test_client().get(url).get_data(as_text=True)
    assert 'id="official-language"' not in chinese and f"<title>{title}" in chinese
    english = _english(app.test_client()).get(url).get_data(as_text=True)
    assert 'id="official-language"' in english and "it is in Chinese, the official language" in english
    page_title = re.search(r"<title>([^<]*)</title>", english).group(1)
    assert page_title.startswith("Announcement") and not CJK.search(page_title)
    assert f'<h1 class="h4 text-center" lang="zh-CN">{title}</h1>' in english  # the document itself stays Chinese

    client = app.test_client()
    login(client, "tenderee1")
    certificate = _english(client).get(f"/lots/{lot_id}/certificate")
    assert certificate.status_code == 200  # the lot's tenderee reads its entry certificate
    text = certificate.get_data(as_text=True)
    assert 'id="official-language"' in text and "交易编号：" in text
    box = text[text.index('lang="zh-CN"'):text.index("</div>", text.index('lang="zh-CN"'))]
    assert "Deal code" not in box and "Issued by" not in box  # no English inside the Chinese document


def test_the_chinese_frame_check_is_made_on_every_render_not_folded_at_compile_time(app, demo):
    """``chinese()`` in a template is evaluated per request: rendered first in English, the same template still
    shows the Chinese page without the English note (and the other way round)."""
    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        db.session.commit()
        announcement = db.session.scalars(sa.select(Announcement).order_by(Announcement.id)).first().id
    url = f"/public/announcements/{announcement}"
    first = _english(app.test_client()).get(url).get_data(as_text=True)
    then = app.test_client().get(url).get_data(as_text=True)
    assert 'id="official-language"' in first and 'id="official-language"' not in then



def test_a_notice_in_english_mode_keeps_its_amount_in_chinese(app, now, tmp_path):
    from datetime import timedelta

    from tests.services.test_evaluation import Scene
    from trading.services import result

    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        publicity = scene.to_publicity()
        at = publicity.ends_at + timedelta(hours=1)
        result.award(scene.ctx, db.session, scene.people.tenderee, at, scene.lot, 1)
        db.session.commit()
        lot_id, username = scene.lot.id, scene.people.tenderee.username
        db.session.remove()
    app.extensions["trading"].clock.move_to(at + timedelta(hours=1))
    client = app.test_client()
    login(client, username)
    page = _english(client).get(f"/lots/{lot_id}/notices").get_data(as_text=True)
    assert 'id="official-language"' in page and "中标价：" in page
    notice = page[page.index("中标价："):page.index("</p>", page.index("中标价："))]
    assert "元" in notice and "yuan" not in notice and "million" not in notice
