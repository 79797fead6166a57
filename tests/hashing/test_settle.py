"""Near the threshold the fast PDQ estimate is replaced by the reference's: recall is Meta's."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.hashing import hash_bytes
from nervecentre.hashing._pdq import reference_hash
from nervecentre.hashing.match import EXACT_MARGIN, KnownEntry, Matcher
from nervecentre.store.db import Database
from tests.hashing.conftest import encode, synthetic_image


def _bits(value: str) -> int:
    return int(value, 16)


def _off_by_estimate() -> tuple[bytes, str, str]:
    """A large JPEG whose fast hash differs from the reference's: bytes, fast, reference."""
    for seed in range(40):
        data = encode(synthetic_image(1400, 1000, seed=seed), "JPEG", quality=80)
        fast = hash_bytes(data).pdq
        with Image.open(io.BytesIO(data)) as img:
            exact, _ = reference_hash(np.asarray(img.convert("RGB")))
        assert fast is not None
        if fast != exact:
            return data, fast, exact
    raise AssertionError("no synthetic JPEG in 40 where the estimate differs (the path changed?)")


def _at_threshold(fast: str, exact: str, threshold: int) -> str:
    """A known hash exactly ``threshold`` bits from the reference's, farther from the fast one:
    flip bits where the two agree."""
    differ = _bits(fast) ^ _bits(exact)
    value = _bits(exact)
    flipped = 0
    for bit in range(256):
        if flipped == threshold:
            break
        if not differ >> bit & 1:
            value ^= 1 << bit
            flipped += 1
    return f"{value:064x}"


def test_an_estimate_just_past_the_threshold_is_settled_by_the_reference() -> None:
    data, fast, exact = _off_by_estimate()
    known = _at_threshold(fast, exact, 31)
    matcher = Matcher.from_entries([KnownEntry("set", "e1", pdq=known)], threshold=31)
    estimated = hash_bytes(data, "x.jpg")
    assert not matcher.match(estimated)  # the estimate alone misses it
    assert matcher.near_threshold(estimated)
    settled = matcher.settle(estimated, lambda h: hash_bytes(data, h.path, exact=True))
    assert settled.pdq == exact and settled.sha256 == estimated.sha256
    assert [m.distance for m in matcher.match(settled)] == [31]


def test_far_hashes_are_not_hashed_again() -> None:
    data, fast, exact = _off_by_estimate()
    calls: list[str] = []

    def again(h: object) -> object:
        calls.append("x")
        return h

    far = f"{_bits(exact) ^ ((1 << 120) - 1):064x}"  # 120 bits away: no verdict at stake
    near = _at_threshold(fast, exact, 31 - EXACT_MARGIN - 4)  # well inside: a match either way
    for known in (far, near):
        matcher = Matcher.from_entries([KnownEntry("set", "e", pdq=known)], threshold=31)
        hashes = hash_bytes(data, "x.jpg")
        list(matcher.results([hashes], exact=again))  # type: ignore[arg-type]
    assert calls == []


def test_the_match_command_settles_near_the_threshold(db: Database, tmp_path: Path) -> None:
    data, fast, exact = _off_by_estimate()
    known = _at_threshold(fast, exact, 31)
    (tmp_path / "seized").mkdir()
    (tmp_path / "seized" / "a.jpg").write_bytes(data)
    listing = tmp_path / "set.csv"
    listing.write_text(f"id,pdq,category\nE1,{known},1\n")
    e = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    runner = CliRunner()
    imported = runner.invoke(app, ["hashset", "import", str(listing), "-n", "local"], env=e)
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["match", str(tmp_path / "seized"), "-s", "local", "--json"], env=e)
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert line["pdq"] == exact
    assert [m["distance"] for m in line["matches"]] == [31]


def _small_images() -> list[bytes]:
    """Small images of every common format (the size a crawler meets most)."""
    out = []
    for seed in range(12):
        img = synthetic_image(320 + 8 * seed, 240, seed=seed)
        out.append(encode(img, ("JPEG", "PNG", "WEBP", "GIF")[seed % 4]))
    return out


