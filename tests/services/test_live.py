"""The live channel (trading/live.py): events in order with increasing ids, a reconnecting reader gets what it missed
and nothing twice, names are checked, an event goes out only after the commit; the same in this process's memory
(`make run`) and in Redis streams (`make serve`), where a publish in one process reaches a reader in another."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from trading import live
from trading.live import RESET, Live, LiveUnavailable, MemoryBackend, RedisBackend, make_live

TEST_REDIS_URL = "redis://127.0.0.1:6379/8"  # apart from `make serve`'s 0 and the job tests' 1
CHANNEL = "lot:7:opening"


def redis_backend(backlog: int) -> RedisBackend:
    """A Redis backend under a prefix of its own; skipped (with the reason) without Redis, except in CI."""
    import redis

    backend = RedisBackend(TEST_REDIS_URL, f"test-{uuid.uuid4().hex}", backlog)
    try:
        backend.redis.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs Redis at {TEST_REDIS_URL}: {error}")
        pytest.skip(f"needs Redis at {TEST_REDIS_URL} (redis-server): {error}")
    return backend


@pytest.fixture(params=["memory", "redis", "memory-fanout", "redis-fanout"])
def channel_store(request):
    """A live channel with a backlog of 5 events, in memory or in Redis, each stream reading the store itself or
    following its process's one reader of the channel (``Fanout``, as ``make serve`` does)."""
    backend = MemoryBackend(5) if request.param.startswith("memory") else redis_backend(5)
    yield Live(backend, keepalive=0.05, lifetime=5, fanout=request.param.endswith("fanout"))
    if request.param.startswith("redis"):
        keys = backend.redis.keys(f"{backend.prefix}:*")
        if keys:
            backend.redis.delete(*keys)


def taken(events, count: int) -> list:
    """The first ``count`` events of a subscription (keep-alives left out), the subscription closed."""
    found = []
    for event in events:
        if event is not None:
            found.append(event)
            if len(found) == count:
                break
    events.close()
    return found


def test_events_come_in_order_with_ids_that_increase(channel_store):
    ids = [channel_store.publish(CHANNEL, "progress", {"done": n, "total": 3}) for n in (1, 2, 3)]
    events = channel_store.events(CHANNEL)
    assert [(e.id, e.event, e.data) for e in events] == [(ids[0], "progress", {"done": 1, "total": 3}),
                                                         (ids[1], "progress", {"done": 2, "total": 3}),
                                                         (ids[2], "progress", {"done": 3, "total": 3})]
    order = [channel_store.backend.parse_id(i) for i in ids]
    assert order == sorted(order) and len(set(order)) == 3
    assert channel_store.last_id(CHANNEL) == ids[-1]
    assert channel_store.events("lot:8:opening") == []  # channels are apart


def test_a_reader_without_an_id_gets_what_is_published_from_now_on(channel_store):
    channel_store.publish(CHANNEL, "share")
    reader = channel_store.subscribe(CHANNEL)
    channel_store.publish(CHANNEL, "opened", {"n": 1})
    assert [(e.event, e.data) for e in taken(reader, 1)] == [("opened", {"n": 1})]


def test_a_reader_that_reconnects_gets_what_it_missed_and_nothing_twice(channel_store):
    first = channel_store.publish(CHANNEL, "share")  # seen, then the browser went away
    missed = [channel_store.publish(CHANNEL, "progress", {"done": n}) for n in (1, 2)]
    again = taken(channel_store.subscribe(CHANNEL, first), 2)  # the browser's Last-Event-ID
    assert [e.id for e in again] == missed
    reader = channel_store.subscribe(CHANNEL, missed[-1])  # and once more, from the last it saw
    latest = channel_store.publish(CHANNEL, "opened")
    assert [e.id for e in taken(reader, 1)] == [latest]


def test_a_reader_whose_last_event_fell_off_the_backlog_is_told_to_reload(channel_store):
    first = channel_store.publish(CHANNEL, "share")
    ids = [channel_store.publish(CHANNEL, "progress", {"done": n}) for n in range(7)]  # the backlog keeps 5
    events = taken(channel_store.subscribe(CHANNEL, first), 6)
    assert events[0].event == RESET  # the page fetches its whole state
    assert [e.id for e in events[1:]] == ids[-5:]


def test_an_id_from_before_a_restart_is_a_reset_and_a_forged_one_is_ignored(channel_store):
    latest = channel_store.publish(CHANNEL, "share")
    future = "99999" if isinstance(channel_store.backend, MemoryBackend) else "99999999999999-0"
    reader = channel_store.subscribe(CHANNEL, future)
    assert [e.event for e in taken(reader, 1)] == [RESET]
    for forged in ("abc", "1\r\nevent: x", "-1", "9" * 40, "1-2-3"):
        reader = channel_store.subscribe(CHANNEL, forged)  # as if none were given: from now on
        newer = channel_store.publish(CHANNEL, "opened")
        assert [e.id for e in taken(reader, 1)] == [newer] and newer != latest


