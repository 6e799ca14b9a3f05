"""The electronic archive of a lot (电子档案): one zip with a manifest of hashes, checkable offline.

``write_archive`` bundles the lot's documents, sealed envelopes, opening record, draw record, scores and report,
notices and audit extract, and their readable HTML pages (``records/``, ``archive_records``) into one zip: each
item at ``<category>/<path>``, then ``manifest.json`` (format
``trading-archive`` version 1: the lot, the creation time, and each file's path, category, size and SHA-256)
and, with a signer, ``manifest.sig``: the raw 64-byte Ed25519 signature over the exact manifest bytes, whose
public key the manifest names. Items are streamed and hashed in one pass, so a 1 GiB envelope never sits in
memory; envelopes (already encrypted) and already-compressed files are stored, the rest deflated. The same
inputs give the same bytes.

``verify_archive`` re-hashes every file and says what differs: missing, extra or duplicated files, size or
hash mismatches, a bad or missing signature, a signer other than the expected key; and in each audit extract
(``audit/*.jsonl``, one ``audit_line`` per entry) that every entry matches its own hash and links to the entry
before it. The command is ``python -m trading.domain.archive verify FILE [--public-key HEX]`` (in
``archive_cli``).

Writing is all or nothing only with the caller's help: the items are checked before the first byte is written,
but a source can still fail midway. The service writes to a temporary file in the target folder (as
``BlobStore.writer`` does), fsyncs, and renames it into place only when ``write_archive`` returned.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .audit import GENESIS_HASH, EntryContent, StoredEntry, canonical, clean_payload, entry_hash, format_time
from .errors import N_, DomainError

FORMAT = "trading-archive"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CATEGORIES = ("documents", "envelopes", "opening", "draw", "evaluation", "notices", "audit", "records", "other")
AUDIT_SUFFIX = ".jsonl"
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
MAX_PATH = 1000
MAX_AUDIT_PROBLEMS = 50
FIELD = "items"

# Problem kinds, in the order a reader would care about them.
PROBLEMS = ("missing", "extra", "duplicate", "unsafe", "size", "hash", "unreadable", "signature_missing",
            "signature_bad", "signer_key", "audit_malformed", "audit_order", "audit_hash", "audit_link")

_STORED_SUFFIXES = frozenset({".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".jpg", ".jpeg", ".png",
                              ".gif", ".webp", ".mp3", ".mp4", ".docx", ".xlsx", ".pptx", ".ofd"})
_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\\:]")

Source = bytes | bytearray | memoryview | Callable[[], BinaryIO]


@dataclass(frozen=True)
class ArchiveItem:
    """One file of the archive: its path under its category, and bytes or a function opening a binary file."""

    path: str
    category: str
    source: Source

    @property
    def name(self) -> str:
        """The file's name in the zip: ``<category>/<path>``."""
        return f"{self.category}/{self.path}"


