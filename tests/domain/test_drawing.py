"""The expert draw: recusal, supply check, commitment, seed and ranking, call-down, the record and its verifier."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trading.domain import drawing
from trading.domain.beacon import make_pulse, public_key_of, round_at, time_of
from trading.domain.drawing import (
    REASONS,
    CallOutcome,
    DrawRecord,
    Exclusion,
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
    tie_cutoff,
    verify,
)
from trading.domain.drawing.cli import main
from trading.domain.errors import DomainError
from trading.domain.experts import ExpertRecord

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TENDEREE, BIDDERS = 900, {901, 902, 903}
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
GATEWAY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
GATEWAY_PUBLIC = GATEWAY.public_key().public_bytes_raw()
SECRET = hashlib.sha256(b"test secret").digest()
CODES = ("A010101", "B010101", "C010101")


def expert(expert_id: int, *codes: str, **fields) -> ExpertRecord:
    """An active expert in region 110101 with these specialties."""
    return ExpertRecord(expert_id, f"专家{expert_id}", frozenset(codes or ("A010101",)),
                        fields.pop("region_code", "110101"), fields.pop("employer_id", None), **fields)


def make_request(*needs, exclude_same_region=False, cooldown_days=30) -> Request:
    """A request for these (code, count, backups)."""
    return Request("HB-2026-001-01", tuple(needs or (("A010101", 3, 1), ("B010101", 2, 1))), exclude_same_region,
                   NOW + timedelta(days=3), "咸宁市公共资源交易中心 3号评标室", cooldown_days, "2026.1")


def big_pool() -> list[ExpertRecord]:
    """40 experts over three specialties, a few of them conflicted."""
    pool = [expert(i, CODES[i % 3]) for i in range(1, 41)]
    pool[0] = expert(1, "A010101", employer_id=901)
    pool[1] = expert(2, "B010101", relatives_of=frozenset({902}))
    pool[2] = expert(3, "C010101", status="suspended", suspended_until=NOW + timedelta(days=10))
    return pool


def do_recuse(pool, request, **overrides):
    """recuse with the test's tenderee, bidders, region and time."""
    args = {"tenderee_id": TENDEREE, "bidder_ids": BIDDERS, "tenderee_region": "421200", "now": NOW, **overrides}
    return recuse(pool, request, **args)


def run_draw(request=None, pool=None, declines=frozenset()) -> DrawRecord:
    """A whole draw: recusal, supply check, commitment, pulse, ranking, calls down the ranking, record."""
    request = request or make_request()
    eligible, exclusions = do_recuse(pool or big_pool(), request)
    check_supply(eligible, request, "construction.committee_size")
    digest = inputs_hash(request, eligible, exclusions)
    number = round_at(NOW) + 2
    commitment = commit(digest, SECRET, number)
    pulse = make_pulse(None, number, time_of(number), KEY, lambda size: b"\x5a" * size)
    ranking = rank(seed(SECRET, digest, pulse.output), eligible)
    calls: list[CallOutcome] = []
    while (following := next_to_call(ranking, request, calls)) is not None:
        code, expert_id = following
        outcome = "declined" if expert_id in declines else "accepted"
        at = pulse.time + timedelta(minutes=len(calls) + 1)
        subject = call_subject(commitment.commitment_hash, request.lot_code, len(calls) + 1, expert_id, code)
        calls.append(CallOutcome(expert_id, code, outcome, at, GATEWAY.sign(call_statement(subject, outcome, at))))
    return build_record(request, eligible, exclusions, commitment, NOW, pulse, SECRET, calls, GATEWAY_PUBLIC)


