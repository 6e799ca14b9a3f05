"""The S3 backend: objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...), so that several machines share
the blobs (DESIGN §10). Selected with ``TRADING_BLOB_URL=s3://bucket/prefix``; ``TRADING_S3_ENDPOINT_URL`` names
a store other than AWS; credentials and region come from the standard AWS environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or a profile or role).

The folder's promises hold: a write is streamed in parts of ``PART_SIZE`` (one part in memory at a time), hashed
and counted on the way; a body that fits in one part is sent with one PUT, a larger one as a multipart upload, and
either way the object appears only when complete. A refused or failed write aborts its upload and leaves nothing;
an upload a crash left pending is aborted by the clean-up once older than the grace period (other machines may be
writing younger ones). Every error of the store reaches the caller as an ``OSError``, as the folder's would.
"""

from __future__ import annotations

import io
import re
import secrets
from contextlib import contextmanager
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import BlobStore, BlobWriter, StoredBlob, _HashingWriter

PART_SIZE = 5 * 2**20  # S3's smallest part but the last: a body up to this size is one PUT
SKIP_BY_READING = 256 * 2**10  # a forward seek this short reads on rather than starting a new request
_KEY = re.compile(r"[0-9a-f]{32}")  # the keys this store makes; anything else under the prefix is not ours
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


class S3Store(BlobStore):
    """Objects ``<prefix><key>`` in one bucket."""

    def __init__(self, client, bucket: str, prefix: str = "", part_size: int = PART_SIZE):
        self.client, self.bucket, self.part_size = client, bucket, part_size
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def from_url(cls, url: str, endpoint_url: str | None = None, **options) -> S3Store:
        """The store ``s3://bucket/prefix`` names, on AWS or at ``endpoint_url`` (path-style addressing there, which
        S3-compatible stores expect)."""
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise RuntimeError(f"TRADING_BLOB_URL names no bucket: {url!r}")
        config = Config(retries={"mode": "standard"}, max_pool_connections=32,
                        s3={"addressing_style": "path"} if endpoint_url else {})
        client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
        return cls(client, bucket, prefix, **options)

    def _name(self, key: str) -> str:
        if not _KEY.fullmatch(key or ""):
            raise ValueError(f"bad blob key {key!r}")
        return self.prefix + key

    @contextmanager
    def writer(self, durable: bool = True):
        """See ``BlobStore.writer``: one PUT or a multipart upload, completed only when the block ends without an
        error, aborted otherwise. Objects are durable once written, so ``durable`` only decides the hashing."""
        key = secrets.token_hex(16)
        upload = _Upload(self, self._name(key))
        handle = _HashingWriter(upload, hashed=durable)
        result = BlobWriter(handle)
        try:
            yield result
            upload.complete()
        except BaseException:
            upload.abort()
            raise
        result.blob = StoredBlob(key, handle.size, handle.digest.hexdigest() if handle.digest else "")

    def open(self, key: str) -> BinaryIO:
        """A seekable stream over the object, fetched as it is read (ranged GETs from the position)."""
        name = self._name(key)
        with _errors(key):
            size = self.client.head_object(Bucket=self.bucket, Key=name)["ContentLength"]
        return io.BufferedReader(_ObjectReader(self, name, size), buffer_size=256 * 2**10)

    def exists(self, key: str) -> bool:
        """True when the object is there."""
        try:
            with _errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except FileNotFoundError:
            return False
        return True

    def discard(self, key: str) -> None:
        """Delete the object (nothing happens if it is gone)."""
        with _errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self):
        """Every stored object's key and the time it was written."""
        with _errors(self.prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix):]
                    if _KEY.fullmatch(key):
                        yield key, item["LastModified"].timestamp()

    def leftovers(self) -> list[dict]:
        """The multipart uploads under the prefix that were started and neither completed nor aborted
        (``{"Key", "UploadId", "Initiated"}``)."""
        found = []
        with _errors(self.prefix):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket,
                                                                                 Prefix=self.prefix)
            for page in pages:
                found += [item for item in page.get("Uploads", [])
                          if _KEY.fullmatch(item["Key"][len(self.prefix):])]
        return found

    def remove_leftovers(self, now_ts: float, grace_seconds: int) -> int:
        """Abort the pending uploads older than the grace period (younger ones may be another machine's, still
        being written)."""
        removed = 0
        for item in self.leftovers():
            if now_ts - item["Initiated"].timestamp() > grace_seconds:
                with _errors(item["Key"]):
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=item["Key"], UploadId=item["UploadId"])
                removed += 1
        return removed