@dataclass(frozen=True)
class ArchiveFile:
    """One file as the manifest lists it."""

    path: str
    category: str
    size: int
    sha256: str

    def as_dict(self) -> dict:
        """The manifest's entry for this file."""
        return {"path": self.path, "category": self.category, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class WrittenArchive:
    """What ``write_archive`` wrote: the manifest bytes and their SHA-256, the files, the signature if any."""

    manifest: bytes
    manifest_sha256: str
    files: tuple[ArchiveFile, ...]
    signature: bytes | None


@dataclass(frozen=True)
class Problem:
    """One difference found by ``verify_archive``: its kind (see ``PROBLEMS``), the file, and what differs."""

    kind: str
    path: str | None
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}" if self.path else self.detail


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of ``verify_archive``: ``ok`` when there is no problem; notes say what was not checked."""

    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    lot_info: dict
    created_at: str
    signer_key: bytes | None
    files_checked: int

    @property
    def ok(self) -> bool:
        """True when nothing differs (MATCH)."""
        return not self.problems

    def kinds(self) -> list[tuple[str, str | None]]:
        """(kind, path) of each problem, for a quick comparison."""
        return [(p.kind, p.path) for p in self.problems]


# --- writing ----------------------------------------------------------------------------------------------------------


def _refuse(message: str, **params) -> DomainError:
    return DomainError(message, field=FIELD, **params)


def _path_key(name: str) -> str:
    """How two names are compared for clashes: NFC and case-folded (they would clash on extraction elsewhere)."""
    return unicodedata.normalize("NFC", name).casefold()


def _unsafe_reason(path: object) -> str | None:
    """Why ``path`` cannot be a relative path in the zip, or None when it can."""
    if not isinstance(path, str) or not path:
        return "empty"
    if len(path) > MAX_PATH:
        return "too long"
    if path.startswith("/"):
        return "absolute"
    if _BAD_CHARS.search(path):
        return "backslash, colon or control character"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "empty, '.' or '..' segment"
    return None


def check_items(items: Iterable[ArchiveItem]) -> list[ArchiveItem]:
    """The items as a list, or a refusal naming the first unknown category, unsafe path, missing source or clash."""
    checked, seen = [], {}
    for item in items:
        if item.category not in CATEGORIES:
            raise _refuse(N_("The archive item %(path)s has an unknown category %(category)s."),
                          path=str(item.path), category=str(item.category))
        reason = _unsafe_reason(item.path)
        if reason is not None:
            raise _refuse(N_("The archive item path %(path)s is not safe (%(reason)s): give a relative path "
                             "of plain names separated by /."), path=repr(item.path), reason=reason)
        if not (isinstance(item.source, bytes | bytearray | memoryview) or callable(item.source)):
            raise _refuse(N_("The archive item %(path)s has no content: give bytes or a function that opens a "
                             "binary file."), path=item.name)
        key = _path_key(item.name)
        if key in seen:
            raise _refuse(N_("Two archive items have the same path %(path)s."), path=item.name)
        seen[key] = item
        checked.append(item)
    return checked


def _compression(item: ArchiveItem) -> int:
    """Envelopes (already encrypted) and already-compressed files are stored; the rest is deflated."""
    suffix = item.path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    if item.category == "envelopes" or f".{suffix}" in _STORED_SUFFIXES:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def _zip_info(name: str, when: tuple[int, ...], compression: int) -> zipfile.ZipInfo:
    """A member header with fixed time, system and permissions, so the same inputs give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = compression
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def _write_item(archive: zipfile.ZipFile, item: ArchiveItem, when: tuple[int, ...]) -> ArchiveFile:
    """Stream one item into the zip, hashing on the way."""
    info = _zip_info(item.name, when, _compression(item))
    digest, size = hashlib.sha256(), 0
    if isinstance(item.source, bytes | bytearray | memoryview):
        data = bytes(item.source)
        info.file_size = len(data)
        with archive.open(info, "w") as out:
            out.write(data)
        digest.update(data)
        size = len(data)
    else:
        stream = item.source()
        try:
            with archive.open(info, "w", force_zip64=True) as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        finally:
            stream.close()
    return ArchiveFile(item.name, item.category, size, digest.hexdigest())


def manifest_bytes(lot_info: dict, created_at: datetime, files: Iterable[ArchiveFile],
                   public_key: bytes | None = None) -> bytes:
    """The manifest as written: indented UTF-8 JSON, keys in a fixed order, ending in a newline."""
    signer = None if public_key is None else {"algorithm": "Ed25519", "public_key": public_key.hex()}
    manifest = {"format": FORMAT, "version": VERSION, "lot": lot_info, "created_at": format_time(created_at),
                "files": [f.as_dict() for f in files], "signer": signer}
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_archive(out_file: BinaryIO, *, lot_info: dict, items: Iterable[ArchiveItem], created_at: datetime,
                  signer: Ed25519PrivateKey | None = None) -> WrittenArchive:
    """Write the archive zip to ``out_file``: the items, ``manifest.json`` and, with a signer, ``manifest.sig``.

    Items are refused (``DomainError`` on field ``items``) before anything is written. Each callable source is
    called once and its file closed after reading. ``out_file`` need not be seekable."""
    if not isinstance(lot_info, dict):
        raise DomainError(N_("The lot information of an archive must be a JSON object: %(reason)s."),
                          field="lot_info", reason=type(lot_info).__name__)
    try:
        lot = clean_payload(lot_info)
    except (TypeError, ValueError) as error:
        raise DomainError(N_("The lot information of an archive must be a JSON object: %(reason)s."),
                          field="lot_info", reason=str(error)) from None
    if signer is not None and not isinstance(signer, Ed25519PrivateKey):
        raise TypeError("the archive signer must be an Ed25519 private key")
    checked = check_items(items)
    utc = created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at.astimezone(UTC)
    when = utc.timetuple()[:6]
    public_key = signer.public_key().public_bytes_raw() if signer is not None else None
    with zipfile.ZipFile(out_file, "w", allowZip64=True) as archive:
        files = tuple(_write_item(archive, item, when) for item in checked)
        manifest = manifest_bytes(lot, created_at, files, public_key)
        archive.writestr(_zip_info(MANIFEST, when, zipfile.ZIP_DEFLATED), manifest)
        signature = signer.sign(manifest) if signer is not None else None
        if signature is not None:
            archive.writestr(_zip_info(SIGNATURE, when, zipfile.ZIP_STORED), signature)
    return WrittenArchive(manifest, hashlib.sha256(manifest).hexdigest(), files, signature)


