"""The lot archive (电子档案): writing the zip and manifest, verifying it offline, and the command line."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trading.domain import archive
from trading.domain.archive import (
    ArchiveItem,
    audit_extract,
    audit_line,
    parse_audit_line,
    verify_archive,
    write_archive,
)
from trading.domain.archive_cli import main
from trading.domain.audit import GENESIS_HASH, EntryContent, StoredEntry, clean_payload, entry_hash
from trading.domain.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 20, 8, 30, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = KEY.public_key().public_bytes_raw()
LOT = {"code": "BD-2026-001-01", "name": "巴东县某道路工程 一标段", "budget": "12345678.90"}
ENVELOPE = bytes((i * 7 + 3) % 256 for i in range(300_000))


def chain(count: int, first: int = 1, prev: str = GENESIS_HASH) -> list[StoredEntry]:
    """``count`` correctly chained audit entries from sequence ``first``."""
    entries = []
    for seq in range(first, first + count):
        content = EntryContent(NOW + timedelta(minutes=seq), 7, "staff1", f"lot.step{seq}", "lot", "42", "R-3.1",
                               {"n": seq, "note": "开标"})
        digest = entry_hash(content, prev)
        entries.append(StoredEntry(seq, content, prev, digest))
        prev = digest
    return entries


def items(tmp_path: Path, audit: bytes | None = None) -> list[ArchiveItem]:
    """A few items of each kind; the envelope is streamed from a file."""
    envelope = tmp_path / "bid-A.env"
    envelope.write_bytes(ENVELOPE)
    return [
        ArchiveItem("招标文件.txt", "documents", "第一章 招标公告\n".encode() * 50),
        ArchiveItem("A/bid.env", "envelopes", lambda: envelope.open("rb")),
        ArchiveItem("record.json", "opening", b'{"bids": [{"bidder": "A", "price": "100.00"}]}'),
        ArchiveItem("draw-record.json", "draw", b'{"format": "trading.draw-record"}'),
        ArchiveItem("report.txt", "evaluation", bytearray(b"ranked: A, B, C")),
        ArchiveItem("award.txt", "notices", memoryview(b"award notice")),
        ArchiveItem("lot-42.jsonl", "audit", audit if audit is not None else audit_extract(chain(4))),
    ]


def build(tmp_path: Path, name: str = "archive.zip", signer=KEY, **kwargs) -> Path:
    """An archive of ``items`` written to ``tmp_path / name``."""
    out = tmp_path / name
    with out.open("wb") as stream:
        write_archive(stream, lot_info=LOT, items=items(tmp_path, **kwargs), created_at=NOW, signer=signer)
    return out


def rewrite(source: Path, target: Path, change: dict[str, bytes | None] | None = None,
            add: dict[str, bytes] | None = None) -> Path:
    """A copy of an archive zip with members replaced, removed (None) or added, as a tamperer would make it."""
    change = change or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target


def read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def test_a_fresh_archive_matches_and_its_manifest_lists_every_file(tmp_path):
    path = build(tmp_path)
    result = verify_archive(path, expected_public_key=PUBLIC)
    assert result.ok and result.problems == () and result.notes == ()
    assert result.files_checked == 7 and result.lot_info == LOT and result.signer_key == PUBLIC
    assert result.created_at == "2026-05-20T08:30:00.000000Z"
    manifest_data = read(path, "manifest.json")
    manifest = json.loads(manifest_data)
    assert (manifest["format"], manifest["version"]) == ("trading-archive", 1)
    assert manifest["signer"] == {"algorithm": "Ed25519", "public_key": PUBLIC.hex()}
    with zipfile.ZipFile(path) as z:
        for entry in manifest["files"]:
            data = z.read(entry["path"])
            assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
            assert entry["path"].startswith(entry["category"] + "/")
        types = {info.filename: info.compress_type for info in z.infolist()}
    assert [e["path"] for e in manifest["files"]][:2] == ["documents/招标文件.txt", "envelopes/A/bid.env"]
    assert types["envelopes/A/bid.env"] == zipfile.ZIP_STORED
    assert types["opening/record.json"] == types["manifest.json"] == zipfile.ZIP_DEFLATED
    KEY.public_key().verify(read(path, "manifest.sig"), manifest_data)


def test_the_same_inputs_give_the_same_bytes_and_the_result_names_the_manifest(tmp_path):
    first, second = io.BytesIO(), io.BytesIO()
    written = write_archive(first, lot_info=LOT, items=items(tmp_path), created_at=NOW, signer=KEY)
    write_archive(second, lot_info=LOT, items=items(tmp_path), created_at=NOW, signer=KEY)
    assert first.getvalue() == second.getvalue()
    assert written.manifest_sha256 == hashlib.sha256(written.manifest).hexdigest()
    assert len(written.files) == 7 and len(written.signature) == 64
    assert verify_archive(io.BytesIO(first.getvalue()), expected_public_key=PUBLIC).ok


def test_streamed_sources_are_read_in_chunks_and_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "CHUNK", 4096)

    class Chunked(io.BytesIO):
        reads: list[int] = []

        def read(self, size=-1):
            assert 0 < size <= 4096, "the whole file was asked for"
            Chunked.reads.append(size)
            return super().read(size)

    opened = []

    def source():
        opened.append(Chunked(ENVELOPE))
        return opened[-1]

    out = io.BytesIO()
    written = write_archive(out, lot_info=LOT, items=[ArchiveItem("big.env", "envelopes", source)], created_at=NOW)
    assert len(opened) == 1 and opened[0].closed and len(Chunked.reads) > 50
    assert written.files[0].sha256 == hashlib.sha256(ENVELOPE).hexdigest() and written.files[0].size == len(ENVELOPE)
    assert verify_archive(out).ok


class Unseekable(io.RawIOBase):
    """A write-only stream, like a socket or a pipe."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def test_an_unseekable_output_works(tmp_path):
    out = Unseekable()
    write_archive(out, lot_info=LOT, items=items(tmp_path), created_at=NOW, signer=KEY)
    assert verify_archive(io.BytesIO(bytes(out.data)), expected_public_key=PUBLIC).ok