def test_an_idle_subscription_sends_keep_alives_and_ends_at_its_lifetime(channel_store):
    items = list(channel_store.subscribe(CHANNEL, lifetime=0.3, keepalive=0.05))
    assert items and set(items) == {None}  # keep-alives only, then the end: the browser reconnects


@pytest.mark.parametrize("name", ["lot:1:secret", "lot:0:opening", "lot:01:opening", "lot:x:opening",
                                  "lot:1:opening\n", "lot:1:opening:extra", "trading:live:lot:1:opening",
                                  "lot:1234567890123:board", "", "*"])
def test_only_the_known_channels_can_be_used(name):
    channel_store = Live(MemoryBackend())
    for attempt in (lambda: channel_store.publish(name, "share"), lambda: channel_store.subscribe(name),
                    lambda: channel_store.events(name), lambda: live.check_channel(name)):
        with pytest.raises(ValueError):
            attempt()


def test_event_names_are_checked_and_the_reserved_channels_are_named():
    channel_store = Live(MemoryBackend())
    for bad in ("", "Share", "share\ndata: x", "a" * 41):
        with pytest.raises(ValueError):
            channel_store.publish(CHANNEL, bad)
    assert live.opening_channel(5) == "lot:5:opening" and live.board_channel(5) == "lot:5:board"


def test_notify_board_publishes_on_the_lots_board_at_once_or_at_the_commit(ctx, session):
    class Parcel:
        id = 12

    live.notify_board(ctx, Parcel(), "offer", {"paddle": "A07", "price": "1250000.00"})
    live.notify_board(ctx, Parcel(), "offer", {"paddle": "A03", "price": "1260000.00"}, session=session)
    assert [e.data["paddle"] for e in ctx.live.events("lot:12:board")] == ["A07"]
    session.commit()
    assert [(e.event, e.data) for e in ctx.live.events("lot:12:board")] == [
        ("offer", {"paddle": "A07", "price": "1250000.00"}), ("offer", {"paddle": "A03", "price": "1260000.00"})]


def test_a_service_event_goes_out_when_its_session_commits_and_never_after_a_rollback(ctx, session):
    ctx.live.after_commit(session, CHANNEL, "share", {"n": 1})
    assert ctx.live.events(CHANNEL) == []  # flushed, not committed: nothing yet
    session.commit()
    assert [e.data for e in ctx.live.events(CHANNEL)] == [{"n": 1}]
    ctx.live.after_commit(session, CHANNEL, "share", {"n": 2})
    session.rollback()
    session.commit()  # a later commit does not carry the rolled-back event
    assert [e.data for e in ctx.live.events(CHANNEL)] == [{"n": 1}]


def test_the_configuration_picks_the_store():
    assert isinstance(make_live({"JOBS": "inline"}).backend, MemoryBackend)  # make run, the tests
    chosen = make_live({"JOBS": "rq", "REDIS_URL": TEST_REDIS_URL, "JOBS_QUEUE": "q1", "LIVE_BACKLOG": 50})
    assert isinstance(chosen.backend, RedisBackend) and chosen.backend.key(CHANNEL) == "q1:live:lot:7:opening"
    assert chosen.backend.backlog == 50
    assert chosen.fanout is not None, "make serve: one reader per channel per process"
    assert make_live({"JOBS": "inline"}).fanout is None  # make run: the memory store wakes its readers itself
    assert make_live({"JOBS": "rq", "REDIS_URL": TEST_REDIS_URL, "LIVE_FANOUT": False}).fanout is None
    assert isinstance(make_live({"JOBS": "rq", "LIVE": "memory"}).backend, MemoryBackend)
    with pytest.raises(RuntimeError):
        make_live({"LIVE": "kafka"})


def test_with_redis_down_a_publish_is_skipped_and_a_subscription_refused():
    down = Live(RedisBackend("redis://127.0.0.1:1/0", "down"))  # nothing listens on port 1
    assert down.publish(CHANNEL, "share") is None  # best effort: the change is committed, the page polls
    assert down.last_id(CHANNEL) is None
    with pytest.raises(LiveUnavailable):
        down.subscribe(CHANNEL)


PUBLISHER = """
import sys
from trading.live import Live, RedisBackend
live = Live(RedisBackend(sys.argv[1], sys.argv[2]))
for n in range(3):
    print(live.publish("lot:7:opening", "progress", {"done": n, "pid": int(sys.argv[3])}), flush=True)
"""


def test_a_publish_in_another_process_reaches_a_reader_here():
    backend = redis_backend(200)
    reader = Live(backend, keepalive=0.05, lifetime=30).subscribe(CHANNEL)
    try:
        out = subprocess.run([sys.executable, "-c", PUBLISHER, TEST_REDIS_URL, backend.prefix, "4242"],
                             cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))), check=True,
                             capture_output=True, text=True, timeout=60).stdout.split()
        events = taken(reader, 3)
        assert [e.id for e in events] == out
        assert [e.data for e in events] == [{"done": n, "pid": 4242} for n in range(3)]
    finally:
        backend.redis.delete(backend.key(CHANNEL))
