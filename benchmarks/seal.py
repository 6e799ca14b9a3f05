"""Sealing throughput and memory: seal and open a 256 MiB document, against the floor of AES-256-GCM + SHA-256.

The floor is what any sound envelope must do per byte: AES-256-GCM over 1 MiB chunks plus one SHA-256 over
the same bytes, single-threaded, in memory. Sealing and opening stream a generated document from a file in a
temporary folder to a file there; floor, seal and open are timed in turn for ``BENCH_RUNS`` rounds, and the best
of each counts. Peak memory is measured in child processes (``ru_maxrss``), each sealing one size, 16 MiB and
256 MiB; the growth is the difference.

Sealing (format v3) does the floor's work (each chunk encrypted, its ciphertext hashed once) plus the file I/O,
so it passes the floor only with both cores: the pipeline spreads the hashing over the calling thread and a helper
(``chunks.Pipeline``). The other processes on the machine take from the two threads what the one-thread floor does
not miss, so the load average is printed with the result. ``BENCH_VERSION`` (1, 2 or 3, the default) seals in
another format version, to compare.

Prints progress to stderr and, as its last line, one JSON object: seal_mib_s, unseal_mib_s, floor_mib_s,
ratio (the slower of seal/unseal over the floor), seal_ratio, unseal_ratio, rss_growth_mib, load (the 1-minute
load average before and after), the CPU time per MiB of each (``floor_cpu_ms_mib`` ...: the work, whatever the
load; on two free cores the best ratio is about 2 × floor's / seal's), and the details.
Targets: seal_ratio >= 1.0 and unseal_ratio >= 1.0 (so ratio >= 1.0), rss_growth_mib < 64.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from trading.domain.sealing import open_envelope, seal

MIB = 1024 * 1024
VERSION = int(os.environ.get("BENCH_VERSION", "3"))
SIZE_MIB = int(os.environ.get("BENCH_MIB", "256"))
SMALL_MIB = 16
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def keys():
    """A lot key pair, a bidder signing key and a self-signed certificate for it (the CA is not measured)."""
    lot = x25519.X25519PrivateKey.generate()
    signer = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench bidder")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(signer.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1)).sign(signer, None))
    return lot, signer, cert.public_bytes(serialization.Encoding.PEM)


def make_document(path: Path, mib: int) -> None:
    """Write ``mib`` MiB of random bytes, 1 MiB at a time."""
    with path.open("wb") as out:
        for _ in range(mib):
            out.write(os.urandom(MIB))


def seal_file(document: Path, envelope: Path, lot, signer, cert_pem: bytes):
    """Seal one document into an envelope file; return the seal result."""
    with document.open("rb") as src, envelope.open("wb") as out:
        return seal(out, lot_code="BENCH-LOT", bidder_code="BENCH-BIDDER", lot_public_key=lot.public_key()
                    .public_bytes_raw(), price_form={"price": "12345678.90", "duration": "180日历天"},
                    files=[("document.bin", src)], signer=signer, certificate_pem=cert_pem, version=VERSION)


def open_file(envelope: Path, folder: Path, lot, manifest_hash: str):
    """Open an envelope, writing each file into ``folder``."""
    handles = []

    def sink(name: str):
        handles.append((folder / name).open("wb"))
        return handles[-1]

    try:
        with envelope.open("rb") as stream:
            return open_envelope(stream, lot_private_key=lot, lot_code="BENCH-LOT", bidder_code="BENCH-BIDDER",
                                 sink=sink, expected_manifest_hash=manifest_hash)
    finally:
        for handle in handles:
            handle.close()


def floor(mib: int, cpu: list) -> float:
    """Seconds for AES-256-GCM over ``mib`` 1 MiB chunks plus SHA-256 over the same bytes, one thread (the CPU
    seconds are appended to ``cpu``)."""
    aead, digest = AESGCM(AESGCM.generate_key(256)), hashlib.sha256()
    chunks = [os.urandom(MIB) for _ in range(4)]

    def work():
        for counter in range(mib):
            chunk = chunks[counter % 4]
            aead.encrypt(counter.to_bytes(12, "big"), chunk, b"header hash")
            digest.update(chunk)

    return timed(work, cpu)


def timed(action, cpu: list) -> float:
    """Seconds taken by ``action()``; the CPU seconds of this process (all its threads) are appended to ``cpu``."""
    began, began_cpu = time.perf_counter(), time.process_time()
    action()
    cpu.append(time.process_time() - began_cpu)
    return time.perf_counter() - began


def child(document: str, envelope: str) -> None:
    """Child process: seal one document and print its own peak RSS (KiB)."""
    lot, signer, cert_pem = keys()
    seal_file(Path(document), Path(envelope), lot, signer, cert_pem)
    print(json.dumps({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def peak_rss_mib(document: Path, envelope: Path) -> float:
    """Peak RSS of a child process that seals ``document``."""
    done = subprocess.run([sys.executable, __file__, "--child", str(document), str(envelope)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["maxrss_kib"] / 1024


def main() -> None:
    """Run the benchmark and print the JSON line."""
    lot, signer, cert_pem = keys()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        document, small = folder / "document.bin", folder / "small.bin"
        envelope, opened = folder / "bid.envelope", folder / "opened"
        opened.mkdir()
        log(f"writing a {SIZE_MIB} MiB and a {SMALL_MIB} MiB document in {folder}")
        make_document(document, SIZE_MIB)
        make_document(small, SMALL_MIB)
        result, floor_s, seal_s, unseal_s = {}, [], [], []
        cpu = {"floor": [], "seal": [], "unseal": []}
        for run in range(RUNS):  # interleaved, so that the floor and the envelope see the same machine
            floor_s.append(floor(SIZE_MIB, cpu["floor"]))
            envelope.unlink(missing_ok=True)
            seal_s.append(timed(lambda: result.update(sealed=seal_file(document, envelope, lot, signer, cert_pem)),
                                cpu["seal"]))
            (opened / "document.bin").unlink(missing_ok=True)
            receipted = result["sealed"].manifest_hash
            unseal_s.append(timed(lambda receipted=receipted: open_file(envelope, opened, lot, receipted),
                                  cpu["unseal"]))
            log(f"run {run + 1}/{RUNS}: floor {SIZE_MIB / floor_s[-1]:.0f} MiB/s, seal {SIZE_MIB / seal_s[-1]:.0f} "
                f"MiB/s, open {SIZE_MIB / unseal_s[-1]:.0f} MiB/s")
        floor_s, seal_s, unseal_s = min(floor_s), min(seal_s), min(unseal_s)
        log(f"envelope {envelope.stat().st_size} bytes for a {SIZE_MIB} MiB document; best of {RUNS} runs each")
        if (opened / "document.bin").stat().st_size != document.stat().st_size:
            raise SystemExit("the opened document has the wrong size")
        rss_small = peak_rss_mib(small, folder / "small.envelope")
        rss_large = peak_rss_mib(document, folder / "large.envelope")
        log(f"peak RSS sealing {SMALL_MIB} MiB: {rss_small:.1f} MiB; {SIZE_MIB} MiB: {rss_large:.1f} MiB")
    seal_rate, unseal_rate, floor_rate = SIZE_MIB / seal_s, SIZE_MIB / unseal_s, SIZE_MIB / floor_s
    print(json.dumps({
        "size_mib": SIZE_MIB, "version": VERSION, "seal_mib_s": round(seal_rate, 1),
        "unseal_mib_s": round(unseal_rate, 1),
        "floor_mib_s": round(floor_rate, 1), "ratio": round(min(seal_rate, unseal_rate) / floor_rate, 3),
        "seal_ratio": round(seal_rate / floor_rate, 3), "unseal_ratio": round(unseal_rate / floor_rate, 3),
        "rss_growth_mib": round(rss_large - rss_small, 1), "rss_small_mib": round(rss_small, 1),
        "rss_large_mib": round(rss_large, 1), "cpus": os.cpu_count(),
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **{f"{name}_cpu_ms_mib": round(1000 * min(times) / SIZE_MIB, 3) for name, times in cpu.items()},
    }))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