def test_an_estimate_of_a_small_image_stays_within_the_margin() -> None:
    """``estimate`` hashes small images by the numpy path: same digests, PDQ within a few
    bits of the reference (inside the margin settle relies on); ``exact`` wins over it."""
    for data in _small_images():
        reference = hash_bytes(data)
        estimated = hash_bytes(data, estimate=True)
        exact = hash_bytes(data, estimate=True, exact=True)
        assert (estimated.md5, estimated.sha1, estimated.sha256, estimated.media_type) == (
            reference.md5,
            reference.sha1,
            reference.sha256,
            reference.media_type,
        )
        assert reference.pdq is not None and estimated.pdq is not None
        assert bin(_bits(reference.pdq) ^ _bits(estimated.pdq)).count("1") <= EXACT_MARGIN // 2
        assert abs((estimated.quality or 0) - (reference.quality or 0)) <= 2
        assert (exact.pdq, exact.quality) == (reference.pdq, reference.quality)


def test_an_estimate_of_a_bad_file_is_the_same_error() -> None:
    jpeg = _small_images()[0]
    for data in (b"", b"not an image at all", jpeg[: len(jpeg) // 2]):
        assert hash_bytes(data, estimate=True).error == hash_bytes(data).error


def test_settle_and_match_is_settle_then_match() -> None:
    """One search for files far from every entry; the same verdicts as settle + match."""
    data, fast, exact = _off_by_estimate()
    small = _small_images()
    entries = [
        KnownEntry("set", "at-31", pdq=_at_threshold(fast, exact, 31)),  # settled by the reference
        KnownEntry("set", "near", pdq=_at_threshold(fast, exact, 10)),
        KnownEntry("set", "by-sha", sha256=hash_bytes(small[1]).sha256),
        KnownEntry("set", "far", pdq=f"{_bits(exact) ^ ((1 << 120) - 1):064x}"),
    ]
    matcher = Matcher.from_entries(entries, threshold=31)
    calls: list[str] = []

    def again(h: object) -> object:
        calls.append("x")
        return hash_bytes(data if h.path == "big.jpg" else b"", h.path, exact=True)  # type: ignore[attr-defined]

    for name, body in [("big.jpg", data), *((f"{n}.img", b) for n, b in enumerate(small))]:
        hashes = hash_bytes(body, name, estimate=True)
        settled, matches = matcher.settle_and_match(hashes, again)  # type: ignore[arg-type]
        expected = matcher.settle(hashes, again)  # type: ignore[arg-type]
        assert settled.pdq == expected.pdq
        assert matches == matcher.match(expected)
    big = {m.entry for m in matcher.settle_and_match(hash_bytes(data, "big.jpg"), again)[1]}  # type: ignore[arg-type]
    assert big == {"at-31", "near"}
    assert {m.entry for m in matcher.match(hash_bytes(small[1]))} == {"by-sha"}
    assert calls  # the file near the line was hashed again


def test_labels_are_read_once_before_matching() -> None:
    asked: list[list[int]] = []
    table = {0: ("set", "a", None), 1: ("set", "b", 3)}

    def labels(ids: list[int]) -> dict[int, tuple[str, str, int | None]]:
        asked.append(list(ids))
        return {i: table[i] for i in ids}

    codes = np.zeros((0, 4), dtype=np.uint64)
    sha = hash_bytes(b"abc").sha256
    exact = {"sha256": [(np.array([1], dtype=np.intp), bytes.fromhex(sha))]}
    ids = np.arange(2, dtype=np.int64)
    matcher = Matcher(ids, exact, np.zeros(0, np.intp), codes, labels)
    assert not matcher.preload_labels(limit=1)  # too many to read ahead: read when matched
    assert asked == []
    assert matcher.preload_labels(limit=2) and asked == [[0, 1]]
    found = matcher.match(hash_bytes(b"abc", pdq=False))
    assert [(m.entry, m.category, m.signal) for m in found] == [("b", 3, "sha256")]
    assert asked == [[0, 1]]  # nothing asked again
