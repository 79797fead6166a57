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
