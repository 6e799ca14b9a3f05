"""``python -m trading.domain.archive verify FILE [--public-key HEX]``: check a lot's archive offline.

Prints MATCH and exits 0, or prints each problem and exits 1; 2 means the file could not be read as an archive.
Without ``--public-key`` the signature is checked against the key the manifest names (which proves the manifest
intact, not whose it is): pass the platform's published key to pin it.
"""

from __future__ import annotations

from . import verify_cli
from .archive import verify_archive


def _check(file: str, key: bytes | None) -> tuple[list[str], list[str]]:
    result = verify_archive(file, expected_public_key=key)
    return [str(problem) for problem in result.problems], list(result.notes)


def main(argv: list[str] | None = None) -> int:
    """The command line: ``verify FILE [--public-key HEX]``; exit status 0 MATCH, 1 problems, 2 unreadable."""
    return verify_cli.run(argv, prog="python -m trading.domain.archive",
                          description="Check a lot's electronic archive (电子档案) offline.",
                          what="re-hash an archive and say MATCH or what differs", file_help="the archive (zip)",
                          key_option="public-key", key_help="the platform's Ed25519 public key, 64 hex digits",
                          check=_check, noun="problems")


if __name__ == "__main__":
    raise SystemExit(main())