def test_one_changed_byte_is_a_hash_mismatch_of_that_file_only(tmp_path):
    good = build(tmp_path)
    data = bytearray(read(good, "opening/record.json"))
    data[10] ^= 1
    bad = rewrite(good, tmp_path / "bad.zip", {"opening/record.json": bytes(data)})
    result = verify_archive(bad, expected_public_key=PUBLIC)
    assert result.kinds() == [("hash", "opening/record.json")]
    assert "the manifest says" in str(result.problems[0])
    longer = rewrite(good, tmp_path / "longer.zip", {"notices/award.txt": b"award notice!"})
    assert verify_archive(longer).kinds() == [("size", "notices/award.txt")]


def test_a_removed_file_is_missing_and_an_added_file_is_extra(tmp_path):
    good = build(tmp_path)
    removed = rewrite(good, tmp_path / "removed.zip", {"draw/draw-record.json": None})
    assert verify_archive(removed, expected_public_key=PUBLIC).kinds() == [("missing", "draw/draw-record.json")]
    added = rewrite(good, tmp_path / "added.zip", add={"other/late.txt": b"slipped in"})
    assert verify_archive(added, expected_public_key=PUBLIC).kinds() == [("extra", "other/late.txt")]
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = rewrite(good, tmp_path / "twice.zip", add={"notices/award.txt": b"award notice"})
    assert verify_archive(twice, expected_public_key=PUBLIC).kinds() == [("duplicate", "notices/award.txt")]


def test_an_edited_manifest_breaks_the_signature(tmp_path):
    good = build(tmp_path)
    manifest = json.loads(read(good, "manifest.json"))
    manifest["lot"]["name"] = "another lot"
    renamed = rewrite(good, tmp_path / "renamed.zip", {"manifest.json": json.dumps(manifest).encode()})
    assert verify_archive(renamed, expected_public_key=PUBLIC).kinds() == [("signature_bad", "manifest.sig")]
    manifest = json.loads(read(good, "manifest.json"))
    manifest["files"][2]["sha256"] = "0" * 64
    rehashed = rewrite(good, tmp_path / "rehashed.zip", {"manifest.json": json.dumps(manifest).encode()})
    assert verify_archive(rehashed).kinds() == [("hash", "opening/record.json"), ("signature_bad", "manifest.sig")]
    unsigned = rewrite(good, tmp_path / "unsigned.zip", {"manifest.sig": None})
    assert verify_archive(unsigned).kinds() == [("signature_missing", "manifest.sig")]


