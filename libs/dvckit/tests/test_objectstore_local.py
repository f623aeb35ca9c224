"""dvckit.objectstore: the local-disk store (the embedded default) and the key rules every store applies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dvckit.objectstore import InvalidKey, LocalDiskStore, ObjectNotFound, S3Store, check_key, open_store


@pytest.mark.parametrize(
    "key",
    ["documents/4f1c.pdf", "a", "a/b/c", "A-1_b.2", "x" * 512],
)
def test_ordinary_keys_pass(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key",
    ["", "../etc/passwd", "documents/../../x", "/abs", "a//b", "a/", ".hidden", "a/./b", "a\\b", "tệp",
     "a b", "x" * 513, "a/..", "a\x00b"],
)  # fmt: skip
def test_traversal_and_odd_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKey):
        check_key(key)


def test_put_get_exists_delete(tmp_path: Path) -> None:
    store = LocalDiskStore(tmp_path / "docs")
    assert not store.exists("documents/a")
    store.put("documents/a", b"%PDF-1.7 one", "application/pdf")
    store.put("documents/a", b"%PDF-1.7 two", "application/pdf")  # replaced whole
    assert store.exists("documents/a") and store.get("documents/a") == b"%PDF-1.7 two"
    store.delete("documents/a")
    store.delete("documents/a")  # deleting what is gone is fine
    assert not store.exists("documents/a")
    with pytest.raises(ObjectNotFound):
        store.get("documents/a")


def test_a_failed_write_leaves_neither_the_object_nor_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalDiskStore(tmp_path)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        store.put("documents/b", b"data", "image/png")
    assert not store.exists("documents/b")
    assert list((tmp_path / "documents").iterdir()) == []


def test_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"s")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        LocalDiskStore(root).get("link/secret")


def test_open_store_reads_the_url(tmp_path: Path) -> None:
    local = open_store(f"file://{tmp_path}/d")
    assert isinstance(local, LocalDiskStore) and local.root == (tmp_path / "d").resolve()
    s3 = open_store("s3://dvc-documents/prod", endpoint_url="http://127.0.0.1:1", region="ap-southeast-1",
                    access_key="k", secret_key="s")  # fmt: skip
    assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix) == ("dvc-documents", "prod")
    for bad in ("ftp://x", "s3://", "/plain/path"):
        with pytest.raises(ValueError):
            open_store(bad)
