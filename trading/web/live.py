"""A live channel (trading/live.py) served to a browser as Server-Sent Events.

The view that serves a channel decides first who may watch it, by the same policy as the page it belongs to (the
opening room: ``opening.may_follow``; a lot's facts: ``domain/visibility.py``), and only then calls ``stream``: a
forbidden watcher gets that page's 403/404, never a stream. The stream holds no database connection and no app
context while it runs: the request's session is closed when the view returns.

Under ``make serve`` each open stream holds one gunicorn thread (gthread workers) until the browser leaves or the
stream's lifetime ends (the browser then reconnects): ``TRADING_SERVE_THREADS`` sets how many a process has (README,
"Live pages": open pages plus requests in flight). The events come from the process's one reader of the channel
(``live.Fanout``), not from a Redis read of each stream's own.
"""

from __future__ import annotations

import json

from flask import Response, abort, current_app, request

from ..live import Event, LiveUnavailable


def message(event: Event) -> str:
    """One event in the text/event-stream format (the data is one line of JSON)."""
    head = f"id: {event.id}\n" if event.id else ""
    return f"{head}event: {event.event}\ndata: {json.dumps(event.data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def stream(live, channel: str) -> Response:
    """The events of ``channel`` after the browser's ``Last-Event-ID`` (or the page's ``?after=``, the channel's last
    id when it was rendered), keep-alive comments while idle, until the stream's lifetime ends; 503 when the
    channel's store cannot be reached (the page then polls)."""
    last = request.headers.get("Last-Event-ID") or request.args.get("after") or None
    try:
        events = live.subscribe(channel, last)
    except LiveUnavailable:
        abort(503)
    retry = int(current_app.config.get("LIVE_RETRY_MS", 3000))

    def body():
        yield f"retry: {retry}\n: {channel}\n\n"  # sent at once: the browser knows the stream is open
        try:
            for event in events:
                yield ": keep-alive\n\n" if event is None else message(event)
        finally:
            events.close()  # the client went away (the server closes the iterator) or the lifetime ended

    return Response(body(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})
