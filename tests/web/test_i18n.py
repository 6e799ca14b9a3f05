"""Chinese by default, English on request, and a complete Chinese catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]


def test_pages_are_chinese_by_default_and_english_after_the_switch(client, demo):
    login(client, "staff")
    assert "公共资源交易平台" in client.get("/").get_data(as_text=True)
    response = client.post("/language", data={"lang": "en", "next": "/"})
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Public Resource Trading Platform" in page and "中文" in page
    client.post("/language", data={"lang": "zh_CN"})
    assert "公共资源交易平台" in client.get("/").get_data(as_text=True)


def test_an_unknown_language_is_refused(client):
    assert client.post("/language", data={"lang": "fr"}).status_code == 400


def test_every_message_has_a_chinese_translation():
    with open(ROOT / "trading/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    with open(ROOT / "trading/translations/messages.pot", "rb") as handle:
        template = read_po(handle)
    missing = [m.id for m in template if m.id and not (catalog.get(m.id) and catalog.get(m.id).string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [], "run `make messages` and translate these"
    assert fuzzy == []


def test_the_message_template_is_up_to_date_with_the_code(tmp_path):
    from babel.messages.frontend import CommandLineInterface

    fresh = tmp_path / "fresh.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_", "-k", "_l",
                                "-o", str(fresh), "--no-location", "--sort-output", str(ROOT)])
    with open(fresh, "rb") as handle:
        current = {m.id for m in read_po(handle) if m.id}
    with open(ROOT / "trading/translations/messages.pot", "rb") as handle:
        stored = {m.id for m in read_po(handle) if m.id}
    assert current - stored == set(), "new strings: run `make messages` and translate them"
    assert stored - current == set(), "strings no longer used: run `make messages`"
