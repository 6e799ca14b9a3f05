"""Issue 14: every route of ``app.url_map``, as an anonymous visitor and as every role, with hostile path values,
query strings and form bodies (huge and negative numbers, NaN, Infinity, NUL and other control characters, very
long text, impossible dates, Chinese text, spreadsheet formulas), on the README's demo data: no answer is a 5xx.

Hypothesis draws the values, derandomised so that CI runs the same requests each time; each (route, role) gets a
few examples, the first being the plainest (a real id, an empty form). A route made to raise fails the test with
its traceback."""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import time
import traceback
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import got_request_exception
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import event
from wtforms.fields import FieldList, FormField
from wtforms.fields.core import UnboundField
from wtforms.fields.simple import FileField, MultipleFileField

from tests.conftest import FIXED_NOW, login
from tests.services.test_evaluation import Scene
from trading import models
from trading.extensions import db

USERS = (None, "bidder1", "tenderee1", "staff", "supervisor", "admin", "expert", "agency")  # None: anonymous
ROLES_PER_ROUTE = 4  # the first roles that may use a route get every hostile request; the others the plain one
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))  # random requests per (route, role that may use it)
SKIP = {"static", "bootstrap.static"}  # Flask's and Bootstrap-Flask's file servers
LAST = ("auth.logout",)  # run after every other route, so the clients stay logged in meanwhile

# A path argument's name -> the model whose ids it takes (the demo's real ids come first).
ID_OF = {
    "lot_id": models.Lot, "project_id": models.Project, "org_id": models.Organisation, "user_id": models.User,
    "draw_id": models.Draw, "expert_id": models.Expert, "evaluation_id": models.Evaluation, "bid_id": models.Bid,
    "certificate_id": models.BidderCertificate, "announcement_id": models.Announcement,
    "attachment_id": models.Attachment, "cancellation_id": models.Cancellation,
    "approval_id": models.MethodApproval, "change_id": models.HolderChange,
}

HUGE = ["9223372036854775808", "9223372036854775807", "18446744073709551616", "2147483648", "1" + "0" * 20,
        "9" * 400, "1" + "0" * 4400]
NUMBERS = ["NaN", "Infinity", "1e400", "9" * 400, "-1", "sNaN", "-Infinity", "-1e400", "1.5", "-0", "1E+2", "１２３",
           "1,000.00", "0x10", " 7 ", *HUGE]
DATES = ["0001-01-01T00:00", "0001-01-01", "9999-12-31T23:59", "9999-12-31", "2026-02-30", "2026-13-01T25:61",
         "1900-01-01T00:00"]
STRINGS = ["a\x00b", "", "\x1b[31m", "\r\n", "\t", "\u202e", "\U0001f600", "咸宁市永安大道东延线道路工程", "标段２",
           "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "-2+3", "<script>alert(1)</script>", "' OR 1=1 --", "%s%n",
           "{{7*7}}", "//evil.example", "http://evil.example/", "/\\evil.example", "/a\nb", "/\x00",
           "javascript:alert(1)", "../../etc/passwd", "x" * 5000, "长" * 70_000]
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
VALUES = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(DATES), st.sampled_from(STRINGS), TEXT,
                   st.integers(-(10**30), 10**30).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr))
PATH_STRINGS = ["", "%00", "a%00b", "%0a", "..", "x" * 3000, "咸宁", "%F0%9F%98%80", "%FF", "a%2Fb"]
QUERY_NAMES = ("page", "next", "q", "per_page", "kind", "to", "amount", "sort", "desc", "figure", "status",
               "trade_type", "region", "specialty", "period", "period_kind", "subs", "lang", "since", "until")
QUERIES = [{"page": "1" + "0" * 20, **{name: "9" * 30 for name in QUERY_NAMES[1:]}},
           {"page": "-1", **{name: "NaN" for name in QUERY_NAMES[1:]}}]  # every GET route, every role that may
FILE_BODIES = [b"", b"\x00" * 64, "标段,预算\n=1+1,NaN\n".encode("gbk"), b"PK\x03\x04" + b"\xff" * 60,
               b"name,weight\n" + b"a" * 140_000 + b"\n"]


