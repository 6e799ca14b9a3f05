"""The standalone bidder tool: seal -> inspect -> verify -> verify-receipt, as a bidder would run it."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from trading.domain.sealing import fingerprint, inspect, open_envelope, sign_receipt
from trading.domain.sealing.__main__ import main

from .test_envelope import BIDDER, LOT, certificate_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Key files and documents as a bidder has them, plus the lot's private key (for checking only)."""
    lot = x25519.X25519PrivateKey.generate()
    signer = ed25519.Ed25519PrivateKey.generate()
    files = {
        "lot_key": tmp_path / "lotkey.pub",
        "key": tmp_path / "bidder.p8",
        "cert": tmp_path / "bidder.pem",
        "tech": tmp_path / "技术标.pdf",
        "commercial": tmp_path / "commercial.docx",
        "envelope": tmp_path / "bid.envelope",
    }
    files["lot_key"].write_text(lot.public_key().public_bytes_raw().hex() + "\n")
    files["key"].write_bytes(signer.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.BestAvailableEncryption(b"correct horse")))
    files["cert"].write_bytes(certificate_for(signer))
    files["tech"].write_bytes(b"%PDF-1.7 technical proposal " * 5000)
    files["commercial"].write_bytes(b"")
    monkeypatch.setenv("BID_PASSWORD", "correct horse")
    return lot, files


def seal_args(files, *extra) -> list[str]:
    return ["seal", "--lot-code", LOT, "--bidder-code", BIDDER, "--lot-key", str(files["lot_key"]),
            "--key", str(files["key"]), "--password-env", "BID_PASSWORD", "--cert", str(files["cert"]),
            "--price", "12345678.90", "--duration", "180日历天", "--field", "quality=合格",
            "--out", str(files["envelope"]), *extra, str(files["tech"]), str(files["commercial"])]


