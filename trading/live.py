"""The live channel: events that pages follow as they happen (Server-Sent Events, ``web/live.py``), across processes.

``ctx.live`` (a ``Live``) is built by the factory from the configuration: under ``make run`` and the tests
(``TRADING_JOBS=inline``) its backend is this process's memory; under ``make serve`` (``TRADING_JOBS=rq``, or
``TRADING_LIVE=redis``) it is a Redis stream per channel at ``TRADING_REDIS_URL``, so an event published by the job
worker or by one gunicorn process reaches a browser held by any other. Redis streams are chosen over PUBLISH because a
stream is the publication and its backlog in one: a watcher blocks on ``XREAD`` (woken at once by ``XADD``), and one
that reconnects reads what it missed from the same stream.

**Channels.** A name is checked against ``CHANNELS`` before anything reads or writes it (no user text goes into a key
unchecked): ``lot:<id>:opening`` (the opening's progress, shares released, the record written: ``opening_channel``)
``lot:<id>:board`` (the land price board, issue 18: ``board_channel``, ``notify_board``) and ``supervision`` (the
supervisor's dashboard, issue 19: ``lots`` events naming the lots whose state or due acts changed). A new page adds
its pattern there and says what goes over it.

**The supervision channel.** Every change of a lot is an audit entry, so the audit chain is where a lot's change is
noticed: ``services.audit.record`` calls ``lot_changed`` for an entry about a lot, unless the entry is one the
supervisor may not learn of as it happens (a bidder's act, a sign-up, a deposit, a draw's pool: 招标投标法 第二十二条,
``domain/visibility.py``). The lots noted in a transaction are published as one ``lots`` event on ``supervision``
when it commits (nothing if it rolls back), to the live channel of the app in whose context it commits: a request,
a command (``flask chronograph``), a job. A commit outside any app is not announced; the page's polling catches it.

**Events.** ``publish(channel, event, data)`` gives each event an id that increases per channel (in memory ``1``,
``2``, ...; in Redis the stream's ``<ms>-<n>``) and keeps the last ``backlog`` of them. ``subscribe(channel,
last_event_id)`` yields the events after ``last_event_id`` (the browser's ``Last-Event-ID`` on reconnecting: what it
missed, nothing twice), or, without one, those published from now on; ``None`` whenever ``keepalive`` seconds pass
without an event (the web layer writes a comment, so proxies keep an idle connection open and a closed one is found),
and it ends after ``lifetime`` seconds (the browser reconnects with its last id). A reader whose last id has fallen
off the backlog gets a ``reset`` event first: the page fetches its whole state again.

**One reader per channel per process.** Under ``make serve`` (``Live(fanout=True)``, ``TRADING_LIVE_FANOUT``) the
streams of one channel in one gunicorn process do not each block on their own ``XREAD``: a ``Fanout`` reader thread
per channel reads the stream once and wakes the process's subscribers, which take what is after their own last id
from its backlog (a subscriber whose start lies before what the reader holds reads the stream itself until it has
caught up). 200 watchers of a price board in 4 processes make 4 reads per event, not 200. Each open stream still holds
its gunicorn thread (README, "Live pages"). In memory (``make run``, tests) every reader waits on the store's own
condition and no fan-out is needed.

**After the commit.** An event says that something *is* so; publish it only once the change is committed, as jobs are
enqueued (``trading/jobs.py``): the view after its commit (``ctx.live.publish(...)``), a job after its
``committed()`` block. A service, which flushes and never commits, asks for it with ``ctx.live.after_commit(session,
channel, event, data)``: the event goes out when that session commits, and is dropped if it rolls back.

**When Redis is down.** Publishing is best effort: a failed publish is logged and skipped, never an error for the
request or the job that made the change (it is committed already). A stream that cannot start answers 503, so the
browser's EventSource gives up and ``static/js/live.js`` polls the page's JSON instead; a stream that loses Redis
midway ends, and the browser reconnects or falls back the same way. Nothing the law relies on goes over the channel:
every event is a hint to re-read state the database holds (the opening record, the offers, the audit chain), and the
polled JSON shows the same state.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

CHANNELS = (
    re.compile(r"lot:[1-9][0-9]{0,11}:opening"),  # the opening room: progress, releases, the record (opening.js)
    re.compile(r"lot:[1-9][0-9]{0,11}:board"),  # the land/property price board (issue 18): each accepted offer
    re.compile(r"supervision"),  # the supervisor's dashboard (issue 19): the lots whose state or due acts changed
)
SUPERVISION = "supervision"
EVENT_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,39}")
RESET = "reset"  # the reader missed events that fell off the backlog: fetch the whole state again


class LiveUnavailable(Exception):
    """The channel's store cannot be reached (Redis down): the page falls back to polling."""