class _Upload:
    """The file a writer writes to: bytes gather into one part; a full part starts (or continues) a multipart
    upload; ``complete`` sends what is left, as the one PUT of a small body or as the last part."""

    def __init__(self, store: S3Store, name: str):
        self.store, self.name = store, name
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict] = []

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) >= self.store.part_size:
            self._send_part(bytes(self.buffer[:self.store.part_size]))
            del self.buffer[:self.store.part_size]
        return len(data)

    def flush(self) -> None:
        pass

    def _send_part(self, body: bytes) -> None:
        client, bucket = self.store.client, self.store.bucket
        with _errors(self.name):
            if self.upload_id is None:
                self.upload_id = client.create_multipart_upload(Bucket=bucket, Key=self.name)["UploadId"]
            number = len(self.parts) + 1
            answer = client.upload_part(Bucket=bucket, Key=self.name, UploadId=self.upload_id, PartNumber=number,
                                        Body=body)
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete(self) -> None:
        client, bucket = self.store.client, self.store.bucket
        if self.upload_id is None:
            with _errors(self.name):
                client.put_object(Bucket=bucket, Key=self.name, Body=bytes(self.buffer))
        else:
            if self.buffer:
                self._send_part(bytes(self.buffer))
            with _errors(self.name):
                client.complete_multipart_upload(Bucket=bucket, Key=self.name, UploadId=self.upload_id,
                                                 MultipartUpload={"Parts": self.parts})
        self.buffer = bytearray()

    def abort(self) -> None:
        """Drop the parts sent; if the store cannot be reached, the clean-up aborts the upload later."""
        self.buffer = bytearray()
        if self.upload_id is not None:
            try:
                self.store.client.abort_multipart_upload(Bucket=self.store.bucket, Key=self.name,
                                                         UploadId=self.upload_id)
            except (BotoCoreError, ClientError):
                pass


class _ObjectReader(io.RawIOBase):
    """Reads an object of known size from a position: one streaming GET from there, a new one after a seek."""

    def __init__(self, store: S3Store, name: str, size: int):
        self.store, self.name, self.size = store, name, size
        self.position = 0
        self.body = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        if target < 0:
            raise ValueError("negative seek position")
        if self.body is not None and 0 < target - self.position <= SKIP_BY_READING:
            self._skip(target - self.position)
        elif target != self.position:
            self._drop()
        self.position = target
        return target

    def _skip(self, count: int) -> None:
        while count > 0:
            data = self._read_body(min(count, 64 * 2**10))
            if not data:
                break
            count -= len(data)

    def readinto(self, buffer) -> int:
        if self.position >= self.size:
            return 0
        if self.body is None:
            with _errors(self.name):
                self.body = self.store.client.get_object(Bucket=self.store.bucket, Key=self.name,
                                                         Range=f"bytes={self.position}-")["Body"]
        data = self._read_body(min(len(buffer), self.size - self.position))
        if not data:
            self._drop()
            raise OSError(f"blob {self.name} ended at {self.position} of {self.size} bytes")
        buffer[:len(data)] = data
        self.position += len(data)
        return len(data)

    def _read_body(self, count: int) -> bytes:
        try:
            return self.body.read(count)
        except Exception as error:  # a broken connection, whatever the HTTP layer calls it
            self._drop()
            raise OSError(f"reading blob {self.name}: {error}") from error

    def _drop(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop()
        super().close()


@contextmanager
def _errors(name: str):
    """The store's errors as ``OSError`` (``FileNotFoundError`` for a missing object), as the folder raises."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise FileNotFoundError(f"no blob {name}") from error
        raise OSError(f"blob store: {code or error}") from error
    except BotoCoreError as error:
        raise OSError(f"blob store: {error}") from error
