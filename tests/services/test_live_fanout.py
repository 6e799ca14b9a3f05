"""One reader per channel per process (trading/live.py ``Fanout``), as ``make serve`` follows a lot's price board: many
watchers of one channel share one blocking read of the store, each still gets every event after its own start, in
order and once, whether it starts before, during or after a burst of events, reconnects with an older id, or falls
behind the reader's backlog; the reader rides out a short loss of the store, ends its streams when the store stays
down, is started anew once it is back, and stops when nobody follows."""

from __future__ import annotations

import threading
import time

from tests.services.test_live import redis_backend
from trading.live import Fanout, Live, LiveUnavailable, MemoryBackend

CHANNEL = "lot:7:board"


class Counting:
    """A store that counts its blocking reads and, while ``down`` is set, cannot be reached."""

    def __init__(self, backend):
        self.inner, self.blocking_reads, self.down = backend, 0, False
        self.ORIGIN, self.parse_id, self.backlog = backend.ORIGIN, backend.parse_id, backend.backlog

    def _check(self):
        if self.down:
            raise LiveUnavailable("connection refused")

    def append(self, *args):
        return self.inner.append(*args)

    def last_id(self, channel):
        self._check()
        return self.inner.last_id(channel)

    def start(self, channel, after):
        self._check()
        return self.inner.start(channel, after)

    def read(self, channel, after, timeout):
        self._check()
        if timeout:
            self.blocking_reads += 1
        return self.inner.read(channel, after, timeout)


def follow(live, results, index, after=None, count=0, started=None):
    """Subscribe (from ``after`` or from now) and note the data of the first ``count`` events."""
    events = live.subscribe(CHANNEL, after)
    if started is not None:
        started.release()
    seen = []
    for event in events:
        if event is not None:
            seen.append(event)
            if len(seen) == count:
                break
    events.close()
    results[index] = seen


def test_many_watchers_share_one_read_and_each_gets_every_event_once_in_order():
    store = Counting(MemoryBackend(500))
    live = Live(store, keepalive=0.05, lifetime=30, fanout=True)
    results, started = {}, threading.Semaphore(0)
    watchers = [threading.Thread(target=follow, args=(live, results, i, None, 40, started)) for i in range(60)]
    for thread in watchers:
        thread.start()
    for _ in watchers:
        started.acquire()  # each has its start point: the events from here on are its
    time.sleep(0.1)
    sent = [live.publish(CHANNEL, "board", {"n": n}) for n in range(40)]
    for thread in watchers:
        thread.join(20)
    assert all(not thread.is_alive() for thread in watchers)
    assert all([e.id for e in seen] == sent for seen in results.values()) and len(results) == 60
    assert store.blocking_reads < 60 * 5, "one reader for the channel, not one blocking read per watcher and event"
    time.sleep(0.3)
    assert live.fanout.readers() == 0, "the reader stops once nobody follows"


def test_watchers_that_start_while_events_pour_in_miss_none_and_get_none_twice():
    live = Live(MemoryBackend(1000), keepalive=0.05, lifetime=30, fanout=True)
    total, results, points = 300, {}, {}
    done = threading.Event()

    def publish():
        for n in range(total):
            live.publish(CHANNEL, "board", {"n": n})
            if n % 10 == 0:
                time.sleep(0.002)
        done.set()

    def late(index):
        time.sleep(index * 0.004)
        point = live.resume_point(CHANNEL)  # as a page rendered now: its ?after=
        points[index] = int(point)
        if int(point) < total:
            follow(live, results, index, point, total - int(point))
        else:  # came after the last event: nothing to wait for
            results[index] = []

    publisher = threading.Thread(target=publish)
    watchers = [threading.Thread(target=late, args=(i,)) for i in range(40)]
    for thread in [publisher, *watchers]:
        thread.start()
    for thread in [publisher, *watchers]:
        thread.join(30)
    assert done.is_set() and len(results) == 40
    for index, seen in results.items():
        assert [e.data["n"] for e in seen] == list(range(points[index], total)), index


def test_a_watcher_that_reconnects_with_an_older_id_reads_the_gap_from_the_store_then_follows_the_reader():
    live = Live(MemoryBackend(100), keepalive=0.05, lifetime=30, fanout=True)
    first = live.publish(CHANNEL, "board", {"n": 0})
    results = {}
    ahead = threading.Thread(target=follow, args=(live, results, "ahead", None, 3))
    ahead.start()
    time.sleep(0.1)  # the reader runs from here
    sent = [live.publish(CHANNEL, "board", {"n": n}) for n in (1, 2)]
    time.sleep(0.1)
    behind = threading.Thread(target=follow, args=(live, results, "behind", first, 3))  # its Last-Event-ID
    behind.start()
    time.sleep(0.1)
    sent.append(live.publish(CHANNEL, "board", {"n": 3}))
    for thread in (ahead, behind):
        thread.join(10)
    assert [e.id for e in results["ahead"]] == sent
    assert [e.id for e in results["behind"]] == sent  # 1 and 2 from the store, 3 from the reader