def check_channel(channel: str) -> str:
    """The channel name if it is one of ``CHANNELS``; else ValueError."""
    if not isinstance(channel, str) or not any(pattern.fullmatch(channel) for pattern in CHANNELS):
        raise ValueError(f"not a live channel: {channel!r}")
    return channel


def check_event(event: str) -> str:
    """The event name if it is a short lower-case word (it goes on an ``event:`` line as it is); else ValueError."""
    if not isinstance(event, str) or not EVENT_NAME.fullmatch(event):
        raise ValueError(f"not an event name: {event!r}")
    return event


def opening_channel(lot_id: int) -> str:
    """The channel of a lot's opening room."""
    return check_channel(f"lot:{int(lot_id)}:opening")


def board_channel(lot_id: int) -> str:
    """The channel of a land or property lot's price board (issue 18)."""
    return check_channel(f"lot:{int(lot_id)}:board")


def notify_board(ctx, lot, event: str = "offer", data: dict | None = None, *, session=None) -> str | None:
    """Tell the watchers of the lot's price board of an accepted offer (or any other change of the board): at once
    (the caller has committed: returns the event's id), or, given the service's ``session``, when it commits. The data
    must be what every watcher may see (竞买号, never a name)."""
    if session is not None:
        ctx.live.after_commit(session, board_channel(lot.id), event, data or {})
        return None
    return ctx.live.publish(board_channel(lot.id), event, data or {})


@dataclass(frozen=True)
class Event:
    """One event of a channel: its id (increasing per channel), name and JSON-ready data."""

    id: str
    event: str
    data: dict