# -- recusal --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("fields", "reason", "detail"),
    [
        ({"status": "removed"}, "removed", ""),
        ({"status": "suspended", "suspended_until": NOW + timedelta(days=1)}, "suspended", "2026-03-03"),
        ({"status": "suspended"}, "suspended", "indefinite"),
        ({"employer_id": TENDEREE}, "works_for_tenderee", "900"),
        ({"employer_id": 902}, "works_for_bidder", "902"),
        ({"relatives_of": frozenset({903, 5})}, "relative_of_bidder", "903"),
        ({"last_drawn_at": NOW - timedelta(days=29)}, "recently_drawn", "2026-02-01"),
        ({"region_code": "421202"}, "same_region", "421202"),
    ],
)
def test_each_recusal_reason(fields, reason, detail):
    """Each reason excludes the expert and is recorded with a detail; the others stay eligible."""
    pool = [expert(1, **fields), expert(2), expert(3, region_code="110101")]
    eligible, exclusions = do_recuse(pool, make_request(("A010101", 1, 0), exclude_same_region=True))
    assert eligible == {"A010101": [2, 3]}
    (only,) = exclusions
    assert (only.expert_id, only.reason_code) == (1, reason) and detail in only.detail
    assert reason in REASONS


def test_not_excluded_when_the_condition_does_not_hold():
    """Cooldown over, suspension over, other organisations, same region not asked: eligible."""
    pool = [expert(1, last_drawn_at=NOW - timedelta(days=30)), expert(2, status="suspended", suspended_until=NOW),
            expert(3, employer_id=777, relatives_of=frozenset({778})), expert(4, region_code="421202"),
            expert(5, last_drawn_at=NOW - timedelta(days=1))]
    eligible, exclusions = do_recuse(pool, make_request(("A010101", 1, 0), cooldown_days=0))
    assert eligible == {"A010101": [1, 2, 3, 4, 5]} and exclusions == []


def test_same_region_both_ways():
    """An expert registered at the prefecture is in the same region as a county tenderee, and the other way."""
    pool = [expert(1, region_code="421200"), expert(2, region_code="421202"), expert(3, region_code="421221")]
    request = make_request(("A010101", 1, 0), exclude_same_region=True)
    _, county = do_recuse(pool, request, tenderee_region="421202")
    assert [(e.expert_id, e.reason_code) for e in county] == [(1, "same_region"), (2, "same_region")]
    _, city = do_recuse(pool, request, tenderee_region="421200")
    assert [e.expert_id for e in city] == [1, 2, 3]


def test_same_region_needs_the_tenderee_region():
    """Asking for the same-region rule without the tenderee's region is refused."""
    with pytest.raises(DomainError) as caught:
        do_recuse([expert(1)], make_request(("A010101", 1, 0), exclude_same_region=True), tenderee_region=None)
    assert caught.value.field == "exclude_same_region"


def test_first_reason_wins_and_other_specialties_are_not_listed():
    """A removed employee of a bidder is listed once, as removed; experts of other specialties are not listed."""
    pool = [expert(1, status="removed", employer_id=901), expert(2, "C010101", employer_id=901), expert(3)]
    eligible, exclusions = do_recuse(pool, make_request(("A010101", 1, 0)))
    assert exclusions == [Exclusion(1, "removed", "")] and eligible == {"A010101": [3]}


def test_specialty_matching_and_multi_specialty_rule():
    """Codes under a requested code qualify; an expert matching several goes to the closest, then the first asked."""
    pool = [expert(1, "A010101"), expert(2, "A010102"), expert(3, "A010101", "B010101"),
            expert(4, "B010101", "A010102"), expert(5, "A01"), expert(6, "C010101")]
    eligible, _ = do_recuse(pool, make_request(("A0101", 1, 0), ("A010101", 1, 0), ("B010101", 1, 0)))
    assert eligible == {"A0101": [2], "A010101": [1, 3], "B010101": [4]}
    eligible, _ = do_recuse(pool, make_request(("B010101", 1, 0), ("A01", 1, 0)))
    assert eligible == {"B010101": [3, 4], "A01": [1, 2, 5]}
    assert sum(len(ids) for ids in eligible.values()) == len({i for ids in eligible.values() for i in ids})


def test_index_gives_the_same_result_as_the_list():
    """recuse over index_pool(pool) equals recuse over the pool, whatever the pool's order."""
    pool = big_pool() + [expert(100, "A010101", "C010101"), expert(101, "A0201")]
    request = make_request(("A0101", 2, 1), ("C010101", 1, 1))
    shuffled = pool[:]
    random.Random(7).shuffle(shuffled)
    assert do_recuse(pool, request) == do_recuse(index_pool(shuffled), request) == do_recuse(shuffled, request)


