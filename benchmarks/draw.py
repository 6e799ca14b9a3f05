"""Expert draw: recusal, commitment, ranking and selection over a pool of 100,000 experts, and verification.

This measures the domain work only (trading.domain.drawing): the pool is generated in memory and indexed by
specialty once, as the service's query by specialty would deliver it; the service adds loading the pool from
the database, the audit entries and the calls themselves. The pool spreads 100,000 experts over 60 leaf
specialties of the shipped 2018 catalogue (one to three each), with 20 bidder organisations to recuse
against (some experts employed by them, some declared relatives), suspended, removed and recently drawn
experts, and a same-region rule. The request is 7 experts plus 2 backups over 3 specialties.

One repetition (``p50_ms``) = recusal + supply check + inputs hash + commit + seed + ranking + selection
(the call-down replayed with every expert accepting); ``verify_p50_ms`` = reading the exported JSON record
and verifying it. Each repetition uses a fresh secret and pulse. Prints progress to stderr and, as its last
line, one JSON object with p50_ms, p95_ms, verify_p50_ms, verify_p95_ms, scan_p50_ms (recusal over the
unindexed pool, for comparison) and the sizes. Targets: p50_ms <= 100, verify_p50_ms <= 100.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trading.domain import specialties
from trading.domain.beacon import make_pulse, round_at, time_of
from trading.domain.drawing import (
    CallOutcome,
    DrawRecord,
    Request,
    build_record,
    call_statement,
    call_subject,
    check_supply,
    commit,
    index_pool,
    inputs_hash,
    next_to_call,
    rank,
    recuse,
    seat,
    seed,
    verify,
)
from trading.domain.experts import ExpertRecord

POOL = int(os.environ.get("BENCH_EXPERTS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
SPECIALTIES = 60
BIDDERS = set(range(1, 21))
TENDEREE = 21
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REGIONS = ("421202", "421221", "421222", "421223", "421224", "421281", "420102", "420103", "420106", "420111",
           "420502", "420602", "420802", "421002", "421102", "430102", "430104", "360102", "410102", "500101")


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def leaf_codes(count: int) -> list[str]:
    """``count`` leaf codes spread over the whole 2018 catalogue."""
    catalogue = specialties.load()
    leaves = [s.code for s in catalogue.entries if not catalogue.children(s.code)]
    step = len(leaves) // count
    return leaves[::step][:count]


def make_pool(codes: list[str], rng: random.Random) -> list[ExpertRecord]:
    """The generated pool: mostly eligible, with every kind of conflict sprinkled in."""
    pool = []
    for expert_id in range(1, POOL + 1):
        own = frozenset(rng.sample(codes, rng.choice((1, 1, 2, 3))))
        roll = rng.random()
        employer = (rng.choice(sorted(BIDDERS)) if roll < 0.01 else TENDEREE if roll < 0.012
                    else rng.randrange(100, 5000))
        status = "removed" if roll > 0.995 else "suspended" if roll > 0.985 else "active"
        pool.append(ExpertRecord(
            expert_id, f"专家{expert_id}", own, rng.choice(REGIONS), employer, status,
            NOW + timedelta(days=30) if status == "suspended" else None,
            NOW - timedelta(days=rng.randrange(1, 400)) if rng.random() < 0.1 else None,
            frozenset({rng.choice(sorted(BIDDERS))}) if rng.random() < 0.005 else frozenset(),
        ))
    return pool


def draw_once(index, request: Request, secret: bytes, pulse, gateway: Ed25519PrivateKey) -> tuple:
    """One draw's domain work, timed by the caller: recusal to the seated panel, each call signed by the gateway."""
    eligible, exclusions = recuse(index, request, tenderee_id=TENDEREE, bidder_ids=BIDDERS,
                                  tenderee_region="421200", now=NOW)
    check_supply(eligible, request, "construction.committee_size")
    digest = inputs_hash(request, eligible, exclusions)
    commitment = commit(digest, secret, pulse.round)
    ranking = rank(seed(secret, digest, pulse.output), eligible)
    calls: list[CallOutcome] = []
    while (following := next_to_call(ranking, request, calls)) is not None:
        code, expert_id = following
        at = pulse.time + timedelta(minutes=len(calls) + 1)
        subject = call_subject(commitment.commitment_hash, request.lot_code, len(calls) + 1, expert_id, code)
        signature = gateway.sign(call_statement(subject, "accepted", at))
        calls.append(CallOutcome(expert_id, code, "accepted", at, signature))
    panel = seat(ranking, request, calls)
    assert panel.complete
    return eligible, exclusions, commitment, calls


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    rng = random.Random(20260302)
    codes = leaf_codes(SPECIALTIES)
    log(f"generating {POOL} experts over {len(codes)} specialties ...")
    pool = make_pool(codes, rng)
    began = time.perf_counter()
    index = index_pool(pool)
    log(f"indexed the pool by specialty in {(time.perf_counter() - began) * 1000:.0f} ms (not timed below)")
    request = Request("BENCH-2026-0001-01", ((codes[3], 3, 1), (codes[20], 2, 1), (codes[41], 2, 0)), True,
                      NOW + timedelta(days=3), "3号评标室", 30, "bench")
    key = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    gateway = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    gateway_public = gateway.public_key().public_bytes_raw()
    number = round_at(NOW) + 2
    draw_ms, verify_ms, scan_ms = [], [], []
    sizes = None
    for run in range(RUNS):
        secret = rng.randbytes(32)
        pulse = make_pulse(None, number, time_of(number), key, rng.randbytes)
        began = time.perf_counter()
        eligible, exclusions, commitment, calls = draw_once(index, request, secret, pulse, gateway)
        draw_ms.append((time.perf_counter() - began) * 1000)
        exported = build_record(request, eligible, exclusions, commitment, NOW, pulse, secret, calls,
                                gateway_key=gateway_public).to_json()
        began = time.perf_counter()
        differences = verify(DrawRecord.from_json(exported), key.public_key().public_bytes_raw(), gateway_public)
        verify_ms.append((time.perf_counter() - began) * 1000)
        assert differences == [], differences
        sizes = {code: len(ids) for code, ids in eligible.items()}, len(exclusions), len(exported)
        if run < 5:
            began = time.perf_counter()
            assert recuse(pool, request, tenderee_id=TENDEREE, bidder_ids=BIDDERS, tenderee_region="421200",
                          now=NOW) == (eligible, exclusions)
            scan_ms.append((time.perf_counter() - began) * 1000)
        if run % 10 == 9:
            log(f"{run + 1}/{RUNS}: draw p50 {statistics.median(draw_ms):.1f} ms, "
                f"verify p50 {statistics.median(verify_ms):.1f} ms")
    eligible_sizes, excluded, record_bytes = sizes
    log(f"eligible per specialty {eligible_sizes}, {excluded} excluded, record {record_bytes} bytes")
    print(json.dumps({
        "p50_ms": round(statistics.median(draw_ms), 2), "p95_ms": round(percentile(draw_ms, 0.95), 2),
        "verify_p50_ms": round(statistics.median(verify_ms), 2),
        "verify_p95_ms": round(percentile(verify_ms, 0.95), 2),
        "scan_p50_ms": round(statistics.median(scan_ms), 2),
        "experts": POOL, "specialties": len(codes), "bidders": len(BIDDERS), "runs": RUNS,
        "eligible": sum(eligible_sizes.values()), "excluded": excluded, "record_bytes": record_bytes,
        "target_ms": 100,
    }))


if __name__ == "__main__":
    main()
