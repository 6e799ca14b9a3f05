"""``python -m trading.domain.archive verify FILE [--public-key HEX]``: check a lot's archive offline.

Prints MATCH and exits 0, or prints each problem and exits 1; 2 means the file could not be read as an archive.
Without ``--public-key`` the signature is checked against the key the manifest names (which proves the manifest
intact, not whose it is): pass the platform's published key to pin it.
"""

from __future__ import annotations

import argparse
import re
import sys

from .archive import verify_archive
from .errors import DomainError

_HEX64 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


def main(argv: list[str] | None = None) -> int:
    """The command line: ``verify FILE [--public-key HEX]``; exit status 0 MATCH, 1 problems, 2 unreadable."""
    parser = argparse.ArgumentParser(prog="python -m trading.domain.archive",
                                     description="Check a lot's electronic archive (电子档案) offline.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="re-hash an archive and say MATCH or what differs")
    check.add_argument("file", help="the archive (zip)")
    check.add_argument("--public-key", help="the platform's Ed25519 public key, 64 hex digits")
    args = parser.parse_args(argv)
    key = None
    if args.public_key is not None:
        if not _HEX64.fullmatch(args.public_key.strip()):
            print("error: --public-key takes the 32-byte key as 64 hex digits", file=sys.stderr)
            return 2
        key = bytes.fromhex(args.public_key.strip())
    try:
        result = verify_archive(args.file, expected_public_key=key)
    except OSError as error:
        print(f"error: {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"error: {args.file}: {error.render()}", file=sys.stderr)
        return 2
    for note in result.notes:
        print(f"({note})", file=sys.stderr)
    if result.ok:
        print("MATCH")
        return 0
    print(f"MISMATCH: {len(result.problems)} problems")
    for problem in result.problems:
        print(f"- {problem}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
