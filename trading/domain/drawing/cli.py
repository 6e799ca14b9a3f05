"""``python -m trading.domain.drawing verify FILE --beacon-key HEX --gateway-key HEX``: replay an exported draw
record offline (the record and its verifier are ``drawing/record.py``).

Prints MATCH and exits 0, or prints each difference and exits 1; 2 means the file could not be read as a draw
record; 3 that a trusted key is missing (both are published at ``/keys`` on the platform). ``--no-key-check``
checks the pulse and the calls against the keys the record names (which proves them intact, not whose they are)
and accepts unsigned calls, saying so.
"""

from __future__ import annotations

from pathlib import Path

from .. import verify_cli
from .record import DrawRecord, unsigned_calls, verify


def _check(file: str, keys: dict[str, bytes | None], unchecked: bool) -> tuple[list[str], list[str]]:
    record = DrawRecord.from_json(Path(file).read_bytes())
    beacon_key, gateway_key = keys["beacon-key"], keys["gateway-key"]
    differences = verify(record, beacon_key, gateway_key, allow_unsigned=unchecked)
    notes = []
    if beacon_key is None:
        notes.append(f"pulse checked against the key it names, {record.pulse.public_key.hex()}, not the beacon's "
                     "published key")
    if gateway_key is None and record.gateway_key is not None:
        notes.append(f"calls checked against the gateway key the record names, {record.gateway_key.hex()}, not the "
                     "gateway's published key")
    unsigned = unsigned_calls(record)
    if unchecked and unsigned:
        notes.append(f"UNAUTHENTICATED: {len(unsigned)} of {len(record.calls)} calls carry no gateway signature; "
                     "their outcomes and times rest on the platform's word alone")
    return differences, notes


def main(argv: list[str] | None = None) -> int:
    """The command line: ``verify FILE --beacon-key HEX --gateway-key HEX | --no-key-check``; exit status
    0 MATCH, 1 differences, 2 unreadable, 3 no trusted key."""
    return verify_cli.run(argv, prog="python -m trading.domain.drawing",
                          description="Replay an exported expert draw record (专家抽取记录).",
                          what="replay a draw record and say MATCH or what differs",
                          file_help="the exported record (JSON)",
                          keys=[("beacon-key", "the randomness beacon's Ed25519 public key, 64 hex digits"),
                                ("gateway-key", "the calling gateway's Ed25519 public key, 64 hex digits")],
                          check=_check, noun="differences")
