"""The two small JSON files a key holder with its key on its own computer exchanges with the platform.

* the **sealed share** (``sealed_share_file``), downloaded from the opening page after the bid deadline: the
  holder's HPKE-sealed Shamir share with the lot code, holder, role, index and the share hash logged at the
  ceremony;
* the **released share** (``released_share_file``), written by ``python -m trading.domain.sealing release-share``
  on the holder's computer and uploaded on the opening page: the opened share (16 bytes, hex) with the same
  identifiers. The platform accepts it only if every identifier is the one it issued and the share hashes to
  the logged hash (``read_released_share``), so a forged or another holder's share is refused, naming the field.
"""

from __future__ import annotations

import base64
import json
import re

from trading.domain.errors import N_, DomainError

from . import ceremony

SEALED_FORMAT = "trading/sealed-share/v1"
RELEASED_FORMAT = "trading/released-share/v1"
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sealed_share_file(share: ceremony.SealedShare, lot_code: str, opening_key_fingerprint: str) -> bytes:
    """The sealed share as the holder downloads it."""
    document = {"format": SEALED_FORMAT, "lot_code": lot_code, "holder_id": share.holder_id, "role": share.role,
                "index": share.index, "share_hash": share.share_hash, "opening_key": opening_key_fingerprint,
                "sealed": base64.b64encode(share.sealed).decode()}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _load(data: bytes, expected_format: str, field: str) -> dict:
    """A JSON object of the expected format, or a refusal naming ``field``."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict) or document.get("format") != expected_format:
        raise DomainError(N_("This file is not a %(format)s file."), field=field, format=expected_format)
    return document


def read_sealed_share(data: bytes) -> tuple[str, ceremony.SealedShare]:
    """(lot code, sealed share) from a downloaded sealed-share file."""
    document = _load(data, SEALED_FORMAT, "share")
    try:
        share = ceremony.SealedShare(holder_id=str(document["holder_id"]), role=str(document["role"]),
                                     index=int(document["index"]), sealed=base64.b64decode(document["sealed"]),
                                     share_hash=str(document["share_hash"]))
        return str(document["lot_code"]), share
    except (KeyError, ValueError, TypeError):
        raise DomainError(N_("The sealed-share file is incomplete or damaged."), field="share") from None


def released_share_file(lot_code: str, share: ceremony.SealedShare, opened: ceremony.OpenedShare) -> bytes:
    """The opened share as the tool writes it for upload."""
    document = {"format": RELEASED_FORMAT, "lot_code": lot_code, "holder_id": share.holder_id, "role": share.role,
                "index": opened.index, "share_hash": share.share_hash, "share": opened.share.hex()}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def read_released_share(data: bytes, *, lot_code: str, holder_id: str, index: int,
                        share_hash: str) -> ceremony.OpenedShare:
    """The opened share from an uploaded file, checked against what the ceremony issued and logged for this holder;
    a refusal names the first field that does not match."""
    document = _load(data, RELEASED_FORMAT, "released")
    expected = {"lot_code": lot_code, "holder_id": str(holder_id), "index": index, "share_hash": share_hash}
    for name, value in expected.items():
        found = document.get(name)
        if (str(found) if name != "index" else found) != value:
            raise DomainError(N_("The released share's %(name)s is %(found)s, but this lot issued %(expected)s to "
                                 "you."), field=f"released.{name}", name=name, found=found, expected=value)
    text = str(document.get("share", "")).lower()
    if not _HEX32.fullmatch(text):
        raise DomainError(N_("The released share's share field must be 32 hexadecimal digits."),
                          field="released.share")
    share = bytes.fromhex(text)
    if not _HEX64.fullmatch(share_hash) or ceremony.share_hash(lot_code, index, share) != share_hash:
        raise DomainError(N_("The released share does not match the share hash logged at the key ceremony."),
                          field="released.share", rule="electronic.no_early_decrypt")
    return ceremony.OpenedShare(index=index, share=share)