def test_seal_inspect_verify_and_receipt(world, capsys, tmp_path):
    """The whole round: seal, inspect, the upload check, then a receipt signed by the platform, checked offline."""
    lot, files = world
    assert main(seal_args(files)) == 0
    sealed = capsys.readouterr().out
    with files["envelope"].open("rb") as stream:
        info = inspect(stream)
    assert info.manifest_hash in sealed and fingerprint(lot.public_key().public_bytes_raw()) in sealed

    assert main(["inspect", str(files["envelope"])]) == 0
    shown = capsys.readouterr().out
    for text in (LOT, BIDDER, "技术标.pdf", "commercial.docx", "price-form.json", info.manifest_hash, "valid",
                 f"O={BIDDER}", info.files[1].ciphertext_hash, "AES-256-GCM"):
        assert text in shown

    assert main(["verify", str(files["envelope"]), "--lot-code", LOT, "--lot-key", str(files["lot_key"]),
                 "--bidder-code", BIDDER]) == 0
    assert "OK" in capsys.readouterr().out

    platform = ed25519.Ed25519PrivateKey.generate()
    platform_pub = tmp_path / "platform.pub"
    platform_pub.write_text(base64.b64encode(platform.public_key().public_bytes_raw()).decode())
    receipt = sign_receipt({"receipt_id": "R-1", "lot_code": LOT, "bidder_code": BIDDER,
                            "manifest_hash": info.manifest_hash, "envelope_size": info.size,
                            "received_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "audit_seq": 7, "kind": "submit"},
                           platform)
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_text(json.dumps(receipt))
    assert main(["verify-receipt", str(receipt_path), "--platform-key", str(platform_pub),
                 "--envelope", str(files["envelope"])]) == 0
    assert "matches" in capsys.readouterr().out

    receipt_path.write_text(json.dumps({**receipt, "audit_seq": 8}))
    assert main(["verify-receipt", str(receipt_path), "--platform-key", str(platform_pub)]) == 1
    assert "signature" in capsys.readouterr().err

    outputs: dict[str, io.BytesIO] = {}
    with files["envelope"].open("rb") as stream:
        bid = open_envelope(stream, lot_private_key=lot, lot_code=LOT, bidder_code=BIDDER,
                            sink=lambda name: outputs.setdefault(name, io.BytesIO()))
    assert bid.price_form == {"price": "12345678.90", "duration": "180日历天", "quality": "合格"}
    assert outputs["技术标.pdf"].getvalue() == files["tech"].read_bytes()


def test_the_tool_checks_an_envelope_and_receipt_of_version_1(tmp_path, capsys):
    """An envelope sealed in format v1 (before v2) is inspected, verified and matched to its receipt as before."""
    stored = json.loads((ROOT / "tests" / "domain" / "data" / "envelope_v1.json").read_text(encoding="utf-8"))
    path = tmp_path / "old.envelope"
    path.write_bytes(bytes.fromhex(stored["envelope"]))
    lot_public = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(stored["lot_private_key"])).public_key()
    assert main(["inspect", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "version 1" in shown and stored["manifest_hash"] in shown and "DOES NOT MATCH" not in shown
    assert main(["verify", str(path), "--lot-code", LOT, "--lot-key", lot_public.public_bytes_raw().hex(),
                 "--bidder-code", BIDDER]) == 0
    assert stored["manifest_hash"] in capsys.readouterr().out
    platform = ed25519.Ed25519PrivateKey.generate()
    receipt = sign_receipt({"receipt_id": "R-9", "lot_code": LOT, "bidder_code": BIDDER,
                            "manifest_hash": stored["manifest_hash"], "envelope_size": path.stat().st_size,
                            "received_at": datetime(2026, 3, 2, tzinfo=UTC), "audit_seq": 3, "kind": "submit"},
                           platform)
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_text(json.dumps(receipt))
    assert main(["verify-receipt", str(receipt_path), "--platform-key",
                 platform.public_key().public_bytes_raw().hex(), "--envelope", str(path)]) == 0
    assert "matches" in capsys.readouterr().out


def test_receipt_for_another_envelope_is_flagged(world, capsys, tmp_path):
    """verify-receipt --envelope fails when the receipt names another manifest hash."""
    _, files = world
    assert main(seal_args(files)) == 0
    platform = ed25519.Ed25519PrivateKey.generate()
    pub = tmp_path / "platform.pem"
    pub.write_bytes(platform.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
    receipt = sign_receipt({"receipt_id": "R-2", "lot_code": LOT, "bidder_code": BIDDER, "manifest_hash": "0" * 64,
                            "envelope_size": 1, "received_at": datetime(2026, 3, 2, tzinfo=UTC), "audit_seq": 1,
                            "kind": "submit"}, platform)
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    capsys.readouterr()
    assert main(["verify-receipt", str(path), "--platform-key", str(pub), "--envelope", str(files["envelope"])]) == 1
    assert "MISMATCH" in capsys.readouterr().err


def test_verify_refuses_another_lot_and_another_key(world, capsys):
    """The upload check run by the bidder names the reason and exits 1."""
    _, files = world
    assert main(seal_args(files)) == 0
    capsys.readouterr()
    assert main(["verify", str(files["envelope"]), "--lot-code", "4212002026JS0009-1",
                 "--lot-key", str(files["lot_key"])]) == 1
    assert "refused: The envelope was sealed for lot" in capsys.readouterr().err
    other = x25519.X25519PrivateKey.generate().public_key().public_bytes_raw()
    assert main(["verify", str(files["envelope"]), "--lot-code", LOT,
                 "--lot-key", base64.b64encode(other).decode()]) == 1
    assert "another opening key" in capsys.readouterr().err


def test_inspect_reports_a_damaged_envelope(world, capsys):
    """A changed byte in a chunk is shown as a mismatch (exit 1); a broken header is refused (exit 1)."""
    _, files = world
    assert main(seal_args(files)) == 0
    data = bytearray(files["envelope"].read_bytes())
    data[2000] ^= 1
    files["envelope"].write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["inspect", str(files["envelope"])]) == 1
    assert "DOES NOT MATCH" in capsys.readouterr().out
    files["envelope"].write_bytes(b"not an envelope")
    assert main(["inspect", str(files["envelope"])]) == 1
    assert "not a sealed bid envelope" in capsys.readouterr().err


def test_seal_refuses_bad_input(world, capsys, monkeypatch):
    """A wrong password, a bad price or a missing document: a message, exit 1, no envelope left behind."""
    _, files = world
    monkeypatch.setenv("BID_PASSWORD", "wrong")
    assert main(seal_args(files)) == 1
    assert "wrong password" in capsys.readouterr().err
    monkeypatch.setenv("BID_PASSWORD", "correct horse")
    args = seal_args(files)
    args[args.index("--price") + 1] = "0"
    assert main(args) == 1
    assert "more than zero" in capsys.readouterr().err
    assert main([*seal_args(files), str(files["tech"]) + ".missing"]) == 1
    assert not files["envelope"].exists()
    assert not list(files["envelope"].parent.glob("*.part"))


def test_module_entry_point(world):
    """`python -m trading.domain.sealing` runs without Flask."""
    _, files = world
    assert main(seal_args(files)) == 0
    done = subprocess.run([sys.executable, "-m", "trading.domain.sealing", "inspect", str(files["envelope"])],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "signature    valid" in done.stdout
    probe = ("import sys, trading; before = set(sys.modules); import trading.domain.sealing.__main__; "
             "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in "
             "('flask', 'sqlalchemy', 'werkzeug')))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"  # the tool itself needs neither (trading/__init__ imports Flask for the app)