# -- supply and request ---------------------------------------------------------------------------

def test_shortage_names_the_specialty_and_the_number():
    """Too few eligible experts is refused, with the rule, the specialty and how many are missing."""
    request = make_request(("A010101", 5, 2), ("B010101", 2, 1), ("C010101", 12, 2))
    eligible, _ = do_recuse(big_pool(), request)
    with pytest.raises(DomainError) as caught:
        check_supply(eligible, request, "procurement.committee_size")
    error = caught.value
    assert error.rule == "procurement.committee_size" and error.field == "specialties"
    assert (error.params["code"], error.params["short"]) == ("C010101", 2)
    assert error.params["shortages"] == [{"code": "C010101", "needed": 14, "available": 12, "short": 2}]
    assert "C010101: 14 needed, 12 eligible, short by 2" in str(error)
    check_supply(eligible, make_request(("C010101", 12, 0)), "construction.committee_size")


@pytest.mark.parametrize("needs", [(), (("A010101", 0, 1),), (("A010101", 2, -1),), (("X01", 1, 0),),
                                   (("A010101", 1, 0), ("a010101", 1, 0))])
def test_bad_requests_are_refused(needs):
    """No specialty, no seat, negative backups, a code that is not one, or a repeated specialty."""
    with pytest.raises(DomainError):
        Request("L", needs, False, NOW, "room", 30, "v")


# -- hash, commitment, seed, ranking --------------------------------------------------------------

def test_inputs_hash_is_canonical_and_covers_everything():
    """Independent of list order; changed by the request, the pool or an exclusion."""
    request = make_request()
    eligible = {"A010101": [3, 1, 2], "B010101": [5, 4]}
    exclusions = [Exclusion(9, "removed", ""), Exclusion(7, "works_for_bidder", "organisation 901")]
    digest = inputs_hash(request, eligible, exclusions)
    assert digest == inputs_hash(request, {"A010101": [1, 2, 3], "B010101": [4, 5]}, exclusions[::-1])
    assert digest != inputs_hash(make_request(("A010101", 3, 0), ("B010101", 2, 1)), eligible, exclusions)
    assert digest != inputs_hash(request, {"A010101": [1, 2], "B010101": [3, 4, 5]}, exclusions)
    assert digest != inputs_hash(request, eligible, exclusions[:1])


def test_commitment():
    """The commitment holds the secret's hash, the inputs hash and the round; the secret must be 32 bytes."""
    digest = "ab" * 32
    commitment = commit(digest, SECRET, 123)
    assert commitment.secret_hash == hashlib.sha256(SECRET).hexdigest()
    assert (commitment.inputs_hash, commitment.beacon_round) == (digest, 123)
    assert commitment.commitment_hash != commit(digest, SECRET, 124).commitment_hash
    with pytest.raises(ValueError):
        commit(digest, b"short", 123)


def test_seed_and_ranking_are_as_documented():
    """seed = HMAC(secret, inputs || pulse); rank by HMAC(seed, code|id) then id."""
    digest, output = "cd" * 32, b"\x01" * 64
    drawn = seed(SECRET, digest, output)
    assert drawn == hmac.new(SECRET, bytes.fromhex(digest) + output, hashlib.sha256).digest()
    ids = list(range(1, 30))
    expected = sorted(ids, key=lambda i: hmac.new(drawn, f"A010101|{i}".encode(), hashlib.sha256).digest())
    assert rank(drawn, {"A010101": ids}) == {"A010101": expected}


def test_ranking_is_independent_of_order_and_deterministic():
    """The pool's order does not matter; the same secret and pulse give the same ranking; another secret not."""
    ids = list(range(1000, 1200))
    drawn = seed(SECRET, "ef" * 32, b"\x02" * 64)
    reversed_ids = ids[::-1]
    random.Random(3).shuffle(reversed_ids)
    assert rank(drawn, {"B010101": ids}) == rank(drawn, {"B010101": reversed_ids})
    assert rank(drawn, {"B010101": ids}) == rank(seed(SECRET, "ef" * 32, b"\x02" * 64), {"B010101": ids})
    assert rank(drawn, {"B010101": ids}) != rank(seed(bytes(32), "ef" * 32, b"\x02" * 64), {"B010101": ids})
    assert run_draw() == run_draw()


