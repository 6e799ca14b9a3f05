"""What one passphrase guess costs an offline attacker against a server-kept holder key (docs/SECURITY.md, "Key
holders"): one Argon2id evaluation at the configured parameters plus the AES-GCM check, against a blob made by the
platform's own code; and, for comparison, one guess against the old wrap under the login password (scrypt n=2^15,
r=8, p=1). Several guesses are timed one after another on one core, as a dictionary script would run them.

Prints one JSON line last: seconds per guess and guesses per second for each, and the parameters."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trading.domain.errors import DomainError
from trading.domain.sealing import holderkeys

GUESSES = 12
PASSPHRASE = "otter lantern quarry 47"


def per_guess(attempt, guesses: int = GUESSES) -> tuple[float, float]:
    """Mean (wall seconds, CPU seconds of this process) per wrong guess (each guess fails, as nearly all of an
    attacker's do). Argon2id's lanes run on several threads, so its CPU time can exceed its wall time: the CPU time
    is what bounds an attacker who runs one guess per core."""
    attempt("warm-up guess 0")
    began, cpu = time.perf_counter(), time.process_time()
    for n in range(guesses):
        attempt(f"dictionary word {n}")
    return (time.perf_counter() - began) / guesses, (time.process_time() - cpu) / guesses


def main() -> None:
    blob = holderkeys.new_server_key(7, PASSPHRASE)
    legacy = holderkeys.generate(7, PASSPHRASE)  # the format-1 wrap, at its deployed scrypt cost

    def argon2_guess(word):
        try:
            holderkeys.unlock_server_key(blob, 7, word)
        except DomainError:
            pass

    def scrypt_guess(word):
        try:
            holderkeys.unlock(legacy, 7, word)
        except DomainError:
            pass

    argon2_s, argon2_cpu = per_guess(argon2_guess)
    scrypt_s, scrypt_cpu = per_guess(scrypt_guess)
    print(f"Argon2id t={blob.time_cost} m={blob.memory_kib} KiB p={blob.parallelism}: {argon2_s:.4f} s per guess",
          file=sys.stderr)
    print(f"scrypt n={legacy.scrypt_n} r={legacy.scrypt_r} p={legacy.scrypt_p}: {scrypt_s:.4f} s per guess",
          file=sys.stderr)
    print(json.dumps({
        "argon2id": {"time_cost": blob.time_cost, "memory_kib": blob.memory_kib, "parallelism": blob.parallelism,
                     "seconds_per_guess": round(argon2_s, 4), "guesses_per_second": round(1 / argon2_s, 2),
                     "cpu_seconds_per_guess": round(argon2_cpu, 4)},
        "scrypt_login_password": {"n": legacy.scrypt_n, "r": legacy.scrypt_r, "p": legacy.scrypt_p,
                                  "seconds_per_guess": round(scrypt_s, 4),
                                  "guesses_per_second": round(1 / scrypt_s, 2),
                                  "cpu_seconds_per_guess": round(scrypt_cpu, 4)},
        "argon2id_vs_scrypt": round(argon2_s / scrypt_s, 1), "guesses": GUESSES, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
