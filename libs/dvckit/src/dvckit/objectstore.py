"""Object stores for files a service keeps (a citizen's uploaded documents): one small protocol, two stores.

- ``LocalDiskStore(root)``: files under a directory, the embedded default (``make run``, one host). A write goes
  to a temporary file in the same directory and is renamed into place, so a reader sees the whole object or none.
- ``S3Store``: any S3-compatible store (AWS S3, MinIO, Ceph RGW, Viettel/FPT object storage): endpoint URL,
  bucket, region and credentials from the service's settings; without credentials boto3's own chain
  (environment, instance role) is used.

``open_store("file:///var/lib/dvc/documents")`` / ``open_store("s3://bucket/prefix", endpoint_url=...)`` picks
one from a URL (``<PREFIX>DOCUMENTS_STORE``). Keys are checked before any I/O (``check_key``): ASCII letters,
digits, ``. _ -`` in ``/``-separated segments that start with a letter or digit — no ``..``, no absolute path,
no empty segment, at most 512 characters. The calls are blocking: async code runs them in a thread.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
MAX_KEY = 512


class InvalidKey(ValueError):
    pass


class ObjectNotFound(KeyError):
    pass


def check_key(key: str) -> str:
    """The key itself, or ``InvalidKey`` (path traversal, absolute paths, odd characters)."""
    if len(key) > MAX_KEY or not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise InvalidKey(f"invalid object key {key[:80]!r}")
    return key


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


class LocalDiskStore:
    """Objects as files under ``root`` (created when missing). The content type is not kept: the caller's
    database row records it (as it records the size and digest)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:  # a symlinked directory pointing out of the root
            raise InvalidKey(f"invalid object key {key[:80]!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # "." never starts a valid key
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Store:
    """A bucket of any S3-compatible store; ``prefix`` (optional) is put before every key."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        client: Any = None,
    ) -> None:
        import boto3  # only deployments that use S3 load it
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        if self.prefix:
            check_key(self.prefix)
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30
            ),
        )

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise ObjectNotFound(key) from exc
        body: bytes = answer["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def open_store(
    url: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
) -> ObjectStore:
    """``file:///absolute/dir`` or ``file://relative/dir`` → LocalDiskStore; ``s3://bucket[/prefix]`` → S3Store."""
    if url.startswith("file://"):
        return LocalDiskStore(url.removeprefix("file://"))
    if url.startswith("s3://"):
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {url!r}")
        return S3Store(
            bucket,
            prefix=prefix,
            endpoint_url=endpoint_url,
            region=region,
            access_key=access_key,
            secret_key=secret_key,
        )
    raise ValueError(f"unknown object store {url!r}: file://<dir> or s3://<bucket>[/<prefix>]")