# --- audit extracts ---------------------------------------------------------------------------------------------------


def audit_line(entry: StoredEntry) -> bytes:
    """One entry of an audit extract: canonical JSON of its sequence, hashed content, prev_hash and hash."""
    return canonical({"seq": entry.seq, **entry.content.as_dict(), "prev_hash": entry.prev_hash,
                      "hash": entry.hash}) + b"\n"


def audit_extract(entries: Iterable[StoredEntry]) -> bytes:
    """An audit extract (JSON lines, in sequence order) for ``audit/<name>.jsonl``."""
    return b"".join(audit_line(e) for e in sorted(entries, key=lambda e: e.seq))


def parse_audit_line(line: bytes | str) -> StoredEntry:
    """An entry from ``audit_line``'s form; ValueError, KeyError or TypeError when it is not one."""
    data = json.loads(line)
    if not isinstance(data, dict):
        raise TypeError("not a JSON object")
    seq, actor_id, payload = data["seq"], data["actor_id"], data["payload"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(payload, dict):
        raise TypeError("seq must be an integer and payload an object")
    if actor_id is not None and (not isinstance(actor_id, int) or isinstance(actor_id, bool)):
        raise TypeError("actor_id must be an integer or null")
    texts = [data[k] for k in ("at", "actor", "action", "prev_hash", "hash")]
    optional = [data[k] for k in ("object_type", "object_id", "rule")]
    if not all(isinstance(t, str) for t in texts) or not all(t is None or isinstance(t, str) for t in optional):
        raise TypeError("text fields must be strings")
    at = datetime.fromisoformat(data["at"])
    content = EntryContent(at, actor_id, data["actor"], data["action"], *optional, payload)
    return StoredEntry(seq, content, data["prev_hash"], data["hash"])


class _ChainCheck:
    """Checks an audit extract fed in chunks: each entry against its own hash, and each link to the entry before.

    Entries must come in increasing sequence order. A gap in the numbers (an extract of one lot's entries) is
    allowed and noted: the link across it cannot be checked here, only against the full log."""

    def __init__(self, path: str):
        self.path = path
        self.buffer = bytearray()
        self.line_no = 0
        self.previous: StoredEntry | None = None
        self.count = 0
        self.gaps = 0
        self.problems: list[Problem] = []
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        self.buffer += chunk
        start = 0
        while (end := self.buffer.find(b"\n", start)) >= 0:
            self._line(bytes(self.buffer[start:end]))
            start = end + 1
        del self.buffer[:start]

    def finish(self) -> tuple[list[Problem], list[str]]:
        if self.buffer.strip():
            self._line(bytes(self.buffer))
        self.buffer.clear()
        problems = list(self.problems)
        if self.dropped:
            problems.append(Problem("audit_malformed", self.path, f"and {self.dropped} more audit problems"))
        notes = []
        if self.gaps:
            notes.append(f"{self.path}: {self.count} audit entries with {self.gaps} gaps in their sequence numbers;"
                         " the links across the gaps are checked only against the full log")
        return problems, notes

    def _report(self, kind: str, detail: str) -> None:
        if len(self.problems) < MAX_AUDIT_PROBLEMS:
            self.problems.append(Problem(kind, self.path, detail))
        else:
            self.dropped += 1

    def _line(self, raw: bytes) -> None:
        self.line_no += 1
        if not raw.strip():
            return
        try:
            entry = parse_audit_line(raw)
        except (ValueError, KeyError, TypeError) as error:
            self._report("audit_malformed", f"line {self.line_no} is not an audit entry ({type(error).__name__}: "
                                            f"{error})")
            return
        self.count += 1
        if entry_hash(entry.content, entry.prev_hash) != entry.hash:
            self._report("audit_hash", f"entry {entry.seq} does not match its own hash: its content was changed "
                                       "after it was written")
        before = self.previous
        if before is not None and entry.seq <= before.seq:
            self._report("audit_order", f"entry {entry.seq} comes after entry {before.seq}: out of sequence order")
            return
        if before is not None and entry.seq == before.seq + 1 and entry.prev_hash != before.hash:
            self._report("audit_link", f"entry {entry.seq} does not link to entry {before.seq}: it names "
                                       f"{entry.prev_hash[:16]}..., entry {before.seq} hashes to {before.hash[:16]}...")
        elif before is None and entry.seq == 1 and entry.prev_hash != GENESIS_HASH:
            self._report("audit_link", "entry 1 does not start the chain (its prev_hash is not the genesis hash)")
        elif before is not None and entry.seq > before.seq + 1:
            self.gaps += 1
        self.previous = entry


# --- verifying --------------------------------------------------------------------------------------------------------


@dataclass
class _Manifest:
    lot_info: dict
    created_at: str
    files: list[ArchiveFile] = field(default_factory=list)
    public_key: bytes | None = None


def _malformed(reason: str) -> DomainError:
    return DomainError(N_("The archive manifest is malformed: %(reason)s."), field="archive", reason=reason)


def _parse_manifest(data: bytes) -> _Manifest:
    """The manifest's content, or a refusal saying why it cannot be read as one."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _malformed(f"not JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DomainError(N_("This is not an archive of format %(format)s version %(version)s."), field="archive",
                          format=FORMAT, version=VERSION)
    lot, created, files, signer = (manifest.get(k) for k in ("lot", "created_at", "files", "signer"))
    if not isinstance(lot, dict) or not isinstance(created, str) or not isinstance(files, list):
        raise _malformed("lot, created_at or files missing")
    result = _Manifest(lot, created)
    for index, entry in enumerate(files):
        try:
            path, category, size, digest = entry["path"], entry["category"], entry["size"], entry["sha256"]
        except (TypeError, KeyError):
            raise _malformed(f"file {index + 1} lacks path, category, size or sha256") from None
        if (not isinstance(path, str) or not isinstance(category, str) or not isinstance(size, int)
                or isinstance(size, bool) or size < 0 or not isinstance(digest, str) or not _HEX64.fullmatch(digest)):
            raise _malformed(f"file {index + 1} has a bad path, category, size or sha256")
        result.files.append(ArchiveFile(path, category, size, digest))
    if signer is not None:
        key = signer.get("public_key") if isinstance(signer, dict) else None
        if not isinstance(signer, dict) or signer.get("algorithm") != "Ed25519" or not isinstance(key, str) \
                or not _HEX_KEY.fullmatch(key):
            raise _malformed("the signer is not an Ed25519 public key in hex")
        result.public_key = bytes.fromhex(key)
    return result


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, sink: Callable[[bytes], None] | None = None
          ) -> tuple[int, str]:
    """Size and SHA-256 of one member, read in chunks (each also given to ``sink``)."""
    digest, size = hashlib.sha256(), 0
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if sink is not None:
                sink(chunk)
    return size, digest.hexdigest()


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member that must be small (the manifest, the signature), read up to ``limit`` + 1 bytes."""
    with archive.open(info) as stream:
        return stream.read(limit + 1)


def _signature_problems(archive: zipfile.ZipFile, members: dict[str, list[zipfile.ZipInfo]], manifest: _Manifest,
                        data: bytes, expected: bytes | None) -> tuple[list[Problem], list[str]]:
    """The signature checked against the key the manifest names, and that key against ``expected``."""
    problems, notes = [], []
    found = members.get(SIGNATURE, [])
    if manifest.public_key is None:
        if found:
            problems.append(Problem("signature_bad", SIGNATURE, "there is a signature but the manifest names no "
                                                                "signer key"))
        elif expected is not None:
            problems.append(Problem("signature_missing", SIGNATURE, "the archive is not signed, but a signer key "
                                                                    "was expected"))
        else:
            notes.append("the archive is not signed: the hashes show the files match the manifest, not who made it")
        return problems, notes
    if not found:
        problems.append(Problem("signature_missing", SIGNATURE, f"the manifest names signer key "
                                                                f"{manifest.public_key.hex()} but there is no "
                                                                "signature"))
    else:
        try:
            signature = _read_small(archive, found[-1], 64)
            Ed25519PublicKey.from_public_bytes(manifest.public_key).verify(signature, data)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
            problems.append(Problem("signature_bad", SIGNATURE, f"cannot be read ({error})"))
        except InvalidSignature:
            problems.append(Problem("signature_bad", SIGNATURE, "the signature does not match the manifest under "
                                                                "the key it names: the manifest was changed"))
    if expected is not None and expected != manifest.public_key:
        problems.append(Problem("signer_key", MANIFEST, f"signed by key {manifest.public_key.hex()}, "
                                                        f"expected {expected.hex()}"))
    elif expected is None:
        notes.append(f"signature checked against the key the manifest names, {manifest.public_key.hex()}; "
                     "compare it with the platform's published key")
    return problems, notes


def _open_zip(path_or_file) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path_or_file, "r")
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise DomainError(N_("This file is not a zip archive."), field="archive") from None


