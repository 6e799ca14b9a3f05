"""Automated voice calls to drawn experts (评委由电脑随机抽取和电话语音通知).

The call script is the Chinese text the system reads. A ``VoiceGateway`` places a call and later reports how it
ended: ``SimulatedGateway`` answers with seeded probabilities, ``KeypadGateway`` lets a person answer on a page
that plays the expert's phone. Keys: 1 accept, 2 decline, 3 replay the message (the call goes on), 9 declare a
conflict of interest (申请回避); no deciding key before the timeout is ``no_answer``.

Both gateways keep each call's state as a small JSON-ready dict in a ``CallStore`` the caller provides (the
service backs it with a database row), so a call placed in one web request can be answered in another.
Times are aware UTC datetimes passed in as ``now``; nothing here reads the clock.

The gateway vouches for what it saw: given its own Ed25519 key, it signs each ended call's outcome and time
together with the subject the platform named when it placed the call (which draw, which call, whom:
``trading.domain.drawing.call_subject``), as ``attest`` returns it. The platform stores the signature with the
call and exports it in the draw record, so an outcome changed afterwards no longer verifies.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..domain.drawing import call_statement

BEIJING = ZoneInfo("Asia/Shanghai")

ACCEPTED = "accepted"
DECLINED = "declined"
NO_ANSWER = "no_answer"
CONFLICT = "conflict"
Outcome = Literal["accepted", "declined", "no_answer", "conflict"]
OUTCOMES: tuple[str, ...] = (ACCEPTED, DECLINED, NO_ANSWER, CONFLICT)

KEY_ACCEPT = "1"
KEY_DECLINE = "2"
KEY_REPLAY = "3"
KEY_CONFLICT = "9"
DECIDING_KEYS = {KEY_ACCEPT: ACCEPTED, KEY_DECLINE: DECLINED, KEY_CONFLICT: CONFLICT}
PHONE_KEYS = frozenset("0123456789*#")  # any of these may be pressed; only 1, 2 and 9 end the call

KEY_PROMPT = "参加请按1，不参加请按2，重听请按3"
CONFLICT_PROMPT = "如需申请回避请按9"
CONFIDENTIALITY = "评标委员会名单在中标结果确定前保密"

DEFAULT_TIMEOUT_SECONDS = 60

ESPEAK = "espeak-ng"
ESPEAK_VOICES = ("cmn", "zh")  # Mandarin is "cmn" since espeak-ng 1.51; older releases called it "zh"
ESPEAK_SPEED = 150  # words per minute
ESPEAK_TIMEOUT_SECONDS = 60
_WAV_HEADER_BYTES = 44


# --- the script -------------------------------------------------------------------------------------------------


def _require_aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment.astimezone(UTC)


def spoken_time(moment: datetime) -> str:
    """Beijing time as a call reads it: "2026年3月25日上午9时30分" (on the hour: "上午9时")."""
    local = _require_aware(moment, "moment").astimezone(BEIJING)
    hour = local.hour
    if hour < 6:
        period = "凌晨"
    elif hour < 12:
        period = "上午"
    elif hour < 13:
        period = "中午"
    elif hour < 18:
        period = "下午"
    else:
        period = "晚上"
    clock_hour = hour - 12 if hour > 12 else hour
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{local.year}年{local.month}月{local.day}日{period}{clock_hour}时{minutes}"


@dataclass(frozen=True)
class CallScript:
    """What one call tells a drawn expert; no bidder is ever named in it."""

    project: str
    lot: str
    specialty_name: str
    evaluation_at: datetime
    place: str
    centre_name: str
    callback_phone: str = ""

    def __post_init__(self):
        for name in ("project", "specialty_name", "place", "centre_name"):
            if not str(getattr(self, name) or "").strip():
                raise ValueError(f"{name} is required in a call script")
        _require_aware(self.evaluation_at, "evaluation_at")


def render_script(script: CallScript) -> str:
    """The Chinese text the automated call reads to the expert."""
    subject = f"“{script.project.strip()}”{(script.lot or '').strip()}"
    sentences = [
        f"您好，这里是{script.centre_name.strip()}评标专家抽取语音通知系统",
        f"您已被电脑随机抽取为{subject}的评标专家，抽取专业：{script.specialty_name.strip()}",
        f"评标时间：北京时间{spoken_time(script.evaluation_at)}，评标地点：{script.place.strip()}",
        "请携带本人身份证件准时到达，不得委托他人代为参加",
        f"{CONFIDENTIALITY}，请勿向任何单位和个人透露本次抽取信息",
        KEY_PROMPT,
        f"与本项目有利害关系的，应当主动回避，{CONFLICT_PROMPT}",
    ]
    if (script.callback_phone or "").strip():
        sentences.append(f"如有疑问，请拨打{script.callback_phone.strip()}")
    return "。".join(sentences) + "。"


# --- results, stores, the gateway interface ---------------------------------------------------------------------


@dataclass(frozen=True)
class CallResult:
    """How a call ended: the outcome, every key pressed in order, when it was answered and when it ended."""

    outcome: Outcome
    keys: str
    answered_at: datetime | None
    finished_at: datetime

    def to_dict(self) -> dict:
        """A JSON-ready form (ISO times)."""
        return {
            "outcome": self.outcome,
            "keys": self.keys,
            "answered_at": _iso(self.answered_at),
            "finished_at": _iso(self.finished_at),
        }

    @classmethod
    def from_dict(cls, data: dict) -> CallResult:
        """The result back from ``to_dict``."""
        if data["outcome"] not in OUTCOMES:
            raise ValueError(f"unknown call outcome {data['outcome']!r}")
        return cls(data["outcome"], data["keys"], _parse(data["answered_at"]), _parse(data["finished_at"]))


class CallEnded(Exception):
    """A key was pressed on a call that had already ended."""


class VoiceGateway(Protocol):
    """Places automated calls, reports how each ended, and signs each ended call's outcome."""

    def place_call(self, call_id: str, phone: str, script: str, now: datetime, subject: dict | None = None) -> None:
        """Start ringing ``phone``; ``call_id`` is unique per call; ``subject`` is what the outcome is signed with."""

    def poll(self, call_id: str, now: datetime) -> CallResult | None:
        """The result once the call has ended by ``now``, else None."""

    def attest(self, call_id: str, now: datetime) -> bytes | None:
        """The gateway's signature over the ended call's subject, outcome and time; None without a key or subject."""


