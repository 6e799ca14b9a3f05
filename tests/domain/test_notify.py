"""Automated voice calls to drawn experts: the script, the simulated and keypad gateways, the audio."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from trading import notify
from trading.notify import (
    ACCEPTED,
    CONFLICT,
    DECLINED,
    KEY_PROMPT,
    NO_ANSWER,
    CallEnded,
    CallResult,
    CallScript,
    DictStore,
    KeypadGateway,
    SimulatedGateway,
    VoiceGateway,
    render_audio,
    render_script,
    spoken_time,
    voice,
)

T0 = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 Beijing time
BIDDER = "云南某某建设集团有限公司"


def make_script(**changes) -> CallScript:
    """A call script for a demo lot."""
    fields = {
        "project": "某市第一人民医院门诊综合楼建设工程施工",
        "lot": "第1标段",
        "specialty_name": "房屋建筑工程",
        "evaluation_at": datetime(2026, 3, 25, 1, 30, tzinfo=UTC),  # 09:30 in Beijing
        "place": "市公共资源交易中心3楼第2评标室",
        "centre_name": "某市公共资源交易中心",
        "callback_phone": "0871-63211234",
    }
    fields.update(changes)
    return CallScript(**fields)


# --- the script ---------------------------------------------------------------------------------------------------


def test_script_reads_project_specialty_beijing_time_place_and_keys():
    """The script names the centre, project, lot, specialty, Beijing time, place, secrecy and keys; no bidder."""
    text = render_script(make_script())
    assert text.startswith("您好，这里是某市公共资源交易中心")
    assert "随机抽取" in text
    assert "“某市第一人民医院门诊综合楼建设工程施工”第1标段" in text
    assert "房屋建筑工程" in text
    assert "2026年3月25日上午9时30分" in text
    assert "市公共资源交易中心3楼第2评标室" in text
    assert "评标委员会名单在中标结果确定前保密" in text
    assert "参加请按1，不参加请按2，重听请按3" in text
    assert KEY_PROMPT in text
    assert "如需申请回避请按9" in text
    assert "0871-63211234" in text
    assert BIDDER not in text
    assert "投标人" not in text  # no bidder is named, nor how many there are


def test_script_without_lot_or_callback_phone():
    """A project without lots, and a centre without a callback number, still read well."""
    text = render_script(make_script(lot="", callback_phone=""))
    assert "“某市第一人民医院门诊综合楼建设工程施工”的评标专家" in text
    assert "请拨打" not in text


def test_script_needs_an_aware_time_and_the_main_fields():
    """A naive evaluation time or a blank project, specialty, place or centre is refused."""
    with pytest.raises(ValueError):
        make_script(evaluation_at=datetime(2026, 3, 25, 9, 30))
    for name in ("project", "specialty_name", "place", "centre_name"):
        with pytest.raises(ValueError):
            make_script(**{name: "  "})


@pytest.mark.parametrize(
    ("moment", "spoken"),
    [
        (datetime(2026, 3, 25, 1, 30, tzinfo=UTC), "2026年3月25日上午9时30分"),
        (datetime(2026, 3, 25, 1, 0, tzinfo=UTC), "2026年3月25日上午9时"),
        (datetime(2026, 3, 25, 4, 15, tzinfo=UTC), "2026年3月25日中午12时15分"),
        (datetime(2026, 3, 25, 6, 5, tzinfo=UTC), "2026年3月25日下午2时5分"),
        (datetime(2026, 3, 25, 11, 0, tzinfo=UTC), "2026年3月25日晚上7时"),
        (datetime(2026, 3, 24, 20, 0, tzinfo=UTC), "2026年3月25日凌晨4时"),  # the Beijing date, not the UTC one
        (datetime(2026, 3, 25, 9, 30, tzinfo=timezone(timedelta(hours=8))), "2026年3月25日上午9时30分"),
    ],
)
def test_spoken_time_in_beijing(moment, spoken):
    """Times are read in Beijing time with the part of the day and a 12-hour clock."""
    assert spoken_time(moment) == spoken


# --- the simulated gateway ----------------------------------------------------------------------------------------


def test_gateways_satisfy_the_interface():
    """Both gateways can be used wherever a VoiceGateway is expected."""

    def use(gateway: VoiceGateway) -> CallResult | None:
        """Place a call and poll it an hour later."""
        gateway.place_call("c", "13800000000", "text", T0)
        return gateway.poll("c", T0 + timedelta(hours=1))

    assert use(SimulatedGateway(seed=1)) is not None
    assert use(KeypadGateway()).outcome == NO_ANSWER


def test_simulated_is_deterministic_per_seed_and_call_id():
    """Same seed and call id, same answer and timing; another seed answers differently."""
    ids = [f"draw-7/expert-{i}" for i in range(200)]
    a, b = SimulatedGateway(seed=42), SimulatedGateway(seed=42)
    later = T0 + timedelta(minutes=5)
    for call_id in ids:
        a.place_call(call_id, "13800000000", "text", T0)
    for call_id in reversed(ids):  # order and phone and script do not matter
        b.place_call(call_id, "13999999999", "other text", T0)
    results_a = [a.poll(call_id, later) for call_id in ids]
    assert results_a == [b.poll(call_id, later) for call_id in ids]
    assert all(r is not None for r in results_a)
    other = SimulatedGateway(seed=43)
    assert [other.planned(c, T0) for c in ids] != results_a
    # Placed later, the same call shifts in time but keeps its answer.
    shifted = a.planned(ids[0], T0 + timedelta(hours=2))
    assert (shifted.outcome, shifted.keys) == (results_a[0].outcome, results_a[0].keys)
    assert shifted.finished_at - results_a[0].finished_at == timedelta(hours=2)


def test_simulated_outcome_frequencies_match_the_probabilities():
    """Over 2,000 calls each outcome comes up about as often as its probability says."""
    gateway = SimulatedGateway(seed=2026, p_accept=0.7, p_decline=0.15, p_conflict=0.03)
    n = 2000
    counts = Counter(gateway.planned(f"call-{i}", T0).outcome for i in range(n))
    expected = {ACCEPTED: 0.7, DECLINED: 0.15, CONFLICT: 0.03, NO_ANSWER: 0.12}
    for outcome, p in expected.items():
        sigma = math.sqrt(n * p * (1 - p))
        assert abs(counts[outcome] - n * p) < 4 * sigma, (outcome, counts)
    replays = sum(1 for i in range(n) if gateway.planned(f"call-{i}", T0).keys.startswith("3"))
    assert 0 < replays < n * 0.3


def test_simulated_keys_and_times_are_consistent():
    """Keys end with the deciding key after at most two replays; answered calls pick up after 2-12 s."""
    gateway = SimulatedGateway(seed=5, timeout_seconds=45)
    for i in range(500):
        result = gateway.planned(f"c{i}", T0)
        if result.outcome == NO_ANSWER:
            assert (result.keys, result.answered_at) == ("", None)
            assert result.finished_at == T0 + timedelta(seconds=45)
            continue
        deciding = {ACCEPTED: "1", DECLINED: "2", CONFLICT: "9"}[result.outcome]
        assert result.keys.rstrip(deciding) in ("", "3", "33") and result.keys.endswith(deciding)
        assert T0 + timedelta(seconds=2) <= result.answered_at <= T0 + timedelta(seconds=12)
        assert result.answered_at < result.finished_at


def test_simulated_answers_only_once_the_call_has_ended():
    """Polling before the planned end gives None; at the end, the planned result."""
    gateway = SimulatedGateway(seed=9)
    answered = next(f"c{i}" for i in range(100) if gateway.planned(f"c{i}", T0).outcome == ACCEPTED)
    gateway.place_call(answered, "13800000000", "text", T0)
    planned = gateway.planned(answered, T0)
    assert gateway.poll(answered, T0) is None
    assert gateway.poll(answered, planned.finished_at - timedelta(seconds=1)) is None
    assert gateway.poll(answered, planned.finished_at) == planned


def test_simulated_no_answer_after_the_timeout():
    """A call nobody picks up ends as no_answer exactly at the timeout."""
    gateway = SimulatedGateway(seed=3, p_accept=0, p_decline=0, p_conflict=0, timeout_seconds=30)
    gateway.place_call("c", "13800000000", "text", T0)
    assert gateway.poll("c", T0 + timedelta(seconds=29)) is None
    assert gateway.poll("c", T0 + timedelta(seconds=30)) == CallResult(NO_ANSWER, "", None, T0 + timedelta(seconds=30))


def test_simulated_state_lives_in_the_store():
    """A call placed through one gateway object is polled through another over the same store."""
    store = DictStore()
    SimulatedGateway(seed=11, store=store).place_call("c", "13800000000", "text", T0)
    # Another request, another gateway object, the same store: the same call.
    result = SimulatedGateway(seed=11, store=store).poll("c", T0 + timedelta(minutes=2))
    assert result == SimulatedGateway(seed=11).planned("c", T0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"p_accept": -0.1},
        {"p_decline": 1.5},
        {"p_conflict": float("nan")},
        {"p_accept": 0.8, "p_decline": 0.15, "p_conflict": 0.1},
        {"timeout_seconds": 0},
        {"timeout_seconds": 10},
        {"timeout_seconds": float("inf")},
    ],
)
def test_simulated_refuses_bad_settings(kwargs):
    """Negative, too large or NaN probabilities, a sum over 1 and a bad timeout are refused."""
    with pytest.raises(ValueError):
        SimulatedGateway(seed=1, **kwargs)


def test_simulated_accepts_probabilities_summing_to_one():
    """Probabilities summing to exactly 1 leave no unanswered calls."""
    gateway = SimulatedGateway(seed=1, p_accept=0.7, p_decline=0.2, p_conflict=0.1)
    assert gateway.p_no_answer == pytest.approx(0)
    assert NO_ANSWER not in {gateway.planned(str(i), T0).outcome for i in range(300)}


def test_call_ids_are_unique_and_unknown_calls_refused():
    """A call id is placed once; an unknown id and a naive time are refused."""
    gateway = SimulatedGateway(seed=1)
    gateway.place_call("c", "13800000000", "text", T0)
    with pytest.raises(ValueError):
        gateway.place_call("c", "13800000000", "text", T0)
    with pytest.raises(KeyError):
        gateway.poll("nope", T0)
    with pytest.raises(ValueError):
        gateway.place_call("d", "13800000000", "text", datetime(2026, 3, 20, 10, 0))


# --- the keypad gateway -------------------------------------------------------------------------------------------


def test_keypad_replay_then_accept():
    """Ringing, then 3 (replay), then 1: accepted, each step in its own request over the store."""
    store = DictStore()
    gateway = KeypadGateway(store=store)
    gateway.place_call("c", "13800000000", "您好……", T0)
    call = gateway.call("c", T0 + timedelta(seconds=5))
    assert (call.state, call.keys, call.script, call.result) == ("ringing", "", "您好……", None)
    assert gateway.poll("c", T0 + timedelta(seconds=5)) is None

    # Each press is its own web request: a new gateway over the same store.
    assert KeypadGateway(store=store).press("c", "3", T0 + timedelta(seconds=20)) is None
    call = KeypadGateway(store=store).call("c", T0 + timedelta(seconds=21))
    assert (call.state, call.keys) == ("answered", "3")
    result = KeypadGateway(store=store).press("c", "1", T0 + timedelta(seconds=50))
    assert result == CallResult(ACCEPTED, "31", T0 + timedelta(seconds=20), T0 + timedelta(seconds=50))
    assert KeypadGateway(store=store).poll("c", T0 + timedelta(hours=1)) == result
    assert gateway.call("c", T0 + timedelta(hours=1)).state == "ended"
    with pytest.raises(CallEnded):
        gateway.press("c", "2", T0 + timedelta(seconds=55))


def test_keypad_decline_and_conflict():
    """Pressing 2 declines; pressing 9 declares a conflict."""
    gateway = KeypadGateway()
    gateway.place_call("a", "13800000000", "text", T0)
    gateway.place_call("b", "13800000001", "text", T0)
    gateway.answer("a", T0 + timedelta(seconds=4))
    assert gateway.press("a", "2", T0 + timedelta(seconds=30)) == CallResult(
        DECLINED, "2", T0 + timedelta(seconds=4), T0 + timedelta(seconds=30)
    )
    result = gateway.press("b", "9", T0 + timedelta(seconds=15))
    assert (result.outcome, result.keys, result.answered_at) == (CONFLICT, "9", T0 + timedelta(seconds=15))


def test_keypad_no_press_is_no_answer_after_the_timeout():
    """With no key pressed the call ends as no_answer at the timeout and cannot be answered after."""
    gateway = KeypadGateway(timeout_seconds=60)
    gateway.place_call("c", "13800000000", "text", T0)
    assert gateway.poll("c", T0 + timedelta(seconds=59)) is None
    result = gateway.poll("c", T0 + timedelta(seconds=75))
    assert result == CallResult(NO_ANSWER, "", None, T0 + timedelta(seconds=60))
    assert gateway.poll("c", T0 + timedelta(hours=2)) == result
    with pytest.raises(CallEnded):
        gateway.press("c", "1", T0 + timedelta(seconds=80))


def test_keypad_press_after_the_timeout_is_too_late():
    """A key pressed at the timeout finds the call already over."""
    gateway = KeypadGateway(timeout_seconds=60)
    gateway.place_call("c", "13800000000", "text", T0)
    with pytest.raises(CallEnded):
        gateway.press("c", "1", T0 + timedelta(seconds=60))
    assert gateway.poll("c", T0 + timedelta(seconds=61)).outcome == NO_ANSWER


def test_keypad_answered_but_undecided_times_out_from_the_last_key():
    """After a replay the timeout runs from the last key; undecided, the call ends as no_answer."""
    gateway = KeypadGateway(timeout_seconds=60)
    gateway.place_call("c", "13800000000", "text", T0)
    gateway.press("c", "3", T0 + timedelta(seconds=50))
    assert gateway.poll("c", T0 + timedelta(seconds=100)) is None  # the message is being read again
    result = gateway.poll("c", T0 + timedelta(seconds=200))
    assert result == CallResult(NO_ANSWER, "3", T0 + timedelta(seconds=50), T0 + timedelta(seconds=110))


def test_keypad_hang_up_and_bad_keys():
    """Non-keys are refused, other phone keys recorded and ignored, hanging up ends as no_answer."""
    gateway = KeypadGateway()
    gateway.place_call("c", "13800000000", "text", T0)
    with pytest.raises(ValueError):
        gateway.press("c", "12", T0 + timedelta(seconds=1))
    with pytest.raises(ValueError):
        gateway.press("c", "x", T0 + timedelta(seconds=1))
    assert gateway.press("c", "5", T0 + timedelta(seconds=2)) is None  # a phone key the system ignores
    result = gateway.hang_up("c", T0 + timedelta(seconds=10))
    assert result == CallResult(NO_ANSWER, "5", T0 + timedelta(seconds=2), T0 + timedelta(seconds=10))
    with pytest.raises(ValueError):
        KeypadGateway(timeout_seconds=0)
    with pytest.raises(KeyError):
        gateway.press("nope", "1", T0)


def test_keypad_refuses_time_going_backwards():
    """A press dated before the previous one is refused."""
    gateway = KeypadGateway()
    gateway.place_call("c", "13800000000", "text", T0)
    gateway.press("c", "3", T0 + timedelta(seconds=10))
    with pytest.raises(ValueError):
        gateway.press("c", "1", T0 + timedelta(seconds=5))


def test_store_holds_only_json():
    """Call state and results round-trip through JSON, as a database row would keep them."""
    store = DictStore()
    KeypadGateway(store=store).place_call("c", "13800000000", "您好", T0)
    state = store.get("c")
    assert json.loads(json.dumps(state)) == state
    assert state["keys"] == "" and state["placed_at"] == T0.isoformat()
    result = CallResult(CONFLICT, "39", T0, T0 + timedelta(seconds=9))
    assert CallResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


# --- audio --------------------------------------------------------------------------------------------------------


def test_render_audio_without_espeak_is_false(monkeypatch, tmp_path):
    """Without espeak-ng there is no audio and no error."""
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    target = tmp_path / "call.wav"
    assert render_audio(render_script(make_script()), target) is False
    assert not target.exists()


def test_render_audio_with_a_broken_espeak_is_false(monkeypatch, tmp_path):
    """A missing or failing espeak-ng gives False and leaves no partial file."""
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: str(tmp_path / "missing" / "espeak-ng"))
    assert render_audio("您好", tmp_path / "call.wav") is False
    failing = tmp_path / "espeak-ng"
    failing.write_text("#!/bin/sh\nexit 1\n")
    failing.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: str(failing))
    assert render_audio("您好", tmp_path / "call.wav") is False
    assert list(tmp_path.glob("*.wav")) == []  # no partial file left behind


def test_render_audio_command_line(monkeypatch, tmp_path):
    """A stand-in espeak-ng records how it was called and writes a WAV-sized file."""
    fake = tmp_path / "espeak-ng"
    log = tmp_path / "log.json"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "text = sys.stdin.buffer.read().decode('utf-8')\n"
        f"open({str(log)!r}, 'w').write(json.dumps({{'args': args, 'text': text}}))\n"
        "open(args[args.index('-w') + 1], 'wb').write(b'RIFF' + bytes(100))\n"
    )
    fake.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: str(fake) if name == "espeak-ng" else None)
    target = tmp_path / "call.wav"
    assert render_audio(render_script(make_script()), target) is True
    assert target.read_bytes().startswith(b"RIFF")
    called = json.loads(log.read_text())
    assert called["args"][:4] == ["-v", "cmn", "-s", "150"]
    assert "--stdin" in called["args"]
    assert "参加请按1" in called["text"]
    assert "0 8 7 1 6 3 2 1 1 2 3 4" in called["text"]  # the callback number read digit by digit


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_render_audio_with_espeak_makes_a_wav(tmp_path):
    """With espeak-ng installed the script becomes a non-empty WAV file."""
    target = tmp_path / "call.wav"
    assert render_audio(render_script(make_script()), target) is True
    data = target.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 1000


def test_package_imports_neither_flask_nor_sqlalchemy():
    """trading.notify loads without Flask or SQLAlchemy."""
    code = (
        "import sys, trading.notify; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    from trading.notify import messages

    assert set(notify.__all__) <= set(dir(voice)) | set(dir(messages))


def test_the_gateway_signs_only_an_ended_call_with_the_subject_named_when_it_was_placed():
    """The gateway's signature covers the subject given at placement, the outcome and the end time; a call still
    ringing is not signed, and without a key or a subject there is no signature."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from trading.domain.drawing import call_statement, call_subject

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    gateway = KeypadGateway(timeout_seconds=60, signing_key=key)
    subject = call_subject("ab" * 32, "4212022026JS0001", 1, 17, "A080201")
    gateway.place_call("c1", "13800000000", "脚本", T0, subject=subject)
    with pytest.raises(ValueError, match="has not ended"):
        gateway.attest("c1", T0 + timedelta(seconds=5))
    gateway.press("c1", "2", T0 + timedelta(seconds=8))
    signature = gateway.attest("c1", T0 + timedelta(seconds=9))
    public = key.public_key()
    public.verify(signature, call_statement(subject, "declined", T0 + timedelta(seconds=8)))
    with pytest.raises(InvalidSignature):
        public.verify(signature, call_statement(subject, "no_answer", T0 + timedelta(seconds=8)))
    assert gateway.public_key == public.public_bytes_raw()
    gateway.place_call("c2", "13800000000", "脚本", T0)  # no subject: nothing to vouch for
    assert gateway.attest("c2", T0 + timedelta(minutes=5)) is None
    unsigned = SimulatedGateway(seed=1)
    unsigned.place_call("c3", "13800000000", "脚本", T0, subject=subject)
    assert unsigned.attest("c3", T0 + timedelta(minutes=5)) is None and unsigned.public_key is None