def verify_archive(path_or_file, *, expected_public_key: bytes | None = None) -> VerifyResult:
    """Re-hash every file of an archive and check its manifest, signature and audit extracts.

    Takes a path or a seekable binary file. Raises ``DomainError`` (field ``archive``) when the input is not a
    zip or has no readable manifest of this format, ``OSError`` when it cannot be read at all."""
    with _open_zip(path_or_file) as archive:
        members: dict[str, list[zipfile.ZipInfo]] = defaultdict(list)
        for info in archive.infolist():
            if not info.is_dir():
                members[info.filename].append(info)
        if MANIFEST not in members:
            raise DomainError(N_("This archive has no %(name)s."), field="archive", name=MANIFEST)
        try:
            data = _read_small(archive, members[MANIFEST][-1], MAX_MANIFEST)
        except (zipfile.BadZipFile, EOFError, ValueError) as error:
            raise _malformed(f"cannot be read ({error})") from None
        if len(data) > MAX_MANIFEST:
            raise _malformed(f"larger than {MAX_MANIFEST} bytes")
        manifest = _parse_manifest(data)
        problems: list[Problem] = []
        notes: list[str] = []
        for name, infos in members.items():
            if len(infos) > 1:
                problems.append(Problem("duplicate", name, f"the zip holds {len(infos)} files of this name"))
        listed = Counter(_path_key(f.path) for f in manifest.files)
        for entry in manifest.files:
            if listed[_path_key(entry.path)] > 1:
                problems.append(Problem("duplicate", entry.path, "the manifest lists this path more than once"))
                listed[_path_key(entry.path)] = 1
            category, _, rest = entry.path.partition("/")
            if entry.category not in CATEGORIES or category != entry.category or _unsafe_reason(rest) is not None:
                problems.append(Problem("unsafe", entry.path, f"not a safe path under a known category "
                                                              f"(category {entry.category!r})"))
            if entry.path not in members:
                problems.append(Problem("missing", entry.path, f"listed in the manifest ({entry.size} bytes) but "
                                                               "not in the archive"))
                continue
            problems.extend(_check_file(archive, members[entry.path], entry, notes))
        known = {f.path for f in manifest.files} | {MANIFEST, SIGNATURE}
        for name in members:
            if name not in known:
                problems.append(Problem("extra", name, "in the archive but not in the manifest"))
        signature_problems, signature_notes = _signature_problems(archive, members, manifest, data,
                                                                  expected_public_key)
        problems.extend(signature_problems)
        notes.extend(signature_notes)
    order = {kind: i for i, kind in enumerate(PROBLEMS)}
    problems.sort(key=lambda p: order.get(p.kind, len(order)))
    return VerifyResult(tuple(problems), tuple(notes), manifest.lot_info, manifest.created_at, manifest.public_key,
                        len(manifest.files))


def _check_file(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], entry: ArchiveFile,
                notes: list[str]) -> list[Problem]:
    """One listed file (each copy, if the zip holds several) against its manifest entry; audit extracts too."""
    problems = []
    audit = entry.path.startswith("audit/") and entry.path.endswith(AUDIT_SUFFIX)
    for info in infos:
        chain = _ChainCheck(entry.path) if audit else None
        try:
            size, digest = _scan(archive, info, chain.feed if chain else None)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
            problems.append(Problem("unreadable", entry.path, f"cannot be read from the zip ({error})"))
            continue
        if size != entry.size:
            problems.append(Problem("size", entry.path, f"{size} bytes, the manifest says {entry.size}"))
        elif digest != entry.sha256:
            problems.append(Problem("hash", entry.path, f"SHA-256 {digest}, the manifest says {entry.sha256}"))
        if chain is not None:
            chain_problems, chain_notes = chain.finish()
            problems.extend(chain_problems)
            notes.extend(chain_notes)
    return problems


if __name__ == "__main__":
    from trading.domain.archive_cli import main

    raise SystemExit(main())
