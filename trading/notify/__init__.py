"""Notifying drawn experts by automated voice call (电话语音通知): the call script, the gateways, the audio.

Plain Python, like ``trading.domain``: no Flask, no SQLAlchemy. The service places calls through a
``VoiceGateway`` (``SimulatedGateway`` or ``KeypadGateway``), keeps each call's state in a ``CallStore`` and
passes ``now`` in.
"""

from .voice import (
    ACCEPTED,
    CONFIDENTIALITY,
    CONFLICT,
    CONFLICT_PROMPT,
    DECIDING_KEYS,
    DECLINED,
    KEY_ACCEPT,
    KEY_CONFLICT,
    KEY_DECLINE,
    KEY_PROMPT,
    KEY_REPLAY,
    NO_ANSWER,
    OUTCOMES,
    CallEnded,
    CallResult,
    CallScript,
    CallStore,
    DictStore,
    KeypadCall,
    KeypadGateway,
    Outcome,
    SimulatedGateway,
    VoiceGateway,
    render_audio,
    render_script,
    spoken_time,
)

__all__ = [
    "ACCEPTED",
    "CONFIDENTIALITY",
    "CONFLICT",
    "CONFLICT_PROMPT",
    "DECIDING_KEYS",
    "DECLINED",
    "KEY_ACCEPT",
    "KEY_CONFLICT",
    "KEY_DECLINE",
    "KEY_PROMPT",
    "KEY_REPLAY",
    "NO_ANSWER",
    "OUTCOMES",
    "CallEnded",
    "CallResult",
    "CallScript",
    "CallStore",
    "DictStore",
    "KeypadCall",
    "KeypadGateway",
    "Outcome",
    "SimulatedGateway",
    "VoiceGateway",
    "render_audio",
    "render_script",
    "spoken_time",
]