# -- calls ----------------------------------------------------------------------------------------

RANKING = {"A010101": [7, 4, 9, 1, 5], "B010101": [8, 2, 6]}
REQUEST = make_request(("A010101", 2, 1), ("B010101", 1, 0))


def calls(*spec: tuple[int, str, str]) -> list[CallOutcome]:
    """Calls a minute apart."""
    return [CallOutcome(i, code, outcome, NOW + timedelta(minutes=n)) for n, (i, code, outcome) in enumerate(spec)]


def test_seat_members_backups_and_next_call():
    """Declines move down the ranking; the first `count` acceptances are members, then backups."""
    made = calls((7, "A010101", "accepted"), (4, "A010101", "declined"), (9, "A010101", "no_answer"),
                 (1, "A010101", "accepted"))
    panel = seat(RANKING, REQUEST, made)
    assert [(s.expert_id, s.backup, s.position) for s in panel.seats] == [(7, False, 1), (1, False, 4)]
    assert panel.open == {"A010101": 1, "B010101": 1} and not panel.complete
    assert next_to_call(RANKING, REQUEST, made) == ("A010101", 5)
    made += calls((5, "A010101", "accepted"), (8, "B010101", "conflict"), (2, "B010101", "accepted"))
    made = [CallOutcome(c.expert_id, c.specialty, c.outcome, NOW + timedelta(minutes=n)) for n, c in enumerate(made)]
    panel = seat(RANKING, REQUEST, made)
    assert panel.complete and [s.backup for s in panel.seats] == [False, False, True, False]
    assert next_to_call(RANKING, REQUEST, made) is None


def test_exhausted_ranking():
    """When a specialty's ranking runs out with seats open, it is exhausted and nobody more is called for it."""
    made = calls(*[(i, "B010101", "declined") for i in RANKING["B010101"]])
    panel = seat(RANKING, REQUEST, made)
    assert panel.exhausted == ("B010101",) and panel.open["B010101"] == 1
    assert next_to_call(RANKING, REQUEST, made) == ("A010101", 7)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([(4, "A010101", "accepted")], "out of ranking order: the next in the ranking is 7"),
        ([(7, "A010101", "declined"), (7, "A010101", "accepted")], "a second time"),
        ([(8, "B010101", "accepted"), (2, "B010101", "accepted")], "seats are all filled"),
        ([(8, "C010101", "accepted")], "did not ask for"),
        ([(7, "A010101", "maybe")], "unknown outcome"),
    ],
)
def test_calls_out_of_turn_are_refused_naming_them(spec, message):
    """A call out of ranking order, for a full specialty, repeated, or unknown is an error naming it."""
    with pytest.raises(DomainError) as caught:
        seat(RANKING, REQUEST, calls(*spec))
    assert message in str(caught.value) and caught.value.field == "calls"
    assert caught.value.params["expert_id"] == spec[-1][0]


def test_calls_must_be_in_time_order():
    """A call dated before the one ahead of it is refused."""
    made = calls((7, "A010101", "declined"), (8, "B010101", "accepted"))
    made[1] = CallOutcome(8, "B010101", "accepted", NOW - timedelta(minutes=1))
    with pytest.raises(DomainError, match="dated before"):
        seat(RANKING, REQUEST, made)


# -- the record and its verifier ------------------------------------------------------------------

def test_recorded_draw_replays_to_match():
    """A draw with declines fills its panel, survives export and import, and verifies."""
    record = run_draw(declines=frozenset(range(1, 41, 2)))
    assert record.panel.complete
    assert any(c.outcome == "declined" for c in record.calls)
    again = DrawRecord.from_json(record.to_json())
    assert again == record
    assert verify(again) == [] and verify(again, public_key_of(KEY), GATEWAY_PUBLIC) == []
    assert json.loads(record.to_json())["format"] == "trading.draw-record"
    assert drawing.verify is verify and drawing.DrawRecord is DrawRecord  # reachable from drawing


