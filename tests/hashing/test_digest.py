"""File hashes: digests, reading files, walking folders and hashing many files in parallel."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from nervecentre.hashing import FileHashes, hash_bytes, hash_file, hash_many, iter_files
from nervecentre.hashing.walk import _crashed, _drain_one, _start_pool
from tests.hashing.conftest import encode, synthetic_image


def digests(data: bytes) -> tuple[str, str, str]:
    return (
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
    )


def test_hash_bytes_of_an_image(jpeg_bytes: bytes) -> None:
    result = hash_bytes(jpeg_bytes, "photo.jpg")
    assert (result.md5, result.sha1, result.sha256) == digests(jpeg_bytes)
    assert result.path == "photo.jpg" and result.size == len(jpeg_bytes)
    assert result.media_type == "image/jpeg"
    assert result.pdq is not None and len(result.pdq) == 64
    assert result.quality == 100 and result.error is None
    as_dict = result.to_dict()
    assert list(as_dict) == [
        "path", "size", "md5", "sha1", "sha256", "media_type", "pdq", "quality", "error",
    ]  # fmt: skip
    assert as_dict["pdq"] == result.pdq


def test_without_pdq_nothing_is_decoded_and_non_images_are_fine(jpeg_bytes: bytes) -> None:
    image = hash_bytes(jpeg_bytes, pdq=False)
    assert (image.pdq, image.quality, image.error, image.media_type) == (
        None, None, None, "image/jpeg",
    )  # fmt: skip
    text = hash_bytes(b"hello\n", pdq=False)
    assert text.error is None and text.md5 == hashlib.md5(b"hello\n").hexdigest()


def test_non_image_keeps_its_digests() -> None:
    result = hash_bytes(b"PK\x03\x04 some zip")
    assert result.error == "not an image (application/zip)"
    assert result.media_type == "application/zip"
    assert result.sha256 == hashlib.sha256(b"PK\x03\x04 some zip").hexdigest()


def test_empty_file_has_the_digests_of_nothing() -> None:
    result = hash_bytes(b"")
    assert result.error == "empty file"
    assert (result.md5, result.sha1, result.sha256) == digests(b"")


def test_file_hashes_is_frozen_and_pickles(jpeg_bytes: bytes) -> None:
    result = hash_bytes(jpeg_bytes)
    assert pickle.loads(pickle.dumps(result)) == result
    with pytest.raises(FrozenInstanceError):
        result.size = 0  # type: ignore[misc]


def test_hash_file_matches_hash_bytes(tmp_path: Path, jpeg_bytes: bytes) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(jpeg_bytes)
    from_file = hash_file(path)
    assert from_file == hash_bytes(jpeg_bytes, str(path))


@pytest.mark.parametrize("kind", ["missing", "directory", "fifo"])
def test_unreadable_files_get_empty_digests(tmp_path: Path, kind: str) -> None:
    path = tmp_path / kind
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # opening it would block: it must not be opened
    result = hash_file(path)
    assert (result.md5, result.sha1, result.sha256) == ("", "", "")
    assert result.pdq is None
    expected = {
        "missing": "cannot read: No such file or directory",
        "directory": "cannot read: is a directory",
        "fifo": "cannot read: not a regular file",
    }
    assert result.error == expected[kind]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.jpg"
    path.write_bytes(b"\xff\xd8\xff")
    path.chmod(0)
    assert hash_file(path).error == "cannot read: Permission denied"


def test_files_over_max_bytes_are_streamed_without_pdq(tmp_path: Path, jpeg_bytes: bytes) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes)
    result = hash_file(path, max_bytes=1000)
    assert (result.md5, result.sha1, result.sha256) == digests(jpeg_bytes)
    assert result.media_type == "image/jpeg" and result.pdq is None
    assert result.error == (
        f"file too large to decode: {len(jpeg_bytes):,} bytes exceeds the 1,000-byte limit"
    )
    other = tmp_path / "big.bin"
    other.write_bytes(b"\x00" * 5000)
    assert hash_file(other, max_bytes=1000).error == "not an image"
    assert hash_file(other, max_bytes=1000, pdq=False).error is None


# ---- walking ----------------------------------------------------------------------------------


def test_iter_files_walks_in_name_order_and_survives_symlink_loops(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a").mkdir()
    for name in ("z.txt", "a/2.jpg", "a/1.jpg", "b/deep/x.png", "b/c.gif"):
        (root / name).write_bytes(b"x")
    (root / "b" / "loop").symlink_to(root)  # a loop back to the top
    (root / "again").symlink_to(root / "a")  # the same folder twice
    os.mkfifo(root / "pipe")
    found = [p.relative_to(root).as_posix() for p in iter_files([root])]
    assert found == ["a/1.jpg", "a/2.jpg", "b/c.gif", "b/deep/x.png", "z.txt"]
    assert list(iter_files([root])) == list(iter_files([root]))


def test_iter_files_yields_explicit_paths_as_given(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"1")
    given = [tmp_path / "missing.jpg", str(tmp_path / "d")]
    assert list(iter_files(given)) == [tmp_path / "missing.jpg", tmp_path / "d" / "f"]


def test_unreadable_folders_are_reported(tmp_path: Path) -> None:
    errors: list[OSError] = []
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    assert list(iter_files([tmp_path], on_error=errors.append)) == []
    assert errors == []  # a dangling link is neither file nor folder: skipped quietly


# ---- many files -------------------------------------------------------------------------------


@pytest.fixture
def mixed_files(tmp_path: Path) -> list[Path]:
    """Twenty files: images of several formats, a truncated one, text, an empty and a missing."""
    paths = []
    for index in range(14):
        fmt = ("JPEG", "PNG", "WEBP")[index % 3]
        path = tmp_path / f"{index:02d}.{fmt.lower()}"
        path.write_bytes(encode(synthetic_image(96, 64, seed=index), fmt))
        paths.append(path)
    extras = {
        "cut.jpg": encode(synthetic_image(96, 64), "JPEG")[:300],
        "notes.txt": b"not an image",
        "empty.bin": b"",
    }
    for name, data in extras.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    paths += [tmp_path / "missing.png", tmp_path / "03.png", tmp_path / "00.jpeg"]
    return paths


def test_hash_many_keeps_input_order_over_processes(mixed_files: list[Path]) -> None:
    serial = [hash_file(path) for path in mixed_files]
    parallel = list(hash_many(mixed_files, workers=2))
    assert parallel == serial
    assert [r.error for r in parallel[14:18]] == [
        "image is truncated", "not an image", "empty file",
        "cannot read: No such file or directory",
    ]  # fmt: skip


def test_hash_many_is_lazy(mixed_files: list[Path]) -> None:
    pulled = 0

    def source() -> Iterator[Path]:
        nonlocal pulled
        for path in mixed_files * 3:
            pulled += 1
            yield path

    results = hash_many(source(), workers=2, pdq=False)
    first = next(results)
    assert first.path == str(mixed_files[0])
    assert pulled < len(mixed_files) * 3  # bounded window, not everything up front
    assert len(list(results)) == len(mixed_files) * 3 - 1


def test_hash_many_small_inputs_run_in_process(mixed_files: list[Path]) -> None:
    assert list(hash_many(mixed_files[:3])) == [hash_file(p) for p in mixed_files[:3]]
    assert list(hash_many([])) == []


def test_a_broken_pool_is_replaced_and_lost_batches_redone(mixed_files: list[Path]) -> None:
    broken: Future[list[FileHashes]] = Future()
    broken.set_exception(BrokenProcessPool("worker died"))
    window = deque([(list(map(str, mixed_files[:2])), broken)])
    old = _start_pool(1)
    drained = _drain_one(window, old, 1, True)
    results = []
    try:
        while True:
            results.append(next(drained))
    except StopIteration as stop:
        stop.value.shutdown()
    assert results == [hash_file(p) for p in mixed_files[:2]]


def test_a_crashed_decode_still_reports_digests(jpeg_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "evil.jpg"
    path.write_bytes(jpeg_bytes)
    result = _crashed(str(path), True)
    assert result.sha256 == hashlib.sha256(jpeg_bytes).hexdigest()
    assert (result.pdq, result.error) == (None, "image decoder crashed")