class Live:
    """Publish and follow the events of the live channels (one per platform context: ``ctx.live``)."""

    def __init__(self, backend, *, keepalive: float = 15, lifetime: float = 300, fanout: bool = False):
        self.backend = backend
        self.keepalive = keepalive
        self.lifetime = lifetime
        self.fanout = Fanout(backend, keepalive) if fanout else None  # one reader per channel in this process

    def publish(self, channel: str, event: str, data: dict | None = None) -> str | None:
        """Append an event to the channel (after the commit that made it true); its id, or None when the store
        cannot be reached (best effort: logged, never raised)."""
        check_channel(channel)
        check_event(event)
        text = json.dumps(data or {}, ensure_ascii=False, separators=(",", ":"), default=str)
        try:
            return self.backend.append(channel, event, text)
        except LiveUnavailable as error:
            log.warning("live: %s %s not published (%s)", channel, event, error)
            return None

    def after_commit(self, session, channel: str, event: str, data: dict | None = None) -> None:
        """Publish when ``session`` commits (a service's way of asking); nothing if it rolls back."""
        check_channel(channel)
        check_event(event)
        pending = _pending(session)
        pending.append((self, channel, event, data))

    def last_id(self, channel: str) -> str | None:
        """The id of the channel's latest event (None: none yet, or the store unreachable): a page rendered now
        follows the events after it (``?after=``), so nothing published between the render and the stream is lost."""
        try:
            return self.backend.last_id(check_channel(channel))
        except LiveUnavailable:
            return None

    def resume_point(self, channel: str) -> str:
        """Where a page rendered now follows the channel from (its ``?after=``): the latest event's id, or the
        channel's origin when it has none yet, so that an event published between the render and the stream's
        start is never missed."""
        found = self.last_id(channel)
        if found is not None:
            return found
        origin = self.backend.ORIGIN
        return "-".join(map(str, origin)) if isinstance(origin, tuple) else str(origin)

    def events(self, channel: str, last_event_id: str | None = None) -> list[Event]:
        """What the channel's backlog holds after ``last_event_id`` (by default all of it), without waiting."""
        check_channel(channel)
        after = self.backend.parse_id(last_event_id) if last_event_id else self.backend.ORIGIN
        return self.backend.read(channel, self.backend.start(channel, after)[0], 0)

    def subscribe(self, channel: str, last_event_id: str | None = None, *, lifetime: float | None = None,
                  keepalive: float | None = None) -> Iterator[Event | None]:
        """The events of the channel after ``last_event_id`` (or from now), ``None`` as a keep-alive, until
        ``lifetime`` seconds have passed. The start is read at once: LiveUnavailable here when the store is down."""
        check_channel(channel)
        after = self.backend.parse_id(last_event_id) if last_event_id else None
        start = self.backend.start(channel, after)  # raises LiveUnavailable now, not at the first read
        return self._follow(channel, start, self.lifetime if lifetime is None else lifetime,
                            self.keepalive if keepalive is None else keepalive)

    def _follow(self, channel, start, lifetime: float, keepalive: float) -> Iterator[Event | None]:
        after, gap = start
        if gap:
            yield Event("", RESET, {})
        if self.fanout is not None:
            yield from self.fanout.follow(channel, after, lifetime, keepalive)
            return
        end = time.monotonic() + lifetime
        while (left := end - time.monotonic()) > 0:
            try:
                events = self.backend.read(channel, after, min(keepalive, left))
            except LiveUnavailable as error:
                log.warning("live: %s: the stream ends (%s)", channel, error)
                return
            if not events:
                yield None
                continue
            for event in events:
                after = self.backend.parse_id(event.id)
                yield event


def lot_changed(session, lot_id) -> None:
    """Note that a lot changed in this transaction: its id goes out on the ``supervision`` channel when the session
    commits (``services.audit.record`` calls it; see the module's note on the channel)."""
    from sqlalchemy.orm import scoped_session

    real = session() if isinstance(session, scoped_session) else session
    real.info.setdefault("supervision_lots", set()).add(int(lot_id))


def _publish_changed_lots(session) -> None:
    """After a commit: one ``lots`` event on the supervision channel of the current app, if lots changed."""
    changed = session.info.pop("supervision_lots", None)
    if not changed:
        return
    from flask import current_app, has_app_context

    ctx = current_app.extensions.get("trading") if has_app_context() else None
    if ctx is not None and ctx.live is not None:
        try:
            ctx.live.publish(SUPERVISION, "lots", {"lots": sorted(changed)})
        except Exception:  # the change is committed: an event that cannot go out never undoes it
            log.exception("live: %s not published", SUPERVISION)


def _drop_changed_lots(session, previous) -> None:
    if previous.parent is None:  # the transaction itself rolled back, not a savepoint within it
        session.info.pop("supervision_lots", None)


