"""The opening's envelope checks on helper processes: the same record as in one process, in order, and a helper
that dies or falls silent never costs a bid (its envelopes are opened here)."""

from __future__ import annotations

import io
import sys

import pytest

from tests.domain.test_envelope import BIDDER, LOT, POSITIONS, Map, Party, flip, make, resign
from trading.domain.sealing import inspect, opener

PRICES = [f"{1000000 + n * 1000}.00" for n in range(10)]


@pytest.fixture(scope="module")
def keys() -> Party:
    return Party()


@pytest.fixture
def jobs(keys, tmp_path) -> list[opener.Job]:
    """Ten stored envelopes: eight sound (one of them in format v1, stored before v2), one forged by its bidder (a
    bad chunk under a fresh signature, which the upload check cannot see), and one whose file is missing (the
    platform's fault)."""
    made = []
    for n, price in enumerate(PRICES):
        data, result = make(keys, form={"price": price, "duration": "90日历天", "quality": "合格"},
                            version=1 if n == 5 else None)
        manifest_hash = result.manifest_hash
        if n == 3:
            where = Map(data)
            changed = flip(data, POSITIONS["middle document chunk"](where))
            data = resign(keys, data, body=changed[where.header_len:where.trailer])
            manifest_hash = inspect(io.BytesIO(data)).manifest_hash
        path = tmp_path / f"bid{n}"
        if n != 7:
            path.write_bytes(data)
        made.append(opener.Job(str(path), BIDDER, manifest_hash))
    return made


class Counting(opener._Helper):
    """A real helper that counts the envelopes it was given."""

    given = 0

    def give(self, n, job):
        Counting.given += 1
        super().give(n, job)


def test_helpers_give_the_record_this_process_gives_in_the_order_of_the_bids(keys, jobs):
    with opener.Helpers(0) as alone:
        here = alone.check_all(jobs, keys.lot, LOT)
    Counting.given = 0
    with opener.Helpers(1, start=Counting) as helped:
        shared = helped.check_all(jobs, keys.lot, LOT)
    assert Counting.given > 0  # the helper opened some of them
    assert shared == here
    assert [r["status"] for r in here] == ["opened"] * 3 + ["revoked"] + ["opened"] * 3 + ["withdrawn"] + \
        ["opened"] * 2
    assert [r["price"] for r in here if r["status"] == "opened"] == [p for n, p in enumerate(PRICES) if n not in (3, 7)]
    assert here[0]["duration"] == "90日历天" and here[0]["fields"] == {"quality": "合格"}
    assert here[3]["rule"] == "electronic.decryption_failure" and "tag" in here[3]["reason"]


def test_a_helper_that_dies_leaves_its_envelopes_to_this_process(keys, jobs):
    with opener.Helpers(0) as alone:
        here = alone.check_all(jobs, keys.lot, LOT)
    dies = [sys.executable, "-c", "import sys; sys.stdin.readline(); sys.stdin.readline()"]  # takes one, then exits
    with opener.Helpers(1, start=lambda: opener._Helper(dies)) as helped:
        assert helped.check_all(jobs, keys.lot, LOT) == here
        assert helped.running == []


def test_a_silent_helper_is_stopped_and_its_envelopes_opened_here(keys, jobs, monkeypatch):
    monkeypatch.setattr(opener, "SILENCE_S", 0.3)
    with opener.Helpers(0) as alone:
        here = alone.check_all(jobs, keys.lot, LOT)
    silent = [sys.executable, "-c", "import time; time.sleep(60)"]
    with opener.Helpers(1, start=lambda: opener._Helper(silent)) as helped:
        helper = helped.running[0]
        assert helped.check_all(jobs, keys.lot, LOT) == here
    assert helper.process.returncode is not None  # killed, not left running


def test_the_opening_tells_its_progress_as_it_goes_and_all_done_at_the_end(keys, jobs, monkeypatch):
    monkeypatch.setattr(opener, "PROGRESS_S", 0)  # tell after every envelope
    told = []
    with opener.Helpers(1) as helped:
        helped.check_all(jobs, keys.lot, LOT, progress=lambda done, total: told.append((done, total)))
    assert told[-1] == (len(jobs), len(jobs)) and all(total == len(jobs) for _, total in told)
    assert [done for done, _ in told] == sorted(done for done, _ in told)  # never backwards
