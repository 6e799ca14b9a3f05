"""The blob store's promises, held by both backends alike: the folder, and S3 (against a local emulator, moto in
server mode). A write streams, is counted and hashed on the way, and appears whole or not at all: past the size
limit, on a failing upload, or after a crash nothing is left once the clean-up has run."""

from __future__ import annotations

import hashlib
import io
import time

import pytest

from trading import storage
from trading.storage import BlobTooLarge, FolderStore, make_store

BLOCK = 64 * 2**10
PART = 5 * 2**20  # S3's part size: bodies above it go as multipart uploads


def _block(n: int) -> bytes:
    return hashlib.sha256(n.to_bytes(8, "big")).digest() * (BLOCK // 32)  # each 64 KiB block different


class Body:
    """A request body of ``size`` bytes made as it is read (never held whole); with ``fail_at`` the connection
    breaks there."""

    def __init__(self, size: int, fail_at: int | None = None):
        self.size, self.fail_at, self.position = size, fail_at, 0
        self.reads: list[int] = []  # the position after each read

    def read(self, n: int = -1) -> bytes:
        if self.fail_at is not None and self.position >= self.fail_at:
            raise ConnectionResetError("the bidder's connection broke")
        n = self.size - self.position if n < 0 else min(n, self.size - self.position)
        out = bytearray()
        while len(out) < n:
            here = self.position + len(out)
            out += _block(here // BLOCK)[here % BLOCK:][:n - len(out)]
        self.position += n
        self.reads.append(self.position)
        return bytes(out)


def digest(stream, chunk: int = 2**20) -> tuple[int, str]:
    size, h = 0, hashlib.sha256()
    while data := stream.read(chunk):
        size, _ = size + len(data), h.update(data)
    return size, h.hexdigest()


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    """Each backend in turn, empty; S3 on a fresh bucket of the emulator, chosen by configuration as the app does."""
    if request.param == "folder":
        return make_store({}, str(tmp_path / "instance"))
    return make_store(request.getfixturevalue("s3_config"), str(tmp_path / "instance"))


def _pending(store) -> int:
    return len(store.leftovers())


def test_a_blob_reads_back_with_its_size_and_hash(store):
    data = "投标文件 sealed envelope".encode() * 100
    blob = store.put(io.BytesIO(data))
    assert (blob.size, blob.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert store.exists(blob.key) and [key for key, _ in store.keys()] == [blob.key]
    with store.open(blob.key) as handle:
        assert handle.read() == data
    assert store.put(io.BytesIO(b"")).size == 0  # an empty body is a blob too


def test_a_body_of_several_parts_is_stored_whole_and_reads_back_identical(store):
    body = Body(2 * PART + 12345)  # 10 MiB and a bit: three parts on S3
    blob = store.put(body, max_size=2 * PART + 12345)
    expected = digest(Body(2 * PART + 12345))
    assert (blob.size, blob.sha256) == expected
    with store.open(blob.key) as handle:
        assert digest(handle) == expected
    if not isinstance(store, FolderStore):  # completed as a multipart upload of three parts
        assert store.client.head_object(Bucket=store.bucket, Key=store.prefix + blob.key)["ETag"].endswith('-3"')


def test_an_upload_never_holds_more_than_one_part_of_the_body(s3_config, tmp_path):
    """Memory stays flat however large the envelope: the store reads at most one part ahead of what it has sent."""
    store = make_store(s3_config, str(tmp_path))
    sent = []
    store.client.meta.events.register("before-send.s3.UploadPart",
                                      lambda request, **_: sent.append(int(request.headers["Content-Length"])))
    body, unsent = Body(6 * PART), []
    real_read = body.read

    def read(n=-1):
        data = real_read(n)
        unsent.append(body.position - sum(sent))
        return data

    body.read = read
    blob = store.put(body)
    assert blob.size == 6 * PART and len(sent) == 6
    assert max(unsent) <= PART + storage.CHUNK  # 30 MiB uploaded with one part (plus one read) in memory


def test_a_body_over_the_limit_is_refused_and_leaves_nothing(store):
    with pytest.raises(BlobTooLarge) as refused:
        store.put(Body(3 * PART), max_size=PART + PART // 2)  # refused after one part was sent
    assert refused.value.limit == PART + PART // 2
    assert list(store.keys()) == [] and _pending(store) == 0  # no object, no pending upload


def test_a_body_exactly_at_the_limit_is_kept(store):
    assert store.put(Body(PART + 1), max_size=PART + 1).size == PART + 1


def test_a_connection_that_breaks_mid_stream_leaves_nothing(store):
    with pytest.raises(ConnectionResetError):
        store.put(Body(3 * PART, fail_at=2 * PART))
    assert list(store.keys()) == [] and _pending(store) == 0


def test_a_writer_keeps_its_blob_only_when_the_block_ends_well(store):
    with pytest.raises(RuntimeError), store.writer() as out:
        out.file.write(b"x" * (PART + 10))
        raise RuntimeError("sealing failed half-way")
    assert list(store.keys()) == [] and _pending(store) == 0
    with store.writer() as out:
        out.file.write(b"sealed ")
        out.file.write(b"on the server")
    assert out.blob.size == 20 and out.blob.sha256 == hashlib.sha256(b"sealed on the server").hexdigest()
    with store.writer(durable=False) as copy:
        copy.file.write(b"a copy made again from the original")
    assert copy.blob.sha256 == "" and store.exists(copy.blob.key)  # the caller records its own hash
    with store.open(out.blob.key) as handle:
        assert handle.read() == b"sealed on the server"


def test_a_blob_opens_as_a_seekable_stream(store):
    """The envelope reader seeks (header, trailer, chunks): every position reads what was written there."""
    size = 3 * BLOCK * 8 + 77
    blob = store.put(Body(size))
    whole = Body(size).read()
    with store.open(blob.key) as handle:
        assert handle.seekable() and handle.read(10) == whole[:10] and handle.tell() == 10
        handle.seek(-77, io.SEEK_END)
        assert handle.read() == whole[-77:] and handle.read(5) == b""
        for position in (BLOCK * 5 + 3, 17, 17 + 1000, size - 1, BLOCK * 20):  # backward, forward, near and far
            assert handle.seek(position) == position
            assert handle.read(4096) == whole[position:position + 4096]
        handle.seek(100)
        handle.seek(50, io.SEEK_CUR)
        assert handle.tell() == 150 and handle.read(3) == whole[150:153]


def test_a_deleted_blob_is_gone(store):
    blob = store.put(io.BytesIO(b"withdrawn envelope"))
    store.discard(blob.key)
    assert not store.exists(blob.key) and list(store.keys()) == []
    with pytest.raises(FileNotFoundError):
        store.open(blob.key)
    store.discard(blob.key)  # twice is harmless (the removal after a commit may run again)


def test_a_crashed_write_is_removed_by_the_cleanup_and_cannot_complete_afterwards(session, store):
    named = store.put(io.BytesIO(b"no row names this one"))
    crashed = store.writer()  # a write the process never finished: its block neither ended nor failed
    crashed.__enter__().file.write(b"y" * (PART + 1))
    assert _pending(store) == 1 and [key for key, _ in store.keys()] == [named.key]
    removed = storage.cleanup(session, store, time.time() + 2 * 3600)  # past the grace period
    assert removed == {"temporary": 1, "orphans": 1}
    assert list(store.keys()) == [] and _pending(store) == 0
    with pytest.raises(OSError):
        crashed.__exit__(None, None, None)  # had it woken up, its upload is gone: it fails, and leaves nothing
    assert list(store.keys()) == [] and _pending(store) == 0


def test_in_the_folder_a_write_still_going_on_is_left_to_its_writer(tmp_path):
    """Several workers share the folder: ``flask cleanup-blobs`` run while one takes an upload leaves its file."""
    store = FolderStore(tmp_path / "blobs")
    writing = store.writer()
    writing.__enter__().file.write(b"z" * 1000)
    assert store.remove_leftovers(time.time() + 60, grace_seconds=3600) == 0 and len(store.leftovers()) == 1
    assert store.remove_leftovers(time.time() + 3601, grace_seconds=3600) == 1 and store.leftovers() == []
    with pytest.raises(OSError):
        writing.__exit__(None, None, None)


def test_on_s3_a_pending_upload_within_the_grace_period_is_left_to_its_writer(s3_config, tmp_path):
    """Several machines share the bucket: an upload another one is still writing is not aborted."""
    store = make_store(s3_config, str(tmp_path))
    writing = store.writer()
    writing.__enter__().file.write(b"z" * (PART + 1))
    started = store.leftovers()[0]["Initiated"].timestamp()  # the store's own clock
    assert store.remove_leftovers(started + 60, grace_seconds=3600) == 0 and _pending(store) == 1
    assert store.remove_leftovers(started + 3601, grace_seconds=3600) == 1 and _pending(store) == 0
    with pytest.raises(OSError):
        writing.__exit__(None, None, None)


def test_on_s3_the_cleanup_touches_only_the_stores_own_objects(session, s3_config, tmp_path):
    """A bucket may hold other things: objects outside the prefix, or under it but not named like a blob, stay."""
    store = make_store(s3_config, str(tmp_path))
    client, bucket = store.client, store.bucket
    client.put_object(Bucket=bucket, Key="backups/db.dump", Body=b"other data")
    client.put_object(Bucket=bucket, Key=store.prefix + "README.txt", Body=b"notes")
    client.create_multipart_upload(Bucket=bucket, Key="backups/big.dump")
    assert storage.cleanup(session, store, time.time() + 2 * 3600) == {"temporary": 0, "orphans": 0}
    left = {item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert left == {"backups/db.dump", store.prefix + "README.txt"}
    assert len(client.list_multipart_uploads(Bucket=bucket)["Uploads"]) == 1


def test_on_s3_the_stores_failures_reach_callers_as_os_errors(s3_config, tmp_path):
    """A bucket that is not there is the platform's fault, raised as the folder raises it (the opening and the
    removal after a commit catch OSError), never a botocore error."""
    store = make_store({**s3_config, "BLOB_URL": "s3://no-such-bucket/trading"}, str(tmp_path))
    for attempt in (lambda: store.put(io.BytesIO(b"bid")), lambda: list(store.keys()), store.leftovers):
        with pytest.raises(OSError):
            attempt()


def test_the_configuration_chooses_the_backend(make_app, s3_config, tmp_path):
    assert isinstance(make_app().extensions["trading"].store, FolderStore)  # the default: the instance folder
    s3 = make_app(**s3_config).extensions["trading"].store
    assert (s3.bucket, s3.prefix) == (s3_config["BLOB_URL"].split("/")[2], "trading/")
    with pytest.raises(RuntimeError, match="TRADING_BLOB_URL"):
        make_app(BLOB_URL="ftp://files.example.cn/blobs")