class CallStore(Protocol):
    """Keeps one small JSON-ready dict per call id (the service keeps it in a database row)."""

    def get(self, call_id: str) -> dict | None:
        """The call's state, or None if there is no such call."""

    def set(self, call_id: str, data: dict) -> None:
        """Replace the call's state."""


class DictStore:
    """An in-memory ``CallStore``; it keeps JSON copies, so state that would not survive a database is caught."""

    def __init__(self):
        self._calls: dict[str, str] = {}

    def get(self, call_id: str) -> dict | None:
        """The call's state, or None."""
        raw = self._calls.get(call_id)
        return None if raw is None else json.loads(raw)

    def set(self, call_id: str, data: dict) -> None:
        """Replace the call's state."""
        self._calls[call_id] = json.dumps(data, ensure_ascii=False, sort_keys=True)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def __len__(self) -> int:
        return len(self._calls)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _check_timeout(timeout_seconds: float, minimum: float) -> float:
    if not isinstance(timeout_seconds, int | float) or not math.isfinite(timeout_seconds):
        raise ValueError("timeout_seconds must be a number")
    if timeout_seconds < minimum or timeout_seconds <= 0:
        raise ValueError(f"timeout_seconds must be at least {minimum:g} and more than 0")
    return timeout_seconds


def _new_call(store: CallStore, call_id: str, data: dict) -> None:
    if not call_id:
        raise ValueError("a call needs an id")
    if store.get(call_id) is not None:
        raise ValueError(f"call {call_id!r} was already placed")
    store.set(call_id, data)


def _load(store: CallStore, call_id: str) -> dict:
    data = store.get(call_id)
    if data is None:
        raise KeyError(call_id)
    return data


class _Signing:
    """What both gateways share: their Ed25519 key and ``attest``."""

    signing_key: Ed25519PrivateKey | None
    store: CallStore

    @property
    def public_key(self) -> bytes | None:
        """The raw 32-byte public key the gateway signs with (None without a key)."""
        return None if self.signing_key is None else self.signing_key.public_key().public_bytes_raw()

    def attest(self, call_id: str, now: datetime) -> bytes | None:
        """Sign the ended call's subject (named at placement), outcome and end time; None without a key or a
        subject. Refuses a call that has not ended: the gateway signs only what it saw."""
        subject = _load(self.store, call_id).get("subject")
        if self.signing_key is None or subject is None:
            return None
        result = self.poll(call_id, now)
        if result is None:
            raise ValueError(f"call {call_id!r} has not ended")
        return self.signing_key.sign(call_statement(subject, result.outcome, result.finished_at))


# --- the simulated gateway --------------------------------------------------------------------------------------


