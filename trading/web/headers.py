"""Security headers on every response (pages, JSON, downloads, static files, error pages).

The Content-Security-Policy allows only the platform's own scripts, styles, images and fonts: no inline script,
no inline event handler, no inline ``style=`` attribute (templates use the classes of static/css/app.css), no
framing. ``data:`` images are allowed because Bootstrap's stylesheet draws its small icons (select arrows, the
menu button, check marks) as ``data:`` SVG backgrounds. A centre that must relax or extend the policy (a web
analytics host, say) sets ``CONTENT_SECURITY_POLICY`` in ``instance/config.py``: its directives replace the
defaults one by one, and a directive set to ``None`` is dropped. ``SECURITY_HEADERS`` does the same for the other
headers. HSTS is sent only when the session cookie is Secure (production behind https), never on the plain-http
training set-up of ``make run``, where it would lock the browser out of http://127.0.0.1 for a year.
See docs/SECURITY.md, "Headers".
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "media-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin: the platform's own pages still get the Referer Flask-WTF checks on https forms, while no other
    # site learns which lot, draw or evaluation page a user came from (lot ids and deal codes are in the paths).
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS = "max-age=31536000"


def policy_text(directives: dict[str, str | None]) -> str:
    """The header value of a policy given as {directive: sources}; directives set to None are left out."""
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items() if value is not None)


def headers_for(config) -> dict[str, str]:
    """The headers every response carries under ``config`` (the defaults above, the centre's changes on top)."""
    csp = {**CONTENT_SECURITY_POLICY, **(config.get("CONTENT_SECURITY_POLICY") or {})}
    headers = {"Content-Security-Policy": policy_text(csp), **SECURITY_HEADERS}
    if config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = config.get("HSTS") or HSTS  # "" or None: the default
    headers.update(config.get("SECURITY_HEADERS") or {})
    return {name: value for name, value in headers.items() if value is not None}


def register(app: Flask) -> None:
    """Add the headers to every response; a header a view set itself is kept."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers_for(app.config).items():
            response.headers.setdefault(name, value)
        return response
