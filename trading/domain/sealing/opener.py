"""Checking every envelope of a lot at the opening, on every core: this process plus helper processes.

Each envelope is decrypted and every hash, tag and signature checked (``envelope.open_envelope``), the plaintext
is thrown away, and what the opening record needs comes back as plain values, with each document's fingerprint and
metadata for the collusion screens (``documents``: collected in the same pass, never stored with the record).
Python threads would share one interpreter lock, and the per-bid parsing holds it often enough that two threads
were slower than one; so large openings start helper processes (``python -m trading.domain.sealing.opener``, no
Flask, no database) and share the envelopes out with them while this process opens its own share. The opening key
reaches the helpers on their standard input only (a pipe between processes of the same user), never a file. A
helper that fails or stops answering is killed and its unfinished envelopes are opened here, so a helper's fault
is never a bidder's.

Protocol, one JSON object per line: to the helper the lot ``{"lot_code", "key"}`` (the X25519 private key, hex),
then jobs ``{"n", "path", "bidder_code", "manifest_hash"}``; from the helper ``{"n", "found": {...}}``.
"""

from __future__ import annotations

import gc
import json
import os
import select
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..errors import N_
from ..screens import DocumentFacts
from . import envelope
from .layout import PRICE_FORM_NAME

WINDOW = 6  # envelopes handed to a helper ahead of its answers
SILENCE_S = 60.0  # a helper that answers nothing for this long is killed and its envelopes opened here
_ROOT = Path(__file__).resolve().parents[3]  # the folder that holds the ``trading`` package


@dataclass(frozen=True)
class Job:
    """One stored envelope to open: its file (or its blob key, for ``open_blob``), the bidder it must be sealed by,
    the hash receipted at upload."""

    path: str
    bidder_code: str
    manifest_hash: str


class Discard:
    """A sink that keeps nothing: the envelope's own hashes and tags are verified as it is read."""

    def write(self, data) -> int:
        return len(data)


READ_FAILED = N_("The envelope could not be read: %(error)s.")


def _params(error: envelope.EnvelopeError) -> dict | None:
    """A refusal's parameters as JSON values (the reason is stored as its message id and these)."""
    return {name: value if isinstance(value, (int, float, bool)) or value is None else str(value)
            for name, value in error.params.items()} or None


def check(job: Job, private_key: X25519PrivateKey, lot_code: str,
          open_blob: Callable[[str], BinaryIO] | None = None) -> dict:
    """Open one envelope and read its price form, or say why it could not be opened (电子招标投标办法 Art. 31: the
    bidder's fault revokes the bid, the platform's deems it withdrawn; a stored envelope other than the receipted
    one is held, never opened, as suspected tampering): the columns of its opening record. The envelope is the file
    ``job.path``, or what ``open_blob(job.path)`` returns (a seekable stream, e.g. from an object store)."""
    found = {"status": "opened", "price": None, "duration": None, "fields": {}, "files": [], "reason": "",
             "reason_params": None, "rule": None}
    documents: dict[str, DocumentFacts] = {}

    def sink(name: str):
        """The price form is read from the envelope's own copy; each document gives the collusion screens its
        fingerprint and metadata as it is decrypted (``domain.screens.DocumentFacts``), and nothing else is kept."""
        if name == PRICE_FORM_NAME:
            return Discard()
        documents[name] = DocumentFacts()
        return documents[name]

    try:
        with open_blob(job.path) if open_blob else open(job.path, "rb") as handle:
            opened = envelope.open_envelope(handle, lot_private_key=private_key, lot_code=lot_code,
                                            bidder_code=job.bidder_code, sink=sink,
                                            expected_manifest_hash=job.manifest_hash)
    except envelope.EnvelopeError as error:
        if error.reason == "receipt":  # another envelope than the receipted one is stored: suspected tampering
            found.update(status="held", reason=error.message, reason_params=_params(error),
                         rule="electronic.encrypted_bids")
        else:
            found.update(status="revoked" if error.fault == "bidder" else "withdrawn", reason=error.message,
                         reason_params=_params(error), rule="electronic.decryption_failure")
    except OSError as error:  # the stored envelope cannot be read: the platform's fault
        found.update(status="withdrawn", reason=READ_FAILED, reason_params={"error": str(error)},
                     rule="electronic.decryption_failure")
    else:
        form = dict(opened.price_form)
        found.update(price=form.pop("price", None), duration=form.pop("duration", None), fields=form,
                     files=[record_of(f) for f in opened.files if f.name != PRICE_FORM_NAME],
                     documents=[{"name": f.name, **dict(zip(("fingerprint", "metadata"),
                                                            documents[f.name].facts(), strict=True))}
                                for f in opened.files if f.name in documents])
    return found


def record_of(opened) -> dict:
    """What the opening record keeps of an opened document: its name, size and the hash the signed manifest lists
    for it (the ciphertext hash; an envelope of version 1 or 2 also lists its salted hash, kept as well)."""
    kept = {"name": opened.name, "size": opened.size, "ciphertext_hash": opened.ciphertext_hash}
    if opened.salted_hash is not None:
        kept["salted_hash"] = opened.salted_hash
    return kept