def form_fields(cls, prefix: str = "") -> dict[str, type]:
    """The input names of a WTForms class (FieldList entries 0-1 spelled out) -> their field classes."""
    found: dict[str, type] = {}
    for attr in dir(cls):
        field = getattr(cls, attr, None)
        if not isinstance(field, UnboundField):
            continue
        name = prefix + attr
        if field.field_class is FieldList:
            inner = field.args[0]
            for index in range(2):
                if inner.field_class is FormField:
                    found.update(form_fields(inner.args[0], f"{name}-{index}-"))
                else:
                    found[f"{name}-{index}"] = inner.field_class
        else:
            found[name] = field.field_class
    return found


def inputs_of(view) -> dict[str, type | None]:
    """The form and query names a view reads, found in its source: its forms' fields and request.*.get names."""
    view = inspect.unwrap(view)
    source = inspect.getsource(view)
    names: dict[str, type | None] = {name: None for name in
                                     re.findall(r"request\.(?:form|args|values)\.get\(\s*f?\"([\w-]+)", source)}
    names.update({f"{prefix}-1": None for prefix in re.findall(r"f\"(\w+)-\{", source)})
    for form_name, arguments in re.findall(r"\b(\w+Form)\(([^()]*)\)", source):
        cls = view.__globals__.get(form_name)
        if isinstance(cls, type) and issubclass(cls, FlaskForm):
            prefix = re.search(r"prefix=\"(\w+)\"", arguments)
            names.update(form_fields(cls, f"{prefix.group(1)}-" if prefix else ""))
    return names


# What a user would plausibly type in a field, by the field's name: the plain example of each form passes its
# validators, so the hostile value of one field reaches the service behind it.
PLAUSIBLE = {
    "price": "1000000", "budget": "20500000", "starting_price": "1000000", "increment": "10000", "deposit": "20000",
    "amount": "20000", "weight": "30", "count": "3", "backups": "1", "days": "1", "hours": "2", "rank": "1",
    "member": "1", "candidate": "1", "case": "1", "rating": "5", "years": "10", "term_years": "50", "area": "5000",
    "plot_ratio_min": "1.0", "plot_ratio_max": "2.5", "region_code": "421200", "code": "A01", "specialties": "A01",
    "trade_type": "construction", "org_type": "bidder", "roles": "bidder", "organisation_id": "1",
    "tenderee_id": "1", "method": "open", "evaluation_method": "comprehensive", "category": "works",
    "kind": "announcement", "decision": "approve", "status": "active", "gateway": "simulated", "key_threshold": "2",
    "mode": "own", "lang": "en", "active": "1", "conflict": "0", "next": "/", "password": "demo2026",
    "current": "demo2026", "new": "demo2027x", "confirm": "demo2027x", "passphrase": "passphrase-2026",
    "key_password": "demo2026", "username": "newuser", "credit_code": "91421200MA4KXXXX0X", "mobile": "13800000000",
    "id_number": "421202198001010011", "signed_on": "2026-03-02", "number": "HT-2026-01", "target": "6222000000",
    "fingerprint": "ab12", "role": "supervisor", "new_holder": "supervisor2", "until": "2026-04-01T09:00",
}
BY_CLASS = {"DateTimeLocalField": "2026-03-20T09:00", "DateField": "2026-03-01", "BooleanField": "y",
            "IntegerField": "1"}


def sweep(name: str, field_class: type | None) -> list[str]:
    """The hostile values every field gets in turn, by its kind (numbers, dates, text), then NUL and nothing."""
    value = plausible(name, field_class)
    if re.fullmatch(r"[\d.]+", value) or (field_class is not None and field_class.__name__ == "IntegerField"):
        typed = NUMBERS[:5]
    elif re.fullmatch(r"[\d-]+(T[\d:]+)?", value):
        typed = DATES[:3]
    else:
        typed = ["\r\n", "x" * 5000]
    return [*typed, ""]


