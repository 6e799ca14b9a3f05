"""The shape every offline verifier's command line shares (``python -m trading.domain.drawing|archive verify``):
``verify FILE --KEY HEX ... | --no-key-check``.

Exit status: 0 MATCH; 1 differences (each printed); 2 the file could not be read, or a key is not 64 hex digits;
3 no trusted key was given. A verifier fails closed: without the platform's published keys (``/keys`` on the
platform, one line of 64 hex digits per key) it refuses to say MATCH, because a file re-signed with any other key
would match the keys it names itself. ``--no-key-check`` checks against the keys the file names, and says loudly
that whose keys these are was not checked.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence

from .errors import DomainError

MATCH, DIFFERENCES, UNREADABLE, NO_TRUSTED_KEY = 0, 1, 2, 3
KEYS_PAGE = "/keys"  # where the platform publishes its keys (``/keys/<name>.pub``)
_HEX64 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)

Check = Callable[[str, dict[str, bytes | None], bool], tuple[list[str], list[str]]]


def run(argv: list[str] | None, *, prog: str, description: str, what: str, file_help: str,
        keys: Sequence[tuple[str, str]], check: Check, noun: str) -> int:
    """Parse ``verify FILE --KEY HEX... [--no-key-check]``; ``keys`` are (option, help) pairs. Calls
    ``check(file, {option: key or None}, unchecked)`` for (differences, notes), reports, and returns the status."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     epilog="exit status: 0 MATCH, 1 differences, 2 unreadable file or bad key, "
                                            "3 no trusted key given")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("verify", help=what)
    command.add_argument("file", help=file_help)
    for option, key_help in keys:
        command.add_argument(f"--{option}", metavar="HEX", help=f"{key_help} (from {KEYS_PAGE} on the platform)")
    command.add_argument("--no-key-check", action="store_true",
                         help="check against the keys the file itself names: shows the file is intact, not who "
                              "made it")
    args = parser.parse_args(argv)
    given: dict[str, bytes | None] = {}
    for option, _ in keys:
        text = getattr(args, option.replace("-", "_"))
        if text is not None and not _HEX64.fullmatch(text.strip()):
            print(f"error: --{option} takes the 32-byte key as 64 hex digits", file=sys.stderr)
            return UNREADABLE
        given[option] = None if text is None else bytes.fromhex(text.strip())
    missing = [option for option, key in given.items() if key is None]
    if missing and not args.no_key_check:
        print(f"error: no trusted key given: pass {' and '.join(f'--{o} HEX' for o in missing)} (the platform "
              f"publishes them at {KEYS_PAGE}), or --no-key-check to check only that the file is intact",
              file=sys.stderr)
        return NO_TRUSTED_KEY
    unchecked = bool(missing)
    try:
        differences, notes = check(args.file, given, unchecked)
    except OSError as error:
        print(f"error: {args.file}: {error.strerror or error}", file=sys.stderr)
        return UNREADABLE
    except DomainError as error:
        print(f"error: {args.file}: {error.render()}", file=sys.stderr)
        return UNREADABLE
    for note in notes:
        print(f"({note})", file=sys.stderr)
    if unchecked:
        print(f"WARNING: --no-key-check: {', '.join(f'--{o}' for o in missing)} not given, so WHOSE KEYS SIGNED "
              "THIS WAS NOT CHECKED: anyone can re-sign a forged file with keys of their own. Compare the keys "
              f"above with the platform's {KEYS_PAGE}.", file=sys.stderr)
    if not differences:
        print("MATCH (keys not checked: --no-key-check)" if unchecked else "MATCH")
        return MATCH
    print(f"MISMATCH: {len(differences)} {noun}")
    for line in differences:
        print(f"- {line}")
    return DIFFERENCES
