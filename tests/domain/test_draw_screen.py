"""What makes the draw fast must not change who is drawn: the recusal screen keeps every expert a reason could
leave out, a draw over the screened pool has the same eligible experts and exclusions as over the whole pool,
and the ranking is the published HMAC-SHA256 (anyone replaying a draw with a standard HMAC gets the same order)."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta

import pytest

from trading.domain.drawing import Request, rank, recuse, screen
from trading.domain.experts import ExpertRecord

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TENDEREE, BIDDERS = 900, {901, 902, 903}
CODES = ("A010101", "A010102", "B0101", "B010101", "C010101")


def request(exclude_same_region: bool, cooldown_days: int = 30) -> Request:
    return Request("HB-2026-001-01", (("A0101", 2, 1), ("B0101", 2, 0), ("B010101", 1, 0)), exclude_same_region,
                   NOW + timedelta(days=3), "3号评标室", cooldown_days, "2026.1")


def parties() -> dict:
    return {"tenderee_id": TENDEREE, "bidder_ids": BIDDERS, "tenderee_region": "421202", "now": NOW}


def screened(pool: list[ExpertRecord], wanted: Request) -> tuple:
    """recuse as the service runs it: full records for the experts the screen keeps, ids for the others."""
    kept = screen(wanted, **parties())
    full = [e for e in pool if kept.keeps(e)]
    cleared = {e.expert_id: e.specialties for e in pool if not kept.keeps(e)}
    return recuse(full, wanted, cleared=cleared, **parties())


@pytest.mark.parametrize("fields", [
    {"status": "removed"},
    {"status": "suspended", "suspended_until": NOW + timedelta(days=1)},
    {"status": "suspended"},
    {"employer_id": TENDEREE},
    {"employer_id": 902},
    {"relatives_of": frozenset({903, 5})},
    {"last_drawn_at": NOW - timedelta(days=29)},
    {"last_drawn_at": NOW - timedelta(days=30, seconds=-1)},
    {"region_code": "421202"},
    {"region_code": "421200"},
])
def test_the_screen_keeps_every_expert_a_reason_leaves_out(fields):
    expert = ExpertRecord(1, "专家1", frozenset({"A010101"}), fields.pop("region_code", "110101"),
                          fields.pop("employer_id", None), **fields)
    eligible, exclusions = recuse([expert], request(True), **parties())
    assert [e.expert_id for e in exclusions] == [1] and screen(request(True), **parties()).keeps(expert)
    assert screened([expert], request(True)) == (eligible, exclusions)


def test_a_draw_over_the_screened_pool_equals_the_draw_over_the_whole_pool():
    rng = random.Random(11)
    regions = ("421202", "421200", "421221", "420100", "110101")
    pool = []
    for expert_id in range(1, 3001):
        pool.append(ExpertRecord(
            expert_id, f"专家{expert_id}", frozenset(rng.sample(CODES, rng.randint(1, 2))), rng.choice(regions),
            rng.choice([None] * 20 + [TENDEREE, 901, 777]),
            rng.choice(["active"] * 30 + ["removed", "suspended"]),
            rng.choice([None, NOW - timedelta(days=2), NOW + timedelta(days=2)]),
            rng.choice([None] * 5 + [NOW - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))]),
            frozenset(rng.choice([(), (), (), (902,), (TENDEREE,), (778,)]))))
    for same_region in (False, True):
        for cooldown in (0, 30):
            wanted = request(same_region, cooldown)
            whole = recuse(pool, wanted, **parties())
            assert screened(pool, wanted) == whole and whole[1]


@pytest.mark.parametrize("length", [1, 32, 64, 65, 200])
def test_ranking_is_hmac_sha256_of_code_and_id_for_any_seed(length):
    seed = bytes(range(length))
    eligible = {"A010101": list(range(1, 400)), "B0101": [7, 3, 12345]}
    expected = {code: sorted(ids, key=lambda i, code=code: (hmac.new(seed, f"{code}|{i}".encode(),
                                                                      hashlib.sha256).digest(), i))
                for code, ids in eligible.items()}
    assert rank(seed, eligible) == expected
