"""Issue 14, headers: every response (page, JSON, download, static file, error page) carries the
Content-Security-Policy and the other security headers; no template needs inline script or inline style to work;
what someone uploaded comes back as a download of a type the platform chose."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.services.test_evaluation import Scene
from tests.web.test_lots import LOTS, PROJECTS
from trading import ROOT
from trading.extensions import db
from trading.models import (
    Announcement,
    Attachment,
    Bid,
    CorrectionOrder,
    Draw,
    DrawCall,
    EarlyWarning,
    Evaluation,
    Expert,
    Lot,
    PreDisclosure,
    Project,
    PublicReport,
    User,
)
from trading.web.downloads import safe_name, safe_type

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSP_MUST = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'",
            "form-action 'self'", "frame-ancestors 'none'")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle\s*=|<style\b", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
ROLES = (None, "staff", "bidder1", "tenderee1", "supervisor", "expert1", "admin")


def assert_secure_headers(response, where: str) -> None:
    """The headers every response must carry (no HSTS: the test set-up's session cookie is not Secure)."""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{where}: {name} is {response.headers.get(name)!r}"
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in CSP_MUST:
        assert directive in csp.split("; "), f"{where}: CSP lacks {directive!r}: {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), where
    assert "Strict-Transport-Security" not in response.headers, f"{where}: HSTS on plain http"


def sample_values(app) -> dict[str, list]:
    """Realistic values for each path argument, from the demo data (a few of each)."""
    def ids(model, limit=4):
        return list(db.session.scalars(sa.select(model.id).order_by(model.id).limit(limit)))

    with app.app_context():
        receipts = [b.receipt["receipt_id"] for b in db.session.scalars(sa.select(Bid).limit(2)) if b.receipt]
        return {
            "lot_id": ids(Lot, 20), "project_id": ids(Project), "draw_id": ids(Draw), "expert_id": ids(Expert, 2),
            "evaluation_id": ids(Evaluation), "bid_id": ids(Bid), "index": [0], "attachment_id": ids(Attachment),
            "announcement_id": ids(Announcement, 2), "receipt_id": receipts or ["unknown"],
            "call_id": list(db.session.scalars(sa.select(DrawCall.call_id).limit(1))) or ["unknown"],
            "filename": ["ca.pem", "css/app.css", "css/bootstrap.min.css", "no-such-file"],
            "user_id": ids(User, 3), "warning_id": ids(EarlyWarning, 2), "order_id": ids(CorrectionOrder, 2),
            "report_id": ids(PublicReport, 2) or [1], "token": ["no-such-follow-up-code-0123456789ab"],
            "pre_disclosure_id": ids(PreDisclosure, 2) or [1],
        }


def get_urls(app, values) -> list[str]:
    """Every GET route of the app with each sample value of its arguments (404s and 403s count too)."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            args = sorted(rule.arguments)
            assert all(a in values for a in args), f"no sample value for {rule.rule}: add one above"
            combos = [{}]
            for arg in args:
                combos = [{**c, arg: v} for c in combos for v in (values[arg] or [1])]
            urls += [url_for(rule.endpoint, **combo) for combo in combos[:20]]
    return sorted(set(urls))


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def _snapshot(app) -> dict:
    """The audit chain's head and every table's row count: what a GET must leave as it was."""
    with app.app_context():
        counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                  for t in db.metadata.sorted_tables}
        head = db.session.execute(sa.text("SELECT seq, hash FROM audit_head")).one()
        db.session.remove()
    return {"head": tuple(head), **counts}


def test_every_get_route_answers_with_the_security_headers_for_every_role_and_writes_nothing(demo_app):
    """Issue 14 (headers) and issue 15 (no GET writes): flagging a low price or revealing a draw happens in the
    POST that causes it, never when a page is read."""
    urls = get_urls(demo_app, sample_values(demo_app))
    assert len(urls) > 100
    statuses = set()
    clients = {}
    for username in ROLES:
        clients[username] = demo_app.test_client()
        if username:
            assert login(clients[username], username).status_code == 302
    before = _snapshot(demo_app)
    for username, client in clients.items():
        for url in urls:
            response = client.get(url)
            statuses.add(response.status_code)
            assert response.status_code < 500, url
            assert_secure_headers(response, f"{username} GET {url}")
            if response.mimetype == "text/html":
                page = response.get_data(as_text=True)
                for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE, JS_URL):
                    assert not pattern.search(page), f"{username} GET {url}: {pattern.search(page).group(0)}"
    assert {200, 302, 404} <= statuses
    after = _snapshot(demo_app)
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not changed, f"reading pages wrote to the database: {changed}"


def test_a_server_error_and_a_refused_login_carry_the_headers_too(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    assert_secure_headers(client.get("/boom"), "500")
    assert_secure_headers(client.post("/auth/login", data={"username": "nobody", "password": "x"}), "login POST")


def test_hsts_only_when_the_session_cookie_is_secure(make_app):
    production = make_app(SESSION_COOKIE_SECURE=True).test_client().get("/auth/login")
    assert production.headers["Strict-Transport-Security"] == "max-age=31536000"
    training = make_app(SESSION_COOKIE_SECURE=False).test_client().get("/auth/login")
    assert "Strict-Transport-Security" not in training.headers


def test_a_centre_can_extend_or_drop_a_directive_and_a_header(make_app):
    app = make_app(CONTENT_SECURITY_POLICY={"img-src": "'self' data: https://tiles.example.cn", "media-src": None},
                   SECURITY_HEADERS={"Permissions-Policy": "camera=(self)", "Cross-Origin-Opener-Policy": None})
    response = app.test_client().get("/auth/login")
    csp = response.headers["Content-Security-Policy"].split("; ")
    assert "img-src 'self' data: https://tiles.example.cn" in csp and not any(d.startswith("media-src") for d in csp)
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp  # the rest stays
    assert response.headers["Permissions-Policy"] == "camera=(self)"
    assert "Cross-Origin-Opener-Policy" not in response.headers


def test_no_template_has_inline_script_inline_style_or_event_handlers():
    """The policy allows none of them, so a template that used one would break in the browser."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE, JS_URL):
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not found, found
    assert "cdn" not in (ROOT / "templates" / "base.html").read_text().lower()


def test_the_patterns_catch_what_they_are_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>") and INLINE_SCRIPT.search('<script type="module">')
    assert not INLINE_SCRIPT.search('<script src="/static/js/opening.js"></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="chart-data">{}</script>')
    assert INLINE_HANDLER.search('<button class="btn" onclick="window.print()">')
    assert INLINE_HANDLER.search("<body\nonload=go()>") and not INLINE_HANDLER.search('<a data-online="1">')
    assert INLINE_STYLE.search('<div class="x" style="width: 1px">') and not INLINE_STYLE.search("<div data-style>")


def _draft_lot(owner) -> int:
    """A construction lot of tenderee1, registered through the pages and still a draft (documents may be filed)."""
    response = owner.post("/projects/new", data={
        **PROJECTS["construction"], "trade_type": "construction", "approval_number": "咸审批〔2026〕9号",
        "approval_date": "2026-02-10", "funding_source": "财政资金", "state_funded": "y", "tenderee_id": "0"})
    project_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = owner.post(f"/projects/{project_id}/lots/new", data=LOTS["construction"])
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_an_uploaded_html_document_comes_back_as_a_download_of_a_safe_type(app, demo):
    owner = app.test_client()
    assert login(owner, "tenderee1").status_code == 302
    lot_id = _draft_lot(owner)
    page = owner.get(f"/lots/{lot_id}").get_data(as_text=True)
    kind = re.findall(r'<option value="(\w+)">', page.split('name="kind"')[1].split("</select>")[0])[0]
    hostile = b"<html><script>fetch('/admin/users').then(r => r.text()).then(alert)</script></html>"
    sent = owner.post(f"/lots/{lot_id}/attachments", content_type="multipart/form-data",
                      data={"kind": kind, "file": (io.BytesIO(hostile), "招标文件\u202egpj.html", "text/html")})
    assert sent.status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(Attachment).where(Attachment.lot_id == lot_id)
                                .order_by(Attachment.id.desc()))
        assert row.content_type == "text/html"  # what the uploader claimed is kept on record, never served
        attachment_id = row.id
    for username in ("tenderee1", "staff", "supervisor"):
        client = app.test_client()
        assert login(client, username).status_code == 302
        response = client.get(f"/lots/{lot_id}/attachments/{attachment_id}")
        assert response.status_code == 200 and response.data == hostile
        assert response.mimetype == "application/octet-stream"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6gpj.html" in disposition  # RFC 5987, no U+202E
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_bid_document_in_the_evaluation_room_is_a_download_of_a_platform_chosen_type(app, now, tmp_path):
    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        scene.start()
        member = scene.members()[0]
        username = db.session.get(User, member.user_id).username
        password = scene.passwords.get(member.seat) or "demo2026"
        bid_id, evaluation_id = scene.bids[0].id, scene.evaluation.id
        app.extensions["trading"].clock.at = scene.in_room
        db.session.commit()
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    client.post(f"/evaluations/{evaluation_id}/statement", data={})
    response = client.get(f"/evaluations/{evaluation_id}/bids/{bid_id}/files/0")
    assert response.status_code == 200 and response.mimetype == "application/octet-stream"  # a .txt of the bidder's
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert_secure_headers(response, "bid document")


