"""The shape every offline verifier's command line shares (``python -m trading.domain.drawing|archive verify``):
``verify FILE [--KEY HEX]``, MATCH and exit 0, each difference and exit 1, an unreadable input or bad key exit 2."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

from .errors import DomainError

_HEX64 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


def run(argv: list[str] | None, *, prog: str, description: str, what: str, file_help: str, key_option: str,
        key_help: str, check: Callable[[str, bytes | None], tuple[list[str], list[str]]], noun: str) -> int:
    """Parse ``verify FILE [--key_option HEX]``, call ``check(file, key)`` for (differences, notes) and report."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("verify", help=what)
    command.add_argument("file", help=file_help)
    command.add_argument(f"--{key_option}", help=key_help)
    args = parser.parse_args(argv)
    given, key = getattr(args, key_option.replace("-", "_")), None
    if given is not None:
        if not _HEX64.fullmatch(given.strip()):
            print(f"error: --{key_option} takes the 32-byte key as 64 hex digits", file=sys.stderr)
            return 2
        key = bytes.fromhex(given.strip())
    try:
        differences, notes = check(args.file, key)
    except OSError as error:
        print(f"error: {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"error: {args.file}: {error.render()}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"({note})", file=sys.stderr)
    if not differences:
        print("MATCH")
        return 0
    print(f"MISMATCH: {len(differences)} {noun}")
    for line in differences:
        print(f"- {line}")
    return 1
