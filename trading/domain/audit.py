"""The hash chain behind the audit log (操作日志), as plain functions.

Each entry's hash is SHA-256 over a canonical JSON encoding of its content and the previous
entry's hash. The sequence number is not hashed: the order is carried by the chain itself, so
verification can tell an edited row (its own hash no longer matches its content) from a deleted,
inserted or reordered one (its hash is intact but it no longer links to its neighbour).

Someone who can write to the database could rebuild the whole chain after a change; that is
caught only against a head hash kept elsewhere (``verify(..., expected_head=...)``). See
docs/SECURITY.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

GENESIS_HASH = "0" * 64
MESSAGE_KEYS = frozenset({"message_id", "params"})


def message(message_id: str, **params) -> dict:
    """A human-readable reason for a payload as its message id (the English msgid, marked with ``N_``) and its
    parameters, so each reader sees it in their language; pages show a payload value of this shape translated, and
    any other value (old rows' formatted text) as stored."""
    return {"message_id": message_id, "params": params}


def is_message(value) -> bool:
    """Whether a payload value is a ``message``."""
    return isinstance(value, dict) and set(value) == MESSAGE_KEYS and isinstance(value["message_id"], str) \
        and isinstance(value["params"], dict)


def _json_default(value):
    """Encode the few non-JSON types a payload may carry, unambiguously."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    raise TypeError(f"audit payloads hold JSON values, not {type(value).__name__}")


def format_time(value: datetime) -> str:
    """UTC time as ISO 8601 with microseconds; a naive value is taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clean_payload(payload: dict | None) -> dict:
    """Round-trip a payload through JSON so what is hashed is exactly what is stored."""
    return json.loads(json.dumps(payload or {}, default=_json_default, ensure_ascii=False))


def canonical(content: dict) -> bytes:
    """Canonical encoding: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default).encode("utf-8")


@dataclass(frozen=True)
class EntryContent:
    """What one audit entry says; everything here is covered by its hash."""

    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str | None
    object_id: str | None
    rule: str | None
    payload: dict

    def as_dict(self) -> dict:
        """The hashed fields as a plain dict."""
        return {
            "at": format_time(self.at),
            "actor_id": self.actor_id,
            "actor": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "rule": self.rule,
            "payload": self.payload,
        }


def entry_hash(content: EntryContent, prev_hash: str) -> str:
    """SHA-256 hex of the canonical content plus the previous hash."""
    return hashlib.sha256(canonical({**content.as_dict(), "prev_hash": prev_hash})).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    """An entry as read back from storage, to be verified."""

    seq: int
    content: EntryContent
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying a chain: ok, or the first bad sequence number and why."""

    ok: bool
    count: int
    head_seq: int | None = None
    head_hash: str | None = None
    bad_seq: int | None = None
    problem: str | None = None  # edited | deleted | inserted | reordered | head_mismatch
    detail: str = ""


def verify(entries: list[StoredEntry], expected_head: tuple[int | None, str] | None = None) -> Verdict:
    """Walk the chain in sequence order and report the first break, classified. ``expected_head``: a head noted
    earlier, ``(seq, hash)`` or ``(None, hash)``, that must still be in the chain."""
    rows = sorted(entries, key=lambda e: e.seq)
    known = {row.hash: row.seq for row in rows}
    previous: StoredEntry | None = None
    for index, row in enumerate(rows):
        if entry_hash(row.content, row.prev_hash) != row.hash:
            return _bad(rows, row.seq, "edited", f"entry {row.seq} does not match its own hash: "
                        "its content was changed after it was written")
        expected_prev = previous.hash if previous else GENESIS_HASH
        if row.prev_hash != expected_prev:
            return _classify_break(rows, index, known)
        if previous and row.seq != previous.seq + 1:
            return _bad(rows, previous.seq + 1, "deleted", f"sequence {previous.seq + 1} is missing "
                        "although the chain links across the gap: numbers were changed")
        previous = row
    if expected_head is not None:
        seq, head = expected_head
        if seq is None:  # a head noted by its hash alone (the web page shows no sequence numbers)
            if head not in known:
                return _bad(rows, None, "head_mismatch", "no entry carries the recorded head hash: the chain was "
                            "rebuilt or cut short after that head was noted")
        else:
            found = next((r for r in rows if r.seq == seq), None)
            if found is None or found.hash != head:
                return _bad(rows, seq, "head_mismatch", f"entry {seq} does not carry the recorded head hash: "
                            "the chain was rebuilt or cut short after that head was noted")
    last = rows[-1] if rows else None
    return Verdict(True, len(rows), last.seq if last else None, last.hash if last else None)


def _classify_break(rows: list[StoredEntry], index: int, known: dict[str, int]) -> Verdict:
    """Name the break where ``rows[index]`` does not link to ``rows[index - 1]``."""
    row = rows[index]
    before = rows[index - 1] if index else None
    if index >= 2 and row.prev_hash == rows[index - 2].hash:
        forged = rows[index - 1]
        return _bad(rows, forged.seq, "inserted", f"entry {forged.seq} is not part of the chain: "
                    f"entry {row.seq} links straight past it")
    if index == 1 and row.prev_hash == GENESIS_HASH:
        return _bad(rows, rows[0].seq, "inserted", f"entry {rows[0].seq} is not part of the chain: "
                    f"entry {row.seq} is the first link")
    if row.prev_hash in known:
        return _bad(rows, row.seq, "reordered", f"entry {row.seq} follows entry {known[row.prev_hash]} "
                    f"in the chain but is stored after entry {before.seq if before else 0}")
    if before is None:
        return _bad(rows, row.seq, "deleted", f"the entries before {row.seq} are missing")
    if row.seq > before.seq + 1:
        return _bad(rows, before.seq + 1, "deleted", f"the entry that entry {row.seq} links to is missing "
                    f"(after entry {before.seq})")
    return _bad(rows, before.seq, "edited", f"entry {row.seq} links to an entry that no longer exists: "
                f"entry {before.seq} was rewritten with a new hash, or entries after it were deleted "
                "and the rest renumbered")


def _bad(rows: list[StoredEntry], seq: int | None, problem: str, detail: str) -> Verdict:
    """A failing verdict."""
    return Verdict(False, len(rows), bad_seq=seq, problem=problem, detail=detail)
