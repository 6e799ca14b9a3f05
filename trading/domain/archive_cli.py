"""``python -m trading.domain.archive verify FILE --public-key HEX``: check a lot's archive offline.

Prints MATCH and exits 0, or prints each problem and exits 1; 2 means the file could not be read as an archive;
3 means no trusted key was given. The archive is signed with the platform's receipt-signing key, published at
``/keys/archive.pub`` (the same key as ``/keys/receipts.pub``). ``--no-key-check`` checks the signature against
the key the manifest names (which proves the manifest intact, not whose it is) and says so.
"""

from __future__ import annotations

from . import verify_cli
from .archive import verify_archive


def _check(file: str, keys: dict[str, bytes | None], unchecked: bool) -> tuple[list[str], list[str]]:
    result = verify_archive(file, expected_public_key=keys["public-key"])
    return [str(problem) for problem in result.problems], list(result.notes)


def main(argv: list[str] | None = None) -> int:
    """The command line: ``verify FILE --public-key HEX | --no-key-check``; exit status 0 MATCH, 1 problems,
    2 unreadable, 3 no trusted key."""
    return verify_cli.run(argv, prog="python -m trading.domain.archive",
                          description="Check a lot's electronic archive (电子档案) offline.",
                          what="re-hash an archive and say MATCH or what differs", file_help="the archive (zip)",
                          keys=[("public-key", "the platform's archive-signing Ed25519 public key, 64 hex digits")],
                          check=_check, noun="problems")


if __name__ == "__main__":
    raise SystemExit(main())
