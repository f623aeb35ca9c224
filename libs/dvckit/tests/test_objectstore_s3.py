"""dvckit.objectstore.S3Store against a real S3-compatible server: moto's server, as its own process on a free
port, reached over HTTP by boto3 exactly as a MinIO or AWS endpoint would be."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from dvckit.objectstore import InvalidKey, ObjectNotFound, S3Store, open_store
from dvckit.testing import free_port

CREDENTIALS = {"access_key": "dvc-test-access", "secret_key": "dvc-test-secret", "region": "ap-southeast-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start: {proc.stderr.read()!r}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"dvc-docs-{time.monotonic_ns()}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=CREDENTIALS["region"],
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["region"]})
    return name


def test_put_get_exists_delete_over_http(s3_endpoint: str, bucket: str) -> None:
    store = open_store(f"s3://{bucket}/prod", endpoint_url=s3_endpoint, **CREDENTIALS)
    assert isinstance(store, S3Store)
    assert not store.exists("documents/a")
    store.put("documents/a", b"%PDF-1.7 body", "application/pdf")
    assert store.exists("documents/a") and store.get("documents/a") == b"%PDF-1.7 body"
    head = store.client.head_object(Bucket=bucket, Key="prod/documents/a")  # under the prefix, typed
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == 13
    store.delete("documents/a")
    assert not store.exists("documents/a")
    with pytest.raises(ObjectNotFound):
        store.get("documents/a")


def test_bad_keys_never_reach_the_server(s3_endpoint: str, bucket: str) -> None:
    store = open_store(f"s3://{bucket}", endpoint_url=s3_endpoint, **CREDENTIALS)
    for key in ("../other-bucket/x", "/abs", "a//b"):
        with pytest.raises(InvalidKey):
            store.put(key, b"x", "image/png")
    assert store.client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_a_missing_bucket_is_an_error_not_a_missing_object(s3_endpoint: str) -> None:
    store = open_store("s3://no-such-bucket-dvc", endpoint_url=s3_endpoint, **CREDENTIALS)
    with pytest.raises(ClientError) as failed:
        store.get("documents/a")
    assert failed.value.response["Error"]["Code"] == "NoSuchBucket"