def test_the_signer_key_is_checked_against_the_expected_one(tmp_path):
    good = build(tmp_path)
    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes_raw()
    result = verify_archive(good, expected_public_key=other)
    assert result.kinds() == [("signer_key", "manifest.json")]
    assert PUBLIC.hex() in str(result.problems[0]) and other.hex() in str(result.problems[0])
    unpinned = verify_archive(good)
    assert unpinned.ok and PUBLIC.hex() in unpinned.notes[0]


def test_an_unsigned_archive_matches_only_when_no_key_is_expected(tmp_path):
    path = build(tmp_path, signer=None)
    assert "manifest.sig" not in zipfile.ZipFile(path).namelist()
    result = verify_archive(path)
    assert result.ok and result.signer_key is None and "not signed" in result.notes[0]
    assert verify_archive(path, expected_public_key=PUBLIC).kinds() == [("signature_missing", "manifest.sig")]


def test_a_damaged_stored_file_is_reported_unreadable(tmp_path):
    good = build(tmp_path)
    data = bytearray(good.read_bytes())
    at = data.find(ENVELOPE[1000:1032])
    data[at] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    result = verify_archive(damaged, expected_public_key=PUBLIC)
    assert result.kinds() == [("unreadable", "envelopes/A/bid.env")] and "CRC" in str(result.problems[0])


def test_a_broken_audit_chain_is_reported_precisely(tmp_path):
    entries = chain(5)
    e = entries[2]
    content = replace(e.content, payload={"n": 999})
    edited = [*entries]
    edited[2] = StoredEntry(e.seq, content, e.prev_hash, e.hash)
    path = build(tmp_path, "edited.zip", audit=audit_extract(edited))
    assert verify_archive(path).kinds() == [("audit_hash", "audit/lot-42.jsonl")]
    assert "entry 3 does not match its own hash" in str(verify_archive(path).problems[0])

    forged = [*entries]
    forged[2] = StoredEntry(e.seq, content, e.prev_hash, entry_hash(content, e.prev_hash))
    result = verify_archive(build(tmp_path, "forged.zip", audit=audit_extract(forged)))
    assert result.kinds() == [("audit_link", "audit/lot-42.jsonl")]
    assert "entry 4 does not link to entry 3" in str(result.problems[0])

    swapped = b"".join(audit_line(x) for x in [entries[0], entries[2], entries[1], entries[3]])
    result = verify_archive(build(tmp_path, "swapped.zip", audit=swapped))
    assert ("audit_order", "audit/lot-42.jsonl") in result.kinds()

    garbled = audit_extract(entries[:2]) + b"{not json\n" + audit_line(entries[2])
    result = verify_archive(build(tmp_path, "garbled.zip", audit=garbled))
    assert result.kinds() == [("audit_malformed", "audit/lot-42.jsonl")] and "line 3" in str(result.problems[0])


def test_an_audit_extract_may_skip_other_lots_entries_and_start_mid_chain(tmp_path):
    entries = chain(8)
    lot_only = [entries[2], entries[3], entries[6]]
    result = verify_archive(build(tmp_path, audit=audit_extract(lot_only)), expected_public_key=PUBLIC)
    assert result.ok and "1 gaps" in result.notes[0]
    moved = StoredEntry(1, entries[2].content, entries[2].prev_hash, entries[2].hash)
    result = verify_archive(build(tmp_path, "moved.zip", audit=audit_line(moved)))
    assert result.kinds() == [("audit_link", "audit/lot-42.jsonl")]