def test_a_slow_watcher_fallen_off_the_readers_backlog_catches_up_from_the_store():
    backend = MemoryBackend(100)
    live = Live(backend, keepalive=0.05, lifetime=30)
    live.fanout = Fanout(backend, 0.05, backlog=5)  # the reader keeps 5, the store 100
    slow = live.subscribe(CHANNEL)
    fast_results = {}
    fast = threading.Thread(target=follow, args=(live, fast_results, "fast", None, 12))
    fast.start()
    time.sleep(0.1)
    assert next(slow) is None  # slow has joined and idles
    sent = [live.publish(CHANNEL, "board", {"n": n}) for n in range(12)]
    fast.join(10)
    time.sleep(0.1)  # the reader has moved 7 events past slow's place
    got = []
    for event in slow:
        if event is not None:
            got.append(event.id)
            if len(got) == 12:
                break
    slow.close()
    assert got == sent and [e.id for e in fast_results["fast"]] == sent


def test_the_reader_rides_out_a_short_loss_of_the_store():
    store = Counting(MemoryBackend(100))
    live = Live(store, keepalive=0.05, lifetime=30)
    live.fanout = Fanout(store, 0.05, retries=5, pause=0.05)
    results = {}
    watcher = threading.Thread(target=follow, args=(live, results, 0, None, 2))
    watcher.start()
    time.sleep(0.1)
    sent = [live.publish(CHANNEL, "board", {"n": 0})]
    store.down = True  # the reader's next reads fail, then the store is back
    time.sleep(0.12)
    store.down = False
    sent.append(live.publish(CHANNEL, "board", {"n": 1}))
    watcher.join(10)
    assert [e.id for e in results[0]] == sent


def test_when_the_store_stays_down_the_streams_end_and_a_new_reader_starts_once_it_is_back():
    store = Counting(MemoryBackend(100))
    live = Live(store, keepalive=0.05, lifetime=30)
    live.fanout = Fanout(store, 0.05, retries=2, pause=0.02)
    streams = [live.subscribe(CHANNEL) for _ in range(3)]
    assert [next(s) for s in streams] == [None] * 3  # joined, idle
    store.down = True
    ended = []
    for stream in streams:
        ended.append([item for item in stream])  # the stream ends (the browser reconnects or polls)
    assert all(item is None for items in ended for item in items)
    assert live.fanout.readers() == 0
    store.down = False
    results = {}
    again = threading.Thread(target=follow, args=(live, results, 0, None, 1))
    again.start()
    time.sleep(0.1)
    sent = live.publish(CHANNEL, "board", {"n": 1})
    again.join(10)
    assert [e.id for e in results[0]] == [sent]


def test_a_watcher_behind_both_backlogs_gets_what_the_store_kept_as_a_direct_read_would():
    backend = MemoryBackend(3)
    live = Live(backend, keepalive=0.05, lifetime=30)
    live.fanout = Fanout(backend, 0.05, backlog=3)
    slow = live.subscribe(CHANNEL)
    assert next(slow) is None
    sent = [live.publish(CHANNEL, "board", {"n": n}) for n in range(8)]  # both keep the last 3 only
    time.sleep(0.1)
    got = []
    for event in slow:
        if event is not None:
            got.append(event.id)
            if len(got) == 3:
                break
    slow.close()
    assert got == sent[-3:]


def test_many_watchers_on_redis_share_one_reader_per_process():
    backend = redis_backend(200)
    live = Live(backend, keepalive=0.2, lifetime=30, fanout=True)
    try:
        results, started = {}, threading.Semaphore(0)
        watchers = [threading.Thread(target=follow, args=(live, results, i, None, 30, started)) for i in range(50)]
        for thread in watchers:
            thread.start()
        for _ in watchers:
            started.acquire()
        publisher = Live(redis_backend(200).__class__(backend.url, backend.prefix))  # another process's connection
        sent = [publisher.publish(CHANNEL, "board", {"n": n}) for n in range(30)]
        for thread in watchers:
            thread.join(20)
        assert len(results) == 50 and all([e.id for e in seen] == sent for seen in results.values())
        assert live.fanout.readers() <= 1
    finally:
        backend.redis.delete(backend.key(CHANNEL))
