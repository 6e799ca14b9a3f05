"""The browser tests' server: the platform as `make run` serves it, on a free local port, or the production set."""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def server(request, make_app):
    """The platform as `make run` serves it (simulated clock, CSRF on, the demo loaded, on a free local port), or,
    with the parameter ``"serve"``, as `make serve` does (the ``production_set`` fixture)."""
    if getattr(request, "param", "run") == "serve":
        yield request.getfixturevalue("production_set")
        return
    from werkzeug.serving import make_server

    app = make_app(CLOCK="simulated", WTF_CSRF_ENABLED=True)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "3份投标，专家已抽取" in result.output
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