def first_two_calls_of_one_specialty(data: dict) -> tuple[int, int]:
    """Indexes of two consecutive calls for the same specialty."""
    found = next(i for i in range(len(data["calls"]) - 1)
                 if data["calls"][i]["specialty"] == data["calls"][i + 1]["specialty"])
    return found, found + 1


def move_expert(data: dict) -> None:
    """Move one expert of the snapshot to another specialty."""
    moved = data["pool"]["A010101"].pop()
    data["pool"]["B010101"].append(moved)


def swap_calls(data: dict) -> None:
    """Swap two calls (and their times)."""
    a, b = first_two_calls_of_one_specialty(data)
    data["calls"][a], data["calls"][b] = data["calls"][b], data["calls"][a]


def swap_call_experts(data: dict) -> None:
    """Swap who was called in two calls, keeping the times."""
    a, b = first_two_calls_of_one_specialty(data)
    first, second = data["calls"][a], data["calls"][b]
    first["expert_id"], second["expert_id"] = second["expert_id"], first["expert_id"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (move_expert, "inputs hash"),
        (lambda d: d["exclusions"][0].__setitem__(1, "suspended"), "inputs hash"),
        (lambda d: d["exclusions"].pop(0), "inputs hash"),
        (lambda d: d["request"]["specialties"][0].__setitem__(2, 0), "inputs hash"),
        (lambda d: d["pulse"].__setitem__("output", "00" * 64), "pulse: The signature"),
        (lambda d: d["pulse"].__setitem__("round", d["pulse"]["round"] + 1), "pulse: it is of round"),
        (lambda d: d.__setitem__("secret", "11" * 32), "secret: the revealed secret"),
        (lambda d: d.__setitem__("seed", "22" * 32), "seed:"),
        (lambda d: d["ranking"]["A010101"].reverse(), "ranking of A010101"),
        (swap_calls, "calls:"),
        (swap_call_experts, "out of ranking order"),
        (lambda d: d["calls"][-1].__setitem__("outcome", "declined"), "the gateway's signature does not match"),
        (lambda d: d["calls"][-1].__setitem__("at", d["calls"][-1]["at"].replace(":00.", ":01.")),
         "the gateway's signature does not match"),
        (lambda d: d["calls"][0].__setitem__("signature", None), "no gateway signature"),
        (lambda d: d["panel"]["seats"][-1].__setitem__("backup", not d["panel"]["seats"][-1]["backup"]), "panel:"),
        (lambda d: d["panel"]["seats"].pop(0), "panel:"),
        (lambda d: d["commitment"].__setitem__("beacon_round", 1), "commitment hash"),
        (lambda d: d.__setitem__("committed_at", d["pulse"]["time"]), "not after the commitment"),
        (lambda d: d["calls"][0].__setitem__("at", "2026-03-02T09:00:00.000000Z"), "before the pulse"),
    ],
)
def test_any_change_makes_verify_fail_saying_what(change, expected):
    """Changing one thing in the record is caught, and the first message says what."""
    data = json.loads(run_draw(declines=frozenset({4, 5, 7, 8, 13, 14, 16, 17})).to_json())
    change(data)
    differences = verify(DrawRecord.from_json(json.dumps(data)))
    assert differences, "the change went unnoticed"
    assert any(expected in line for line in differences), differences


def test_pinned_beacon_key():
    """With the beacon's own key pinned, a pulse re-signed by another key is refused."""
    record = run_draw()
    impostor = Ed25519PrivateKey.from_private_bytes(bytes(32))
    forged = make_pulse(None, record.pulse.round, record.pulse.time, impostor, lambda size: b"\x5a" * size)
    data = json.loads(record.to_json())
    data["pulse"] = forged.as_dict()
    tampered = DrawRecord.from_json(json.dumps(data))
    assert not any("pulse: The signature" in line for line in verify(tampered))
    assert any("beacon key" in line for line in verify(tampered, public_key_of(KEY)))