class SimulatedGateway(_Signing):
    """Answers calls by seeded chance: the same seed and call id always give the same answer and timing."""

    RING_SECONDS = (2, 12)  # from placing the call to the expert picking up
    KEY_SECONDS = (3, 15)  # from the (re)start of the message to a key press
    P_REPLAY_ONCE = 0.12
    P_REPLAY_TWICE = 0.03
    MIN_TIMEOUT_SECONDS = 15  # longer than the longest ring, so an answered call is never also timed out

    def __init__(
        self,
        seed: int,
        p_accept: float = 0.7,
        p_decline: float = 0.15,
        p_conflict: float = 0.03,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        store: CallStore | None = None,
        signing_key: Ed25519PrivateKey | None = None,
    ):
        probabilities = {"p_accept": p_accept, "p_decline": p_decline, "p_conflict": p_conflict}
        for name, p in probabilities.items():
            if not isinstance(p, int | float) or not (0 <= p <= 1):
                raise ValueError(f"{name} must be between 0 and 1, not {p!r}")
        if sum(probabilities.values()) > 1 + 1e-9:
            raise ValueError("p_accept + p_decline + p_conflict must not exceed 1")
        self.seed = int(seed)
        self.p_accept = float(p_accept)
        self.p_decline = float(p_decline)
        self.p_conflict = float(p_conflict)
        self.timeout = timedelta(seconds=_check_timeout(timeout_seconds, self.MIN_TIMEOUT_SECONDS))
        self.store: CallStore = store if store is not None else DictStore()
        self.signing_key = signing_key

    @property
    def p_no_answer(self) -> float:
        """The chance a call rings out unanswered."""
        return max(0.0, 1 - self.p_accept - self.p_decline - self.p_conflict)

    def _rng(self, call_id: str) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}:{call_id}".encode()).digest()
        return random.Random(int.from_bytes(digest, "big"))

    def planned(self, call_id: str, placed_at: datetime) -> CallResult:
        """The result a call with this id placed at ``placed_at`` will have (pure; nothing is stored)."""
        placed_at = _require_aware(placed_at, "placed_at")
        rng = self._rng(call_id)
        # Always the same draws in the same order, so the result depends only on (seed, call id).
        u = rng.random()
        ring = rng.randint(*self.RING_SECONDS)
        r = rng.random()
        replays = 2 if r < self.P_REPLAY_TWICE else 1 if r < self.P_REPLAY_TWICE + self.P_REPLAY_ONCE else 0
        listening = [rng.randint(*self.KEY_SECONDS) for _ in range(replays + 1)]
        if u < self.p_accept:
            key = KEY_ACCEPT
        elif u < self.p_accept + self.p_decline:
            key = KEY_DECLINE
        elif u < self.p_accept + self.p_decline + self.p_conflict:
            key = KEY_CONFLICT
        else:
            return CallResult(NO_ANSWER, "", None, placed_at + self.timeout)
        answered_at = placed_at + timedelta(seconds=ring)
        finished_at = answered_at + timedelta(seconds=sum(listening))
        return CallResult(DECIDING_KEYS[key], KEY_REPLAY * replays + key, answered_at, finished_at)

    def place_call(self, call_id: str, phone: str, script: str, now: datetime, subject: dict | None = None) -> None:
        """Start the call; its answer is already fixed by the seed and the id."""
        _new_call(self.store, call_id, {"phone": phone, "placed_at": _iso(_require_aware(now, "now")),
                                        "subject": subject})

    def poll(self, call_id: str, now: datetime) -> CallResult | None:
        """The result once ``now`` has reached the moment the call ends, else None."""
        now = _require_aware(now, "now")
        result = self.planned(call_id, _parse(_load(self.store, call_id)["placed_at"]))
        return result if now >= result.finished_at else None


# --- the keypad gateway -----------------------------------------------------------------------------------------


RINGING = "ringing"
ANSWERED = "answered"
ENDED = "ended"


@dataclass(frozen=True)
class KeypadCall:
    """A call as the keypad page shows it: the phone, the script, its state and the keys pressed so far."""

    call_id: str
    phone: str
    script: str
    placed_at: datetime
    state: Literal["ringing", "answered", "ended"]
    keys: str
    deadline: datetime | None
    result: CallResult | None