def test_audit_lines_round_trip(tmp_path):
    content = EntryContent(datetime(2026, 1, 2, 3, 4, 5, 6), None, "system", "deposit.refund", None, None, None,
                           clean_payload({"amount": Decimal("100.50"), "at": NOW, "名": [1, 2.5, None]}))
    entry = StoredEntry(9, content, "a" * 64, entry_hash(content, "a" * 64))
    back = parse_audit_line(audit_line(entry))
    assert back.seq == 9 and back.hash == entry.hash and entry_hash(back.content, back.prev_hash) == entry.hash
    with pytest.raises((ValueError, KeyError, TypeError)):
        parse_audit_line(b'{"seq": "1"}')


@pytest.mark.parametrize("path, category", [
    ("../x", "documents"), ("/etc/passwd", "documents"), ("a/../../b", "documents"), ("a\\b", "documents"),
    ("C:/x", "documents"), ("", "documents"), ("a//b", "documents"), ("a/", "documents"), ("./a", "documents"),
    ("x.txt", "secrets"), ("x.txt", "../documents"),
])
def test_unsafe_paths_and_unknown_categories_are_refused_before_writing(tmp_path, path, category):
    out = io.BytesIO()
    with pytest.raises(DomainError) as error:
        write_archive(out, lot_info=LOT, items=[ArchiveItem("ok.txt", "documents", b"ok"),
                                                ArchiveItem(path, category, b"x")], created_at=NOW)
    assert error.value.field == "items" and out.getvalue() == b""


def test_duplicate_paths_and_missing_content_are_refused(tmp_path):
    for clash in ("a.txt", "A.TXT"):
        with pytest.raises(DomainError, match="same path") as error:
            write_archive(io.BytesIO(), lot_info=LOT, created_at=NOW,
                          items=[ArchiveItem("a.txt", "notices", b"1"), ArchiveItem(clash, "notices", b"2")])
        assert error.value.field == "items"
    write_archive(io.BytesIO(), lot_info=LOT, created_at=NOW,
                  items=[ArchiveItem("a.txt", "notices", b"1"), ArchiveItem("a.txt", "other", b"2")])
    with pytest.raises(DomainError, match="no content") as error:
        write_archive(io.BytesIO(), lot_info=LOT, created_at=NOW, items=[ArchiveItem("a.txt", "notices", "text")])
    with pytest.raises(DomainError) as error:
        write_archive(io.BytesIO(), lot_info={"when": object()}, created_at=NOW, items=[])
    assert error.value.field == "lot_info"


def test_input_that_is_not_an_archive_is_refused(tmp_path):
    with pytest.raises(DomainError, match="not a zip"):
        verify_archive(io.BytesIO(b"plain text"))
    bare = io.BytesIO()
    with zipfile.ZipFile(bare, "w") as z:
        z.writestr("documents/a.txt", b"a")
    with pytest.raises(DomainError, match="no manifest.json"):
        verify_archive(bare)
    other = rewrite(build(tmp_path), tmp_path / "other.zip", {"manifest.json": b'{"format": "something-else"}'})
    with pytest.raises(DomainError, match="not an archive of format"):
        verify_archive(other)


def test_the_command_line(tmp_path, capsys):
    good = build(tmp_path)
    run = [sys.executable, "-m", "trading.domain.archive", "verify"]
    done = subprocess.run([*run, str(good), "--public-key", PUBLIC.hex()], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "MATCH", "")
    bad = rewrite(good, tmp_path / "bad.zip", {"draw/draw-record.json": None}, {"other/x.txt": b"x"})
    done = subprocess.run([*run, str(bad), "--public-key", PUBLIC.hex()], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "MISMATCH: 2 problems",
        "- draw/draw-record.json: listed in the manifest (33 bytes) but not in the archive",
        "- other/x.txt: in the archive but not in the manifest",
    ]
    done = subprocess.run([*run, str(tmp_path / "nothing.zip"), "--public-key", PUBLIC.hex()], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "nothing.zip" in done.stderr
    text = tmp_path / "text.zip"
    text.write_text("not a zip")
    assert main(["verify", str(text), "--no-key-check"]) == 2
    assert main(["verify", str(good), "--public-key", "nothex"]) == 2
    assert main(["verify", str(good), "--public-key", "00" * 32]) == 1
    assert "signed by key" in capsys.readouterr().out