def test_malformed_records_are_refused():
    """Another format, a missing field or bad hex is a refusal on the record."""
    good = json.loads(run_draw().to_json())
    for data in ({**good, "version": 99}, {k: v for k, v in good.items() if k != "pulse"}, {**good, "secret": "zz"}):
        with pytest.raises(DomainError) as caught:
            DrawRecord.from_json(json.dumps(data))
        assert caught.value.field == "record"


def test_command_line(tmp_path, capsys):
    """`python -m trading.domain.drawing verify FILE --beacon-key HEX --gateway-key HEX`: MATCH and 0, the
    differences and 1, unreadable 2, no trusted key 3."""
    record = run_draw()
    good = tmp_path / "draw.json"
    good.write_text(record.to_json(), encoding="utf-8")
    keys = ["--beacon-key", public_key_of(KEY).hex(), "--gateway-key", GATEWAY_PUBLIC.hex()]
    done = subprocess.run([sys.executable, "-m", "trading.domain.drawing", "verify", str(good), *keys], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "MATCH"), done.stderr
    data = json.loads(record.to_json())
    data["secret"] = "33" * 32
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert main(["verify", str(bad), *keys]) == 1
    out = capsys.readouterr().out
    assert out.startswith("MISMATCH") and "secret" in out
    assert main(["verify", str(tmp_path / "missing.json"), *keys]) == 2
    assert main(["verify", str(good), "--beacon-key", "nothex", "--gateway-key", GATEWAY_PUBLIC.hex()]) == 2
    assert main(["verify", str(good), "--beacon-key", public_key_of(KEY).hex()]) == 3
    assert "--gateway-key" in capsys.readouterr().err


def test_a_version_1_record_without_signatures_is_read_and_called_unauthenticated(tmp_path, capsys):
    """A record exported before the gateway signed: readable, but its calls are a difference unless the keys are
    explicitly not checked, and then the verifier says the calls are unauthenticated."""
    data = json.loads(run_draw().to_json())
    data["version"] = 1
    del data["gateway_key"]
    for call in data["calls"]:
        del call["signature"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    keys = ["--beacon-key", public_key_of(KEY).hex(), "--gateway-key", GATEWAY_PUBLIC.hex()]
    assert main(["verify", str(old), *keys]) == 1
    assert "unauthenticated" in capsys.readouterr().out
    assert main(["verify", str(old), "--no-key-check"]) == 0
    captured = capsys.readouterr()
    assert "keys not checked" in captured.out and "UNAUTHENTICATED" in captured.err


@pytest.mark.parametrize(
    ("fields", "years", "reason"),
    [
        ({"penalised_on": date(2019, 5, 1)}, None, "penalised"),
        ({"employer_id": 950}, None, "works_for_regulator"),
        ({"ties": frozenset({(901, None)})}, None, "tie_to_bidder"),  # a tie that holds: always
        ({"ties": frozenset({(901, date(2023, 3, 2))})}, 3, "tie_to_bidder"),  # left 3 years ago to the day
        ({"ties": frozenset({(901, date(2023, 3, 1))})}, 3, None),  # a day before the 3 years
        ({"ties": frozenset({(901, date(2025, 3, 2))})}, None, None),  # past ties only count for procurement
        ({"ties": frozenset({(777, None)})}, 3, None),  # not a bidder of this lot
    ],
)
def test_penalised_experts_the_regulators_staff_and_ties_to_a_bidder_are_recused(fields, years, reason):
    """评标委员会和评标方法暂行规定 Art. 12 and 政府采购法实施条例 Art. 9 (``recusal_years``), at the edge of the
    three years."""
    eligible, exclusions = do_recuse([expert(1, **fields), expert(2)], make_request(("A010101", 1, 0)),
                                     regulator_ids=frozenset({950}), recusal_years=years)
    assert [e.reason_code for e in exclusions] == ([reason] if reason else [])
    assert eligible == {"A010101": [2] if reason else [1, 2]}


def test_the_three_years_of_a_tie_count_from_the_draws_beijing_date():
    assert tie_cutoff(NOW, 3) == date(2023, 3, 2) and tie_cutoff(NOW, None) is None
    assert tie_cutoff(datetime(2028, 2, 29, 4, 0, tzinfo=UTC), 3) == date(2025, 2, 28)