class _Helper:
    """One helper process, the envelopes it holds and the unread part of its output."""

    def __init__(self, command: list[str] | None = None):
        self.process = subprocess.Popen(command or [sys.executable, "-m", __name__], cwd=_ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                            filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))})
        self.held: dict[int, Job] = {}
        self.pending = b""
        self.heard = time.monotonic()

    def send(self, message: dict) -> None:
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def give(self, n: int, job: Job) -> None:
        if not self.held:
            self.heard = time.monotonic()  # the silence is counted from the first envelope it waits on
        self.held[n] = job  # held before it is sent: if sending fails, the envelope is opened here
        self.send({"n": n, "path": job.path, "bidder_code": job.bidder_code, "manifest_hash": job.manifest_hash})

    def answers(self) -> list[tuple[int, dict]]:
        """The results the helper has written so far (reads what is there, does not wait). Anything unreadable
        raises before a single envelope is taken off the helper, so that all it holds can be opened here."""
        data = os.read(self.process.stdout.fileno(), 1 << 16)
        if not data:
            raise EOFError("the helper stopped")
        *lines, self.pending = (self.pending + data).split(b"\n")
        results = [(message["n"], message["found"]) for message in map(json.loads, lines)]
        if any(n not in self.held or not isinstance(found, dict) for n, found in results):
            raise ValueError("the helper answered for an envelope it does not hold")
        for n, _ in results:
            del self.held[n]
        self.heard = time.monotonic()
        return results

    def stop(self, kill: bool = False) -> None:
        """End the process (at once with ``kill``) and close its pipes."""
        if kill:
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:  # unsent envelopes to a helper that has gone
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Helpers:
    """``count`` helper processes, started at once so that their start-up (about 0.1 s) overlaps whatever the
    caller does before ``check_all``; stopped when the ``with`` block ends. Zero helpers: all here."""

    def __init__(self, count: int, start: Callable[[], _Helper] = _Helper):
        self.running: list[_Helper] = []
        for _ in range(max(0, count)):
            try:
                self.running.append(start())
            except OSError:  # no helper: this process opens them all
                break

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, *exc) -> None:
        for helper in self.running:
            helper.stop()
        self.running = []

    def check_all(self, jobs: list[Job], private_key: X25519PrivateKey, lot_code: str,
                  open_blob: Callable[[str], BinaryIO] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[dict]:
        """Open every envelope, here and on the helpers; the results in the order of ``jobs``. With ``open_blob``
        the jobs name blobs this process opens through it (start no helpers then: they read files only).
        ``progress(done, total)`` is told how many are done, at most every PROGRESS_S seconds and at the end."""
        paused = gc.isenabled()
        gc.disable()  # the loop makes no reference cycles; a full collection of a big heap would stall it
        try:
            return self._check_all(jobs, private_key, lot_code, open_blob, _Progress(progress, len(jobs)))
        finally:
            if paused:
                gc.enable()

    def _check_all(self, jobs: list[Job], private_key: X25519PrivateKey, lot_code: str,
                   open_blob: Callable[[str], BinaryIO] | None, progress: _Progress) -> list[dict]:
        results: list[dict | None] = [None] * len(jobs)
        todo = deque(enumerate(jobs))
        running = self.running if open_blob is None else []  # helpers read files, never blobs

        def drop(helper: _Helper) -> None:
            todo.extend(helper.held.items())  # its unfinished envelopes are opened here
            helper.held.clear()
            helper.stop(kill=True)
            running.remove(helper)

        for helper in running[:]:
            try:
                helper.send({"lot_code": lot_code, "key": private_key.private_bytes_raw().hex()})
            except OSError:
                drop(helper)
        while todo or any(h.held for h in running):
            for helper in running[:]:
                try:
                    while todo and len(helper.held) < WINDOW:
                        helper.give(*todo.pop())  # helpers take from the end, this process from the front
                except OSError:
                    drop(helper)
            ready = _readable(running, timeout=0 if todo else 1.0)
            for helper in running[:]:
                try:
                    if helper in ready:
                        for n, found in helper.answers():
                            results[n] = found
                            progress.one()
                    elif helper.held and time.monotonic() - helper.heard > SILENCE_S:
                        raise TimeoutError("the helper stopped answering")
                except (EOFError, OSError, TimeoutError, ValueError, KeyError, TypeError):
                    drop(helper)
            if todo:
                n, job = todo.popleft()
                results[n] = check(job, private_key, lot_code, open_blob)
                progress.one()
        progress.tell()
        return results


PROGRESS_S = 0.5  # how often the opening tells its progress


class _Progress:
    """Counts finished envelopes and tells ``report(done, total)`` now and then."""

    def __init__(self, report: Callable[[int, int], None] | None, total: int):
        self.report, self.total, self.done, self.told = report, total, 0, 0.0

    def one(self) -> None:
        self.done += 1
        if self.report is not None and time.monotonic() - self.told >= PROGRESS_S:
            self.tell()

    def tell(self) -> None:
        if self.report is not None:
            self.told = time.monotonic()
            self.report(self.done, self.total)


def _readable(running: list[_Helper], timeout: float) -> set[_Helper]:
    if not running:
        return set()
    by_fd = {h.process.stdout.fileno(): h for h in running}
    ready, _, _ = select.select(list(by_fd), [], [], timeout)
    return {by_fd[fd] for fd in ready}


def main() -> int:
    """The helper: take the key, then open each envelope named on standard input and answer on standard output."""
    private_key, lot_code = None, ""
    out = sys.stdout.buffer
    for line in sys.stdin:
        message = json.loads(line)
        if "key" in message:
            private_key = X25519PrivateKey.from_private_bytes(bytes.fromhex(message["key"]))
            lot_code = message["lot_code"]
            continue
        job = Job(message["path"], message["bidder_code"], message["manifest_hash"])
        out.write(json.dumps({"n": message["n"], "found": check(job, private_key, lot_code)}).encode() + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)  # nothing to tidy up: skip the interpreter's shutdown, which the opening would wait for