@pytest.mark.parametrize(("name", "served"), [
    ("报价.html", "application/octet-stream"), ("图.svg", "application/octet-stream"),
    ("x.HTM", "application/octet-stream"), ("a.js", "application/octet-stream"), ("b.xml", "application/octet-stream"),
    ("技术标.PDF", "application/pdf"),
    ("清单.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("no-extension", "application/octet-stream"),
])
def test_the_served_type_comes_from_the_extension_and_an_allow_list(name, served):
    assert safe_type(name) == served


def test_a_served_name_carries_no_path_or_control_characters():
    assert safe_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_name("a\r\nSet-Cookie: x=1.pdf") == "aSet-Cookie: x=1.pdf"
    assert safe_name("\x00") == "file" and safe_name("标书.pdf") == "标书.pdf"


def test_a_page_names_its_static_files_by_version_and_only_the_current_version_is_kept_a_year(app, tmp_path):
    """Styles and scripts are fetched once per version: the page's links carry the file's version, a request for
    it may be kept a year, and a changed file gets a new URL (an old or missing version is revalidated)."""
    import re

    from trading.web import static_files

    page = app.test_client().get("/auth/login").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/(?:bootstrap/)?static/[^"]+)"', page)
    assert links and all(re.search(r"\?v=[0-9a-f]{12}$", link) for link in links), links
    client = app.test_client()
    for link in links:
        kept = client.get(link)
        assert kept.status_code == 200 and "immutable" in kept.headers["Cache-Control"], link
        assert "max-age=31536000" in kept.headers["Cache-Control"] and "Content-Security-Policy" in kept.headers
    path = links[0].split("?")[0]
    for stale in (path, path + "?v=000000000000", path + "?v=" + "x" * 5000):
        assert client.get(stale).headers["Cache-Control"] == "no-cache", stale
    changed = tmp_path / "a.css"
    changed.write_text("a {}")
    before = static_files.version(str(tmp_path), "a.css")
    changed.write_text("a { color: red }")
    assert static_files.version(str(tmp_path), "a.css") != before
    assert static_files.version(str(tmp_path), "../a.css") is None and static_files.version(None, "a.css") is None
