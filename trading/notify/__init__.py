"""Notifying people: drawn experts by automated voice call (电话语音通知: the call script, the gateways, the audio;
``voice.py``), and people without an account by SMS or e-mail (a public report's reporter: ``messages.py``).

Plain Python, like ``trading.domain``: no Flask, no SQLAlchemy. The service places calls through a
``VoiceGateway`` (``SimulatedGateway`` or ``KeypadGateway``), keeps each call's state in a ``CallStore`` and
passes ``now`` in; messages go through a ``MessageGateway`` (``SimulatedMessageGateway``) from the outbox.
"""

from .messages import (
    CHANNELS,
    Message,
    MessageGateway,
    SendResult,
    SimulatedMessageGateway,
    report_notice,
)
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
    "CHANNELS",
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
    "Message",
    "MessageGateway",
    "Outcome",
    "SendResult",
    "SimulatedGateway",
    "SimulatedMessageGateway",
    "VoiceGateway",
    "render_audio",
    "report_notice",
    "render_script",
    "spoken_time",
]
