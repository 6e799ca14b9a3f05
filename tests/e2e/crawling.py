"""The crawl of issue 17, shared by tests/e2e/test_crawl.py and tests/web/test_words.py: every page a user reaches
from a few start pages by same-origin GET links, each distinct URL once per user and language, read with the Flask
test client (no browser: fast). What a page shows is checked for three things:

- a link that answers 4xx or 5xx to the user who is shown it;
- a code name in visible text (``code_names``): a dotted code such as ``lot.key_ceremony`` or
  ``construction.min_bids``, a snake_case word such as ``savings_rate``, or, in Chinese, a state or action code left
  bare (``尚不能执行"award"``); URLs, e-mail addresses, file names and ``<code>``/``<kbd>``/``<samp>`` elements
  (and attributes such as ``title``, which are not text) may hold them;
- in English, Chinese text outside data (``data_strings``).

How data is told apart in English: every Chinese string the database holds (names of people, organisations,
projects, lots, places, documents' text, reasons typed by users), the specialty and region catalogues, and the
Chinese that English messages quote on purpose (a file's column headers), less the Chinese names the interface
prints for its own codes (states, stages, methods, trade types: those are never data, wherever the data repeats
them); and text inside an element marked ``lang="zh-CN"`` (documents kept in Chinese, which screen readers then
read in Chinese). Collecting the data from the database allows exactly the demo's data and nothing the interface
adds, which marking alone cannot promise (a template could mark a label as data); the marks cover what is made
from data at rendering time (a certificate's sentences)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa
from babel.messages.pofile import read_po

from trading import ROOT
from trading.domain import lifecycle, regions, specialties
from trading.extensions import db

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")
HAN = re.compile(r"[\u3400-\u9fff]")
# not followed: static files, the language switch and logout (POST forms anyway), and downloads
NOT_FOLLOWED = re.compile(r"^/(static|language)/|/logout$|\.(zip|xlsx|csv|json|pdf|txt|bin|sealed|png|ico)$"
                          r"|/download(/|$)|/files?/|/documents/\d+$|/archive\.zip$")
MAX_PAGES = 400  # per user and language: a bound far above what the demo reaches (a loop in the links stops here)

# Code names. A token starts and ends at a boundary that is not part of a path, an address or a longer word.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![A-Za-z0-9_./@:-])", r"(?![A-Za-z0-9_@/-]|\.[A-Za-z0-9])"  # ASCII: not 中文
_WORD = r"[a-z][a-z0-9]+(?:_[a-z0-9]+)*"  # two letters at least: not "e.g."
DOTTED = re.compile(_EDGE_BEFORE + rf"{_WORD}(?:\.{_WORD})+" + _EDGE_AFTER)  # lot.key_ceremony, draw.commit
SNAKE = re.compile(_EDGE_BEFORE + r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+" + _EDGE_AFTER)  # savings_rate, publicity_end
URL = re.compile(r"\b(?:https?|s3|file)://\S+|(?<![\w.])/[\w./%?=&#-]+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FILE_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "csv", "txt", "zip", "json", "html", "md", "png", "jpg", "jpeg",
              "sealed", "bin", "xml", "ofd", "py", "toml", "pub", "pem", "key", "crt")
FILE_NAME = re.compile(r"[^\s/\\:：，,()（）\"'“”]+\.(?:" + "|".join(FILE_TYPES) + r")\b", re.IGNORECASE)
DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:com|cn|org|net|gov|edu|io|local|localhost)\b", re.IGNORECASE)
# In Chinese a bare lifecycle code is a code name too (English words are not expected there, and none of these is
# a demo login or a file name)
LIFECYCLE_CODES = frozenset(lifecycle.STATES) | frozenset(t.action for t in lifecycle.TRANSITIONS)
BARE_CODE = re.compile(r"(?<![A-Za-z0-9_./@:-])(?:" + "|".join(sorted(LIFECYCLE_CODES, key=len, reverse=True))
                       + r")(?![A-Za-z0-9_@/-])")


def code_names(text: str, lang: str = "en") -> set[str]:
    """The code names in a page's visible ``text``: what is left after URLs, e-mail addresses, file names and
    domain names are taken out."""
    for pattern in (URL, EMAIL, FILE_NAME, DOMAIN):
        text = pattern.sub(" ", text)
    found = set(DOTTED.findall(text)) | set(SNAKE.findall(text))
    if lang.startswith("zh"):
        found |= set(BARE_CODE.findall(text))
    return found


class Page(HTMLParser):
    """A page's links and its visible text: all of it (``text``, for code names), that outside ``<code>``-like
    elements (``prose``) and that outside elements marked ``lang="zh…"`` (``foreign``: to be English in English)."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})
    HIDDEN = frozenset({"script", "style", "title", "template", "noscript"})
    CODE = frozenset({"code", "kbd", "samp", "pre"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.prose: list[str] = []  # visible, not in <code>
        self.foreign: list[str] = []  # visible, not marked as Chinese
        self.stack: list[tuple[str, bool, bool, bool]] = []  # (tag, hidden, code, Chinese)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag in self.VOID:
            return
        hidden, code, chinese = self.stack[-1][1:] if self.stack else (False, False, False)
        lang = values.get("lang")
        self.stack.append((tag, hidden or tag in self.HIDDEN or "hidden" in values, code or tag in self.CODE,
                           lang.startswith("zh") if lang is not None else chinese))

    def handle_endtag(self, tag):
        if any(t == tag for t, *_ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        data = data.strip()
        hidden, code, chinese = self.stack[-1][1:] if self.stack else (False, False, False)
        if not data or hidden:
            return
        if not code:
            self.prose.append(data)
        if not chinese:
            self.foreign.append(data)


def _strings(value, found: set[str]) -> None:
    """Every string with Chinese in a stored value (JSON included)."""
    if isinstance(value, str):
        if HAN.search(value):
            found.add(value)
            found.update(part.strip() for part in re.split(r"[\n\r]+", value) if HAN.search(part))
    elif isinstance(value, dict):  # the keys too: a price form's declared fields (项目经理: ...)
        for key, item in value.items():
            _strings(key, found)
            _strings(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _strings(item, found)


def interface_chinese() -> set[str]:
    """The Chinese names the interface prints for its codes (states, stages, methods, trade types): never data,
    wherever the data repeats them."""
    from trading.domain import rules

    names = set(lifecycle.STATES.values()) | {s.name_zh for s in lifecycle.STAGES.values()}
    return names | {m.name_zh for m in rules.METHODS.values()} | {t.name_zh for t in rules.TRADE_TYPES.values()}


def data_strings(app) -> re.Pattern:
    """A pattern matching any piece of data a page may show in Chinese, longest first."""
    found: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
            if columns:
                for row in db.session.execute(sa.select(*columns)):
                    _strings(list(row), found)
        db.session.remove()
    catalogue = specialties.load()
    found.update(s.name for s in catalogue.entries)
    found.update(catalogue.label(s.code) for s in catalogue.entries)
    found.update(r.name for r in regions._table().regions.values())
    with open(ROOT / "trading/translations/messages.pot", "rb") as handle:  # Chinese quoted by English messages
        for message in read_po(handle):
            for text in ([message.id] if isinstance(message.id, str) else message.id or []):
                found.update(CJK.findall(text or ""))
    found -= interface_chinese()
    pieces = sorted((s for s in found if s), key=len, reverse=True)
    return re.compile("|".join(re.escape(s) for s in pieces))


_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _token(client, path: str = "/auth/login") -> str:
    """The CSRF token of a page's forms ("" when the app checks none)."""
    found = _CSRF.search(client.get(path).get_data(as_text=True))
    return found.group(1) if found else ""


def signed_in(app, username: str | None, lang: str, password: str = "demo2026"):
    """A test client logged in as ``username`` (anonymous for None) that reads pages in ``lang``, through the
    login form and the language switch, as a person does (CSRF tokens included when the app checks them)."""
    client = app.test_client()
    if username:
        response = client.post("/auth/login", data={"username": username, "password": password,
                                                     "csrf_token": _token(client)})
        assert response.status_code == 302 and "/auth/login" not in response.location, f"{username} cannot log in"
    client.post("/language", data={"lang": lang, "next": "/", "csrf_token": _token(client, "/")})
    return client


@dataclass
class Visit:
    url: str
    referrer: str  # the page that showed the link, or "start"
    status: int
    endpoint: str | None
    page: Page | None = None


@dataclass
class Report:
    """What a crawl found wrong, and one URL per endpoint each user reached (for the browser's pass)."""

    problems: list[str] = field(default_factory=list)
    pages: dict[tuple[str | None, str], str] = field(default_factory=dict)  # (user, endpoint) -> first URL
    visits: int = 0


def shape(url: str) -> str:
    """A URL with its numbers and query values left out: /experts/3 and /experts/8 have one shape."""
    parts = urlsplit(url)
    keys = sorted(key.split("=")[0] for key in parts.query.split("&") if key)
    return re.sub(r"[0-9a-f-]{8,}|\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(app, client, starts: list[str], per_shape: int | None = None):
    """Yield a ``Visit`` for every page reachable from ``starts`` by same-origin GET links, each URL once, and with
    ``per_shape`` at most that many URLs of one shape (``shape``) besides the starts."""
    adapter = app.url_map.bind("localhost")
    queue, seen, shapes = [(url, "start") for url in starts], set(), {}
    while queue and len(seen) < MAX_PAGES:
        url, referrer = queue.pop(0)
        kind = shape(url)
        if url in seen or (per_shape and referrer != "start" and shapes.get(kind, 0) >= per_shape):
            continue
        seen.add(url)
        shapes[kind] = shapes.get(kind, 0) + 1
        response = client.get(url)
        try:
            endpoint = adapter.match(urlsplit(url).path, method="GET")[0]
        except Exception:  # a 404 or 405: no endpoint
            endpoint = None
        visit = Visit(url, referrer, response.status_code, endpoint)
        if response.status_code == 200 and response.mimetype == "text/html":
            visit.page = Page()
            visit.page.feed(response.get_data(as_text=True))
            for href in visit.page.links:
                parts = urlsplit(urljoin("http://localhost" + url, href))
                if parts.scheme not in ("http", "https") or parts.netloc != "localhost" \
                        or NOT_FOLLOWED.search(parts.path):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    queue.append((target, url))
        response.close()
        yield visit


def check(app, starts: list[str], users, langs=("en", "zh_CN"), data: re.Pattern | None = None,
          report: Report | None = None, per_shape: int | None = None) -> Report:
    """Crawl as each of ``users`` (a login name, None for the public, or (name, password)) in each language and
    report what is wrong: dead links, code names, Chinese left in English."""
    data = data or data_strings(app)
    report = report or Report()
    for user in users:
        username, password = user if isinstance(user, tuple) else (user, "demo2026")
        for lang in langs:
            client = signed_in(app, username, lang, password)
            for visit in crawl(app, client, starts, per_shape):
                report.visits += 1
                who = f"{username or 'public'} ({lang}) {visit.url}"
                if visit.status >= 400 and visit.referrer != "start":
                    report.problems.append(f"{who}: {visit.status}, linked from {visit.referrer}")
                if visit.page is None:
                    continue
                if visit.endpoint:
                    report.pages.setdefault((username, visit.endpoint), visit.url)
                names = code_names(" \n ".join(visit.page.prose), lang)
                report.problems += [f"{who}: code name {name}" for name in sorted(names)]
                if lang == "en":
                    left = set(CJK.findall(data.sub(" ", " \n ".join(visit.page.foreign))))
                    report.problems += [f"{who}: Chinese in English mode: {left}"] if left else []
    return report
