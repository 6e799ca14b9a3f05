"""The browser tests' server: the platform as `make run` serves it, on a free local port, or the production set."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.conftest import FIXED_NOW
from trading.clock import utcnow
from trading.extensions import db
from trading.models import ClockSetting


@pytest.fixture
def server(request):
    """The platform as `make run` serves it (simulated clock, CSRF on, the demo as `flask demo` loads it at the fixed
    clock, time running on from there, on a free local port), or,
    with the parameter ``"serve"``, as `make serve` does (the ``production_set`` fixture)."""
    if getattr(request, "param", "run") == "serve":
        yield request.getfixturevalue("production_set")
        return
    from werkzeug.serving import make_server

    app = request.getfixturevalue("restore_demo")(CLOCK="simulated", WTF_CSRF_ENABLED=True)
    assert "3份投标，专家已抽取" in request.getfixturevalue("demo_snapshot")[2]
    with app.app_context():  # the simulated time starts where the demo was loaded, and runs
        db.session.get(ClockSetting, 1).offset_us = (FIXED_NOW - utcnow()) // timedelta(microseconds=1)
        db.session.commit()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
