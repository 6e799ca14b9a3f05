"""The request class: how large a request may be, and in-memory uploads for server-side sealing.

Every request is limited to ``MAX_CONTENT_LENGTH`` (config, 4 MiB by default): a larger one is refused with 413
from its Content-Length before its body is read (or as soon as a chunked body passes the limit). A view that takes
large files says so with ``@large_body("CONFIG_KEY")``: its limit becomes that setting (plus room for the form
around the file), for a logged-in user only, so an anonymous sender never gets more than the global limit;
``before_login=True`` is for the bidder tool's API, which checks its HTTP Basic login before reading the body.

Uploads for server-side sealing stay in memory, so the bid's plaintext never touches the disk (Werkzeug otherwise
spools file parts above 500 KB to temporary files).
"""

from __future__ import annotations

import io

from flask import Request, current_app
from werkzeug.exceptions import RequestEntityTooLarge

SEAL_ENDPOINT = "bids.bid_seal"
FORM_ROOM = 2**20  # the multipart boundaries and other fields around a large file


def large_body(config_key: str, *, before_login: bool = False):
    """Let this view take a body of up to ``app.config[config_key]`` bytes (put it right under the route)."""

    def decorator(view):
        view.large_body = (config_key, before_login)
        return view

    return decorator


def body_limit(request) -> int | None:
    """The size limit of ``request``'s body: its view's raised limit, or ``MAX_CONTENT_LENGTH``."""
    config = current_app.config
    view = current_app.view_functions.get(request.url_rule.endpoint) if request.url_rule is not None else None
    raised = getattr(view, "large_body", None)
    if raised is not None:
        key, before_login = raised
        if before_login or _logged_in():
            return config[key] + FORM_ROOM
    return config["MAX_CONTENT_LENGTH"]


def _logged_in() -> bool:
    from flask_login import current_user

    return current_user.is_authenticated


class TradingRequest(Request):
    """Flask's request, with the per-view size limit and in-memory file parts for the sealing form."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return None
        return body_limit(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if self.url_rule is not None and self.url_rule.endpoint == SEAL_ENDPOINT:
            if total_content_length is None or total_content_length > self.max_content_length:
                raise RequestEntityTooLarge()
            return io.BytesIO()
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)