class KeypadGateway(_Signing):
    """A person plays the expert's phone on a page: answers, presses keys, or lets it ring out."""

    def __init__(self, store: CallStore | None = None, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
                 signing_key: Ed25519PrivateKey | None = None):
        self.store: CallStore = store if store is not None else DictStore()
        self.timeout = timedelta(seconds=_check_timeout(timeout_seconds, 0))
        self.signing_key = signing_key

    def place_call(self, call_id: str, phone: str, script: str, now: datetime, subject: dict | None = None) -> None:
        """Record the call as ringing."""
        placed_at = _iso(_require_aware(now, "now"))
        data = {
            "subject": subject,
            "phone": phone,
            "script": script,
            "placed_at": placed_at,
            "last_at": placed_at,
            "answered_at": None,
            "keys": "",
            "result": None,
        }
        _new_call(self.store, call_id, data)

    def _deadline(self, data: dict) -> datetime:
        return _parse(data["last_at"]) + self.timeout

    def _settle(self, call_id: str, data: dict, now: datetime) -> CallResult | None:
        """The stored result; or, once the timeout has passed with no deciding key, no_answer (stored)."""
        if data["result"] is not None:
            return CallResult.from_dict(data["result"])
        deadline = self._deadline(data)
        if now < deadline:
            return None
        return self._finish(call_id, data, NO_ANSWER, deadline)

    def _finish(self, call_id: str, data: dict, outcome: str, at: datetime) -> CallResult:
        result = CallResult(outcome, data["keys"], _parse(data["answered_at"]), at)
        data["result"] = result.to_dict()
        data["last_at"] = _iso(at)
        self.store.set(call_id, data)
        return result

    def _active(self, call_id: str, now: datetime) -> dict:
        now = _require_aware(now, "now")
        data = _load(self.store, call_id)
        if now < _parse(data["last_at"]):
            raise ValueError("time went backwards on this call")
        if self._settle(call_id, data, now) is not None:
            raise CallEnded(call_id)
        return data

    def answer(self, call_id: str, now: datetime) -> None:
        """Pick up (the message starts); pressing a key on a ringing phone picks it up as well."""
        data = self._active(call_id, now)
        if data["answered_at"] is None:
            data["answered_at"] = data["last_at"] = _iso(_require_aware(now, "now"))
            self.store.set(call_id, data)

    def press(self, call_id: str, key: str, now: datetime) -> CallResult | None:
        """Record a key; 1, 2 or 9 end the call and return its result, 3 replays the message (None)."""
        if not isinstance(key, str) or len(key) != 1 or key not in PHONE_KEYS:
            raise ValueError(f"{key!r} is not a phone key")
        data = self._active(call_id, now)
        at = _iso(_require_aware(now, "now"))
        if data["answered_at"] is None:
            data["answered_at"] = at
        data["keys"] += key
        data["last_at"] = at
        if key in DECIDING_KEYS:
            return self._finish(call_id, data, DECIDING_KEYS[key], _parse(at))
        self.store.set(call_id, data)  # 3 replays the message; other keys are ignored by the voice system
        return None

    def hang_up(self, call_id: str, now: datetime) -> CallResult:
        """End the call without a deciding key: no_answer (answered_at kept if it was picked up)."""
        data = self._active(call_id, now)
        return self._finish(call_id, data, NO_ANSWER, _require_aware(now, "now"))

    def poll(self, call_id: str, now: datetime) -> CallResult | None:
        """The result once a deciding key was pressed or the call hung up or timed out, else None."""
        now = _require_aware(now, "now")
        return self._settle(call_id, _load(self.store, call_id), now)

    def call(self, call_id: str, now: datetime) -> KeypadCall:
        """The call as the keypad page shows it at ``now``."""
        now = _require_aware(now, "now")
        data = _load(self.store, call_id)
        result = self._settle(call_id, data, now)
        data = _load(self.store, call_id)
        if result is not None:
            state, deadline = ENDED, None
        else:
            state, deadline = (RINGING if data["answered_at"] is None else ANSWERED), self._deadline(data)
        return KeypadCall(
            call_id=call_id,
            phone=data["phone"],
            script=data["script"],
            placed_at=_parse(data["placed_at"]),
            state=state,
            keys=data["keys"],
            deadline=deadline,
            result=result,
        )


# --- audio ------------------------------------------------------------------------------------------------------


def _speakable(text: str) -> str:
    """Phone numbers read digit by digit, not as one big number (and their dashes not as "minus")."""
    return re.sub(r"\d[\d-]{4,}\d", lambda m: " ".join(ch for ch in m.group() if ch.isdigit()), text)


def _espeak(executable: str, voice: str, text: str, target: Path) -> bool:
    command = [executable, "-v", voice, "-s", str(ESPEAK_SPEED), "-b", "1", "-w", str(target), "--stdin"]
    try:
        done = subprocess.run(
            command, input=text.encode("utf-8"), capture_output=True, timeout=ESPEAK_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    try:
        return done.returncode == 0 and target.stat().st_size > _WAV_HEADER_BYTES
    except OSError:
        return False


def render_audio(script: str, path: str | os.PathLike) -> bool:
    """Speak ``script`` into a WAV file at ``path`` with espeak-ng's Mandarin voice; False (never raises) if not."""
    try:
        executable = shutil.which(ESPEAK)
        if not executable or not script.strip():
            return False
        target = Path(path)
        fd, temporary = tempfile.mkstemp(prefix=".voice-", suffix=".wav", dir=target.parent)
        os.close(fd)
        partial = Path(temporary)
        try:
            text = _speakable(script)
            for voice in ESPEAK_VOICES:
                if _espeak(executable, voice, text, partial):
                    os.replace(partial, target)
                    return True
            return False
        finally:
            partial.unlink(missing_ok=True)
    except Exception:  # audio is an extra: text only, never an error
        return False