def plausible(name: str, field_class: type | None) -> str:
    """A value that passes the field's own checks (a real user's entry)."""
    short = name.rsplit("-", 1)[-1]
    if short in PLAUSIBLE:
        return PLAUSIBLE[short]
    if field_class is not None and field_class.__name__ in BY_CLASS:
        return BY_CLASS[field_class.__name__]
    return "咸宁市测试内容 test text"


def real_values(app) -> dict[str, list[str]]:
    """The demo's real values of each path argument (ids, receipt ids, call ids, key files, scenario names)."""
    from trading.keyring import current_keyring
    from trading.services import published_keys

    with app.app_context():
        found = {name: [str(i) for i in db.session.scalars(sa.select(model.id).order_by(model.id.desc())).all()[:6]]
                 for name, model in ID_OF.items()}
        found["objection_id"] = [str(i) for model in (models.Objection, models.OpeningObjection, models.ResultObjection)
                                 for i in db.session.scalars(sa.select(model.id)).all()[:2]]
        found["case_id"] = [str(i) for i in db.session.scalars(sa.select(models.LowPriceCase.id)).all()[:3]]
        found["receipt_id"] = [bid.receipt["receipt_id"] for bid in db.session.scalars(sa.select(models.Bid))
                               if bid.receipt][:3]
        found["call_id"] = [str(c.id) for c in db.session.scalars(sa.select(models.DrawCall)).all()[:3]]
        found["filename"] = [key.filename for key in published_keys.published(current_keyring())][:2]
        found["name"] = ["no-such-scenario"]  # a real scenario loads thousands of deals: test_statistics does
        found["index"] = ["0", "1"]
    return found


def path_value(integer: bool, real: list[str]):
    """Hostile and real values for one path argument, URL-quoted (the real ones first: Hypothesis starts there)."""
    if integer:
        return st.one_of(st.sampled_from(real or ["1"]), st.sampled_from(["0", "999999", *HUGE[:5], "%EF%BC%91"]),
                         st.integers(0, 60).map(str))
    return st.one_of(st.sampled_from(real or ["x"]), st.sampled_from(PATH_STRINGS),
                     TEXT.filter(bool).map(lambda text: quote(text, safe="")))


@st.composite
def bodies(draw, fields: dict[str, str]) -> dict[str, str]:
    """A plausible form with one or two fields made hostile and sometimes one left out (the plain form first)."""
    form = dict(fields)
    names = sorted(fields)
    if names:
        for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
            form[name] = draw(VALUES)
        for name in draw(st.lists(st.sampled_from(names), max_size=1)):
            del form[name]
    return form