def listen_for_changed_lots() -> None:
    """Publish the lots each session's commit changed (once per process; ``make_live`` calls it)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    if not sa.event.contains(Session, "after_commit", _publish_changed_lots):
        sa.event.listen(Session, "after_commit", _publish_changed_lots)
        sa.event.listen(Session, "after_soft_rollback", _drop_changed_lots)


def _pending(session) -> list:
    """The events a session publishes when it commits (the listeners are set once per session)."""
    import sqlalchemy as sa

    real = session() if isinstance(session, sa.orm.scoped_session) else session
    if not real.in_transaction():
        real.begin()  # the events belong to this transaction: its rollback drops them
    if "live_pending" not in real.info:
        real.info["live_pending"] = []

        def committed(s):
            pending, s.info["live_pending"] = s.info.get("live_pending", []), []
            for live, channel, event, data in pending:
                try:
                    live.publish(channel, event, data)
                except Exception:  # the change is committed: an event that cannot go out never undoes it
                    log.exception("live: %s %s not published", channel, event)

        def rolled_back(s, previous):
            if previous.parent is None:  # the transaction itself, not a savepoint within it (whose events stay: a
                s.info["live_pending"] = []  # hint too many costs a page one fetch)

        sa.event.listen(real, "after_commit", committed)
        sa.event.listen(real, "after_soft_rollback", rolled_back)
    return real.info["live_pending"]


@dataclass
class _Channel:
    events: deque
    next_id: int = 1
    dropped: int = 0  # the id of the last event that fell off the backlog


@dataclass
class MemoryBackend:
    """The channels in this process's memory (one process: ``make run``, the tests)."""

    ORIGIN = 0  # before the first event
    backlog: int = 200
    _channels: dict = field(default_factory=dict, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def _channel(self, channel: str) -> _Channel:
        if channel not in self._channels:
            self._channels[channel] = _Channel(deque())
        return self._channels[channel]

    @staticmethod
    def parse_id(text: str | None) -> int | None:
        """An event id as the browser sends it back, or None if it is not one of ours."""
        return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 19 else None

    def append(self, channel: str, event: str, data: str) -> str:
        with self._changed:
            state = self._channel(channel)
            state.events.append(Event(str(state.next_id), event, json.loads(data)))
            state.next_id += 1
            while len(state.events) > self.backlog:
                state.dropped = int(state.events.popleft().id)
            self._changed.notify_all()
            return str(state.next_id - 1)

    def last_id(self, channel: str) -> str | None:
        with self._changed:
            state = self._channels.get(channel)
            return str(state.next_id - 1) if state and state.next_id > 1 else None

    def start(self, channel: str, after: int | None) -> tuple[int, bool]:
        with self._changed:
            state = self._channel(channel)
            last = state.next_id - 1
            if after is None:
                return last, False
            if after > last:  # an id from before a restart: from now on, after a reset
                return last, True
            return after, after < state.dropped

    def read(self, channel: str, after: int, timeout: float) -> list[Event]:
        with self._changed:
            state = self._channel(channel)
            self._changed.wait_for(lambda: state.next_id - 1 > after, timeout)
            return [event for event in state.events if int(event.id) > after]


class RedisBackend:
    """The channels as capped Redis streams ``<prefix>:live:<channel>`` (several processes: ``make serve``)."""

    ORIGIN = (0, 0)  # before the first event
    EXPIRE_SECONDS = 86400  # a channel nobody publishes on for a day is dropped with its backlog

    def __init__(self, url: str, prefix: str, backlog: int = 200, wait: float = 15):
        self.url, self.prefix, self.backlog = url, prefix, backlog
        self.socket_timeout = wait + 10  # a blocked read waits ``wait`` at most: a silent server is found after this
        self._redis: Any = None

    @property
    def redis(self):
        """The connection pool (made on first use)."""
        if self._redis is None:
            from redis import Redis

            self._redis = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=self.socket_timeout,
                                         decode_responses=True)
        return self._redis

    def key(self, channel: str) -> str:
        return f"{self.prefix}:live:{channel}"

    @staticmethod
    def parse_id(text: str | None) -> tuple[int, int] | None:
        """A stream id (``<ms>-<n>``) as the browser sends it back, or None if it is not one."""
        if not isinstance(text, str) or not re.fullmatch(r"[0-9]{1,18}-[0-9]{1,18}", text):
            return None
        ms, n = text.split("-")
        return int(ms), int(n)

    @staticmethod
    def _text(stream_id: tuple[int, int]) -> str:
        return f"{stream_id[0]}-{stream_id[1]}"

    def _call(self, method: str, *args, **kwargs):
        from redis import RedisError

        try:
            return getattr(self.redis, method)(*args, **kwargs)
        except RedisError as error:
            raise LiveUnavailable(str(error)) from error

    def append(self, channel: str, event: str, data: str) -> str:
        from redis import RedisError

        key = self.key(channel)
        try:
            pipe = self.redis.pipeline(transaction=True)
            pipe.xadd(key, {"event": event, "data": data}, maxlen=self.backlog, approximate=False)
            pipe.expire(key, self.EXPIRE_SECONDS)
            return pipe.execute()[0]
        except RedisError as error:
            raise LiveUnavailable(str(error)) from error

    def last_id(self, channel: str) -> str | None:
        newest = self._call("xrevrange", self.key(channel), count=1)
        return newest[0][0] if newest else None

    def start(self, channel: str, after: tuple[int, int] | None) -> tuple[tuple[int, int], bool]:
        key = self.key(channel)
        newest = self._call("xrevrange", key, count=1)
        last = self.parse_id(newest[0][0]) if newest else (0, 0)
        if after is None:
            return last, False
        if after > last:  # the stream expired or was deleted since: from now on, after a reset
            return last, True
        if after == self.ORIGIN:  # a page rendered before the channel's first event: all of it, unless trimmed
            return after, self._call("xlen", key) >= self.backlog
        oldest = self._call("xrange", key, count=1)
        # Below the oldest kept event: some fell off the backlog (or, rarely, ``after`` was the last to fall: then the
        # reset costs the page one more fetch, and nothing is lost).
        return after, bool(oldest) and after < self.parse_id(oldest[0][0])

    def read(self, channel: str, after: tuple[int, int], timeout: float) -> list[Event]:
        found = self._call("xread", {self.key(channel): self._text(after)}, count=self.backlog,
                           block=int(timeout * 1000) or None)  # 0 would block for ever: None does not block
        return [Event(stream_id, fields.get("event", "message"), json.loads(fields.get("data") or "{}"))
                for _, entries in found or [] for stream_id, fields in entries]


