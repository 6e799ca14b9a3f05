"""Text messages (短信) and e-mail the platform sends to people who have no account: today, the reporter of a public
report (举报) told that the report was accepted, declined or concluded.

Plain Python, like ``voice.py``: no Flask, no SQLAlchemy, no clock. A ``Message`` is what is sent (the channel, the
address, a subject for e-mail, the text); a ``MessageGateway`` sends one and answers with a ``SendResult`` (the
gateway's reference, or why it refused). ``SimulatedMessageGateway`` sends nothing: it records what would be sent and
answers as a gateway would, so a training centre sees every notice in the outbox (``services.outbox``) without an SMS
contract or a mail server. A real gateway (an SMS provider's API, SMTP) implements the same ``send``.

An SMS or an e-mail may be read by others than the reporter (a shared phone, a work mailbox): a notice says which
report (its number) and what became of it, never what the report said, whom it named or the supervisor's reasons.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

CHANNELS = ("sms", "email")

# The notice of each new status of a public report, in the centre's official language. Filled with the centre's name
# (the SMS signature, 短信签名) and the report's number; nothing else.
REPORT_SUBJECT = "举报办理进展通知（{number}）"
REPORT_NOTICES = {
    "accepted": "【{centre}】您提交的举报（编号{number}）已受理，正在调查处理。"
                "办理进展请通过提交举报时取得的跟进链接查看。",
    "declined": "【{centre}】您提交的举报（编号{number}）经审查不予受理。"
                "不予受理的理由请通过提交举报时取得的跟进链接查看。",
    "concluded": "【{centre}】您提交的举报（编号{number}）已办结。处理结果请通过提交举报时取得的跟进链接查看。",
}
SMS_MAX = 500  # characters: a long SMS is sent in parts; a notice longer than this is a mistake, not a message


@dataclass(frozen=True)
class Message:
    """One message to one address: ``channel`` ``sms`` (a mobile number) or ``email``; ``subject`` for e-mail."""

    channel: str
    address: str
    body: str
    subject: str = ""

    def __post_init__(self):
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if not self.address.strip() or not self.body.strip():
            raise ValueError("a message needs an address and a text")
        if self.channel == "sms" and len(self.body) > SMS_MAX:
            raise ValueError(f"an SMS of {len(self.body)} characters is longer than {SMS_MAX}")


def report_notice(channel: str, address: str, centre: str, number: str, status: str) -> Message:
    """The notice of a public report's new ``status`` (accepted, declined, concluded): its number and status only."""
    body = REPORT_NOTICES[status].format(centre=centre.strip() or "公共资源交易平台", number=number)
    return Message(channel, address, body, REPORT_SUBJECT.format(number=number) if channel == "email" else "")


@dataclass(frozen=True)
class SendResult:
    """What the gateway answered: accepted for delivery (``ok``) with its ``reference``, or refused with ``detail``."""

    ok: bool
    reference: str = ""
    detail: str = ""

    def as_dict(self) -> dict:
        return {"ok": self.ok, "reference": self.reference, "detail": self.detail}


class MessageGateway(Protocol):
    """Sends one message; ``ref`` is the platform's name for it (the gateway may echo it back in receipts)."""

    name: str

    def send(self, message: Message, now: datetime, ref: str = "") -> SendResult: ...


@dataclass(frozen=True)
class Sent:
    """One message the simulated gateway would have sent."""

    message: Message
    at: datetime
    reference: str


@dataclass
class SimulatedMessageGateway:
    """Sends nothing: records each message (``sent``) and answers with a reference derived from it, as a provider
    would. ``refuse`` lists addresses it answers as unreachable (to rehearse a failed notice)."""

    name: str = "simulated"
    refuse: frozenset = frozenset()
    sent: list[Sent] = field(default_factory=list)

    def send(self, message: Message, now: datetime, ref: str = "") -> SendResult:
        if message.address in self.refuse:
            return SendResult(False, "", "simulated: the address does not answer")
        digest = hashlib.sha256(f"{ref}|{message.channel}|{message.address}|{message.body}|{now.isoformat()}"
                                .encode()).hexdigest()
        reference = f"SIM-{digest[:16].upper()}"
        self.sent.append(Sent(message, now, reference))
        return SendResult(True, reference, f"simulated: not sent, recorded ({message.channel})")