@pytest.fixture
def demo_app(restore_demo, tmp_path):
    """The README's demo, loaded by the real command, and a lot in its closed evaluation room, the clock inside
    the room's hours; exceptions become 500 answers, as in production. Returns the app and the login of one
    seated expert."""
    app = restore_demo(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        scene = Scene(db.session, FIXED_NOW, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        scene.start()
        member = scene.members()[0]
        expert = (db.session.get(models.User, member.user_id).username, scene.passwords.get(member.seat, "demo2026"))
        app.extensions["trading"].clock.at = scene.in_room
        db.session.commit()
    return app, expert


def _clients(app, expert: tuple[str, str]) -> dict:
    clients = {}
    for username in USERS:
        client = app.test_client()
        if username:
            assert login(client, *(expert if username == "expert" else (username,))).status_code == 302, username
        clients[username] = client
    return clients


class PostgreSQLWouldRefuse(Exception):
    """A value SQLite stores but PostgreSQL refuses (the fuzz runs on both; this finds on SQLite what would be a
    500 on PostgreSQL)."""


def _refused_by_postgresql(column, value) -> str | None:
    kind = column.type
    if isinstance(value, str):
        if "\x00" in value:
            return "NUL in text"
        if isinstance(kind, sa.String) and kind.length and len(value) > kind.length:
            return f"{len(value)} characters in {kind}"
    if isinstance(value, (dict, list)) and "\\u0000" in json.dumps(value):
        return "NUL in JSON"
    if isinstance(value, int) and not isinstance(value, bool):
        bits = 63 if isinstance(kind, sa.BigInteger) else 31
        if isinstance(kind, sa.Integer) and not -(2**bits) <= value < 2**bits:
            return f"{value} out of the range of {kind}"
    if isinstance(value, Decimal) and isinstance(kind, sa.Numeric) and kind.precision:
        if not value.is_finite() or abs(value) >= Decimal(10) ** (kind.precision - (kind.scale or 0)):
            return f"{value} out of the range of {kind}"
    return None


@contextmanager
def strict_like_postgresql():
    """Refuse at flush, with an exception (a 500 the fuzz reports), a value PostgreSQL would refuse."""

    def check(session, context, instances):
        for instance in [*session.new, *session.dirty]:
            for column in sa.inspect(instance).mapper.columns:
                problem = _refused_by_postgresql(column, getattr(instance, column.key, None))
                if problem:
                    raise PostgreSQLWouldRefuse(f"{type(instance).__name__}.{column.key}: {problem}")

    event.listen(sa.orm.Session, "before_flush", check)
    try:
        yield
    finally:
        event.remove(sa.orm.Session, "before_flush", check)


def _keep_logged_in(app) -> None:
    """An admin may have deactivated a role's account or organisation meanwhile: turn them on again."""
    with app.app_context():
        db.session.execute(sa.update(models.User).values(active=True))
        db.session.execute(sa.update(models.Organisation).values(active=True))
        db.session.commit()


class Fuzzer:
    """Sends requests and keeps every server error, grouped by its cause."""

    def __init__(self, app):
        self.app, self.count, self.failures, self.errors = app, 0, {}, []
        self.statuses: dict[str, dict[int, int]] = {}
        self.time: dict[str, float] = {}
        got_request_exception.connect(self.record, app)
        app.logger.disabled = True  # the failures are listed by the test, once per cause

    def record(self, sender, exception, **extra):
        self.errors.append(exception)

    def send(self, client, user, rule, method, path, query, form, upload):
        """One request; a 5xx or an exception is kept. Returns the response."""
        url = rule.rule
        for name, value in path.items():
            url = re.sub(rf"<(?:\w+:)?{name}>", value, url)
        data = dict(form)
        for name, body in upload.items():
            data[name] = (io.BytesIO(body), "历史成交.csv")
        self.errors.clear()
        began = time.monotonic()
        response = client.open(url, method=method, query_string=query, data=data or None)
        self.time[rule.endpoint] = self.time.get(rule.endpoint, 0) + time.monotonic() - began
        self.count += 1
        seen = self.statuses.setdefault(f"{rule.endpoint} {user}", {})
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        if response.status_code >= 500 or self.errors:
            cause = _cause(self.errors[0]) if self.errors else f"HTTP {response.status_code}"
            self.failures.setdefault(cause, []).append(
                f"{method} {url} as {user or 'anonymous'} query={_short(query)} form={_short(data)}")
        return response

    def report(self) -> str:
        lines = [f"{len(calls)} x {cause}\n    e.g. {calls[0]}" for cause, calls in self.failures.items()]
        return (f"{sum(map(len, self.failures.values()))} of {self.count} requests failed, "
                f"{len(self.failures)} causes:\n" + "\n".join(lines))

    def debug(self) -> None:
        """FUZZ_DEBUG=1: the answers each role got from each route, and the slowest routes."""
        for key, seen in sorted(self.statuses.items()):
            print(key, dict(sorted(seen.items())))
        for endpoint, spent in sorted(self.time.items(), key=lambda kv: -kv[1])[:30]:
            print(f"{spent:6.2f} s {endpoint}")


class Route:
    """One rule of the URL map, with what the fuzz sends to it: real ids to try, the plausible form, the files and
    the Hypothesis strategy of hostile requests."""

    def __init__(self, app, rule, real: dict[str, list[str]]):
        self.rule = rule
        self.inputs = inputs_of(app.view_functions[rule.endpoint])
        self.files = sorted(name for name, cls in self.inputs.items()
                            if cls and issubclass(cls, (FileField, MultipleFileField)))
        self.fields = {name: plausible(name, cls) for name, cls in self.inputs.items() if name not in self.files}
        self.methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        known = {name: real.get(name) or ["1"] for name in rule.arguments}
        width = max([len(values) for values in known.values()] + [1])
        self.candidates = [{name: values[i % len(values)] for name, values in known.items()} for i in range(width)]
        self.integers = {name for name, conv in rule._converters.items() if type(conv).__name__ == "IdConverter"}
        arguments = {name: path_value(name in self.integers, real.get(name, [])) for name in rule.arguments}
        self.requests = st.fixed_dictionaries({
            "method": st.sampled_from(self.methods), "path": st.fixed_dictionaries(arguments),
            "query": st.dictionaries(st.sampled_from(QUERY_NAMES + tuple(self.fields)), VALUES, max_size=2),
            "form": bodies(self.fields),
            "upload": st.fixed_dictionaries({}, optional={name: st.sampled_from(FILE_BODIES) for name in self.files})})

    def fuzz(self, fuzzer: Fuzzer, client, user, thoroughly: bool) -> bool:
        """The plain request (at the first real ids that are something for this role) and huge ids; then, when
        ``thoroughly`` and the role may use the route, each field in turn made hostile and Hypothesis' requests.
        Returns whether the role may use it."""
        rule = self.rule

        ids = self.candidates[0]

        def send(method=self.methods[-1], path=None, query=None, form=self.fields, upload=None):
            return fuzzer.send(client, user, rule, method, path or ids, query or {}, form, upload or {})

        for candidate in self.candidates:
            ids = candidate
            plain = send()
            if plain.status_code != 404:
                break
        for name in rule.arguments:  # the converters answer before any role check
            send(path={**ids, name: "9223372036854775808" if name in self.integers else "a%00b"})
        if plain.status_code in (401, 403) or "/auth/login" in plain.headers.get("Location", ""):
            return False
        if not thoroughly:
            return True
        if "GET" in self.methods:
            for query in QUERIES:
                send("GET", query=query)
        for name, cls in self.inputs.items():
            for value in sweep(name, cls) if name in self.fields else ():
                send(form={**self.fields, name: value})
            for body in FILE_BODIES if name in self.files else ():
                send(upload={name: body})

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(request=self.requests)
        def hostile(request):
            fuzzer.send(client, user, rule, **request)

        hostile()
        return True


SHARDS = 4  # the routes in four parts, so that the suite's workers share the fuzzing


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_route_answers_a_hostile_request_with_a_server_error(demo_app, shard):
    app, expert = demo_app
    fuzzer = Fuzzer(app)
    clients = _clients(app, expert)
    real = real_values(app)
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIP),
                   key=lambda r: (r.endpoint in LAST, r.rule))
    rules = [r for n, r in enumerate(rules) if n % SHARDS == shard or r.endpoint in LAST]
    with strict_like_postgresql():
        for rule in rules:
            route, fuzzed = Route(app, rule, real), 0
            for user in USERS:
                fuzzed += route.fuzz(fuzzer, clients[user], user, thoroughly=fuzzed < ROLES_PER_ROUTE)
            _keep_logged_in(app)
    if os.environ.get("FUZZ_DEBUG"):
        fuzzer.debug()
    assert not fuzzer.failures, fuzzer.report()
    assert fuzzer.count > 3000 // SHARDS, fuzzer.count


def _cause(error: BaseException) -> str:
    """The exception and the innermost line of the platform's own code that raised it."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/trading/" in f.filename]
    where = f"{frames[-1].filename.split('/trading/')[-1]}:{frames[-1].lineno} {frames[-1].line}" if frames else "?"
    return f"{type(error).__name__}: {str(error)[:120]} at {where}"


def _short(data: dict) -> str:
    return repr({k: (v if not isinstance(v, str) or len(v) < 60 else v[:20] + f"...({len(v)})") for k, v in
                 data.items()})
