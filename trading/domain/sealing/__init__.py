"""Sealed bids: the envelope format (HPKE-wrapped data key, chunked AES-256-GCM, signed manifest) and receipts.

``python -m trading.domain.sealing`` is the standalone bidder tool (seal, inspect, verify, verify-receipt).
"""

from .envelope import (
    EnvelopeError,
    EnvelopeInfo,
    FileInfo,
    OpenedBid,
    OpenedFile,
    SealResult,
    check_for_upload,
    fingerprint,
    inspect,
    open_envelope,
    seal,
)
from .receipt import Receipt, sign_receipt, verify_receipt

__all__ = [
    "EnvelopeError",
    "EnvelopeInfo",
    "FileInfo",
    "OpenedBid",
    "OpenedFile",
    "Receipt",
    "SealResult",
    "check_for_upload",
    "fingerprint",
    "inspect",
    "open_envelope",
    "seal",
    "sign_receipt",
    "verify_receipt",
]