class _Hub:
    """One channel's reader in this process and the events it has read: every event after ``floor`` up to
    ``newest`` is in ``events`` (oldest first, at most the backlog)."""

    def __init__(self, origin):
        self.changed = threading.Condition()
        self.floor = self.newest = origin
        self.events: deque = deque()  # (parsed id, Event)
        self.followers = 0
        self.failed: LiveUnavailable | None = None

    def after(self, after) -> list[Event]:
        """The events read after ``after`` (the caller holds ``changed`` and knows ``after >= floor``)."""
        found = []
        for stream_id, event in reversed(self.events):
            if stream_id <= after:
                break
            found.append(event)
        return found[::-1]


class Fanout:
    """One reader per channel per process, fanning each event out to the process's subscribers of that channel.

    Without it each open stream makes its own blocking read of the store (one ``XREAD`` and one Redis reply per
    watcher and event); with it a channel's watchers in one gunicorn process share one reader thread, which keeps the
    last ``backlog`` events it read and wakes them on each. A subscriber whose start lies before what the reader holds
    (an older ``Last-Event-ID``, or a watcher so slow that events fell off the reader's backlog) reads the store itself
    until it has caught up, then follows the reader: nothing is skipped and nothing comes twice. The reader starts
    with the channel's first subscriber, stops once it has none (after at most ``wait`` seconds), and rides out a
    short loss of the store (``retries`` attempts a ``pause`` apart, redis-py connecting again); when the store stays
    down it ends its subscribers' streams, as a direct read would, and the browsers reconnect or poll."""

    def __init__(self, backend, wait: float = 15, *, retries: int = 3, pause: float = 0.5, backlog: int | None = None):
        self.backend, self.wait, self.retries, self.pause = backend, wait, retries, pause
        self.backlog = int(backlog or getattr(backend, "backlog", 200))
        self._hubs: dict[str, _Hub] = {}
        self._lock = threading.Lock()

    def readers(self) -> int:
        """How many channels this process reads now (one thread each)."""
        with self._lock:
            return len(self._hubs)

    def follow(self, channel: str, after, lifetime: float, keepalive: float) -> Iterator[Event | None]:
        """The channel's events after ``after`` (a parsed id), ``None`` as a keep-alive, for ``lifetime`` seconds."""
        hub = self._join(channel, after)
        try:
            end = time.monotonic() + lifetime
            while (left := end - time.monotonic()) > 0:
                with hub.changed:
                    behind = after < hub.floor
                    if not behind:
                        if hub.newest <= after and hub.failed is None:
                            hub.changed.wait(min(keepalive, left))
                        behind = after < hub.floor  # the reader's backlog moved past us while we waited
                        events = [] if behind else hub.after(after)
                        failed = hub.failed if not events else None
                if behind:  # read the store until we reach what the reader holds
                    try:
                        events = self.backend.read(channel, after, 0)
                    except LiveUnavailable as error:
                        log.warning("live: %s: the stream ends (%s)", channel, error)
                        return
                    if not events:  # the store no longer has what lies between: the page reloads its state
                        with hub.changed:
                            after = hub.floor
                        yield Event("", RESET, {})
                        continue
                elif failed is not None:
                    log.warning("live: %s: the stream ends (%s)", channel, failed)
                    return
                if not events:
                    yield None
                    continue
                for event in events:
                    after = self.backend.parse_id(event.id)
                    yield event
        finally:
            self._leave(hub)

    def _join(self, channel: str, after) -> _Hub:
        with self._lock:
            hub = self._hubs.get(channel)
            if hub is None:
                hub = self._hubs[channel] = _Hub(after)
                threading.Thread(target=self._read, args=(channel, hub), name=f"live {channel}", daemon=True).start()
            hub.followers += 1
            return hub

    def _leave(self, hub: _Hub) -> None:
        with self._lock:
            hub.followers -= 1

    def _read(self, channel: str, hub: _Hub) -> None:
        """The channel's reader: wait for events after the newest read, hand them to the hub, until nobody follows."""
        failures = 0
        while True:
            with self._lock:
                if hub.followers <= 0:
                    self._hubs.pop(channel, None)
                    return
            try:
                events = self.backend.read(channel, hub.newest, self.wait)
            except LiveUnavailable as error:
                failures += 1
                if failures <= self.retries:
                    time.sleep(self.pause)
                    continue
                with self._lock:  # the next subscriber, once the store is back, starts a new reader
                    if self._hubs.get(channel) is hub:
                        del self._hubs[channel]
                with hub.changed:
                    hub.failed = error
                    hub.changed.notify_all()
                return
            failures = 0
            if not events:
                continue
            with hub.changed:
                for event in events:
                    stream_id = self.backend.parse_id(event.id)
                    hub.events.append((stream_id, event))
                    hub.newest = stream_id
                while len(hub.events) > self.backlog:
                    hub.floor = hub.events.popleft()[0]
                hub.changed.notify_all()


def make_live(config) -> Live:
    """The live channel the configuration asks for: ``LIVE`` "memory" or "redis"; unset, Redis when jobs go to RQ
    (``make serve``), memory otherwise (``make run``, tests)."""
    listen_for_changed_lots()
    kind = config.get("LIVE") or ("redis" if config.get("JOBS") == "rq" else "memory")
    backlog, keepalive = int(config.get("LIVE_BACKLOG", 200)), float(config.get("LIVE_KEEPALIVE_SECONDS", 15))
    if kind == "redis":
        backend = RedisBackend(config["REDIS_URL"], config.get("JOBS_QUEUE", "trading"), backlog, keepalive)
    elif kind == "memory":
        backend = MemoryBackend(backlog)
    else:
        raise RuntimeError(f"LIVE must be 'memory' or 'redis', not {kind!r}")
    fanout = config.get("LIVE_FANOUT")
    return Live(backend, keepalive=keepalive, lifetime=float(config.get("LIVE_LIFETIME_SECONDS", 300)),
                fanout=kind == "redis" if fanout is None else bool(fanout))
