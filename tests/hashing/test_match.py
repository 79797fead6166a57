"""Matching files' hashes against hash sets: exact hashes, PDQ distance, quality, variants."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from nervecentre.errors import InvalidValue, NotFound
from nervecentre.hashing import FileHashes
from nervecentre.hashing.match import KnownEntry, Match, Matcher
from nervecentre.hashing.sets import import_hashset
from nervecentre.store.db import Database

rnd = random.Random(5)


def hexes(bits: int) -> str:
    return f"{rnd.getrandbits(bits):0{bits // 4}x}"


def flip(pdq: str, count: int) -> str:
    value = int(pdq, 16)
    for bit in rnd.sample(range(256), count):
        value ^= 1 << bit
    return f"{value:064x}"


def file(
    md5: str | None = None,
    sha1: str | None = None,
    sha256: str | None = None,
    pdq: str | None = None,
    quality: int | None = 100,
) -> FileHashes:
    return FileHashes(
        path="x.jpg",
        size=1,
        md5=md5 or hexes(128),
        sha1=sha1 or hexes(160),
        sha256=sha256 or hexes(256),
        media_type="image/jpeg" if pdq else None,
        pdq=pdq,
        quality=quality if pdq else None,
        error=None,
    )


PDQ, MD5, SHA1, SHA256 = hexes(256), hexes(128), hexes(160), hexes(256)
KNOWN = [
    KnownEntry("vic", "1", 1, md5=MD5, sha1=SHA1, pdq=PDQ),
    KnownEntry("vic", "2", 2, sha256=SHA256),
    KnownEntry("local", "sha1:" + "0" * 40, None, sha1="0" * 40),
    KnownEntry("local", "9", 4, pdq=flip(PDQ, 20)),
]


def test_exact_hashes_match_with_distance_zero() -> None:
    matcher = Matcher.from_entries(KNOWN)
    assert matcher.match(file(md5=MD5.upper())) == [Match("vic", "1", 1, "md5", 0)]
    assert [m.signal for m in matcher.match(file(md5=MD5, sha1=SHA1))] == ["sha1", "md5"]
    assert matcher.match(file(sha256=SHA256)) == [Match("vic", "2", 2, "sha256", 0)]
    assert matcher.match(file()) == []


def test_pdq_matches_up_to_the_threshold_and_not_beyond() -> None:
    matcher = Matcher.from_entries(KNOWN, threshold=31)
    near = matcher.match(file(pdq=flip(PDQ, 31)))
    assert ("vic", "1", "pdq", 31) in [(m.hashset, m.entry, m.signal, m.distance) for m in near]
    assert all(m.distance <= 31 for m in near)
    assert [m.entry for m in matcher.match(file(pdq=PDQ))] == ["1", "9"]
    far = Matcher.from_entries(KNOWN[:1], threshold=31).match(file(pdq=flip(PDQ, 32)))
    assert far == []
    strict = Matcher.from_entries(KNOWN, threshold=0)
    assert [(m.entry, m.distance) for m in strict.match(file(pdq=PDQ))] == [("1", 0)]


def test_low_quality_pdq_is_not_matched_but_exact_hashes_are() -> None:
    matcher = Matcher.from_entries(KNOWN, min_quality=50)
    weak = file(md5=MD5, pdq=PDQ, quality=49)
    assert matcher.is_low_quality(weak)
    assert [m.signal for m in matcher.match(weak)] == ["md5"]
    [result] = list(matcher.results([weak]))
    assert result.low_quality and result.to_dict()["low_quality"] is True
    assert not matcher.is_low_quality(file(pdq=PDQ, quality=50))
    assert not matcher.is_low_quality(file())


def test_dihedral_variants_say_which_one_matched() -> None:
    matcher = Matcher.from_entries(KNOWN[:1])
    query = file(pdq=hexes(256))
    assert matcher.match(query) == []
    [hit] = matcher.match(query, {"rot90": hexes(256), "flipx": flip(PDQ, 3)})
    assert (hit.signal, hit.distance, hit.variant) == ("pdq", 3, "flipx")
    [best] = matcher.match(file(pdq=flip(PDQ, 2)), {"rot180": flip(PDQ, 1)})
    assert (best.distance, best.variant) == (1, "rot180")


def test_results_batch_and_serialise_every_required_field() -> None:
    matcher = Matcher.from_entries(KNOWN)
    files = [file(md5=MD5), file(), file(pdq=flip(PDQ, 5))] * 200
    results = list(matcher.results(files, batch=64))
    assert len(results) == 600
    assert [bool(r.matches) for r in results[:3]] == [True, False, True]
    data = results[0].to_dict()
    assert {"path", "md5", "sha256", "pdq", "quality", "error", "matches"} <= set(data)
    assert data["matches"][0] == {
        "hashset": "vic",
        "entry": "1",
        "category": 1,
        "signal": "md5",
        "distance": 0,
        "variant": None,
    }


def test_bad_threshold_is_refused() -> None:
    with pytest.raises(InvalidValue, match="between 0 and 256"):
        Matcher.from_entries(KNOWN, threshold=300)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_from_db_matches_live_entries_of_the_named_sets(db: Database, tmp_path: Path) -> None:
    md5, gone, pdq = hexes(128), hexes(128), hexes(256)
    import_hashset(
        db,
        write(tmp_path / "a.csv", f"id,md5,pdq,category\nA1,{md5},{pdq},1\nA2,{gone},,2\n"),
        name="alpha",
    )
    import_hashset(db, write(tmp_path / "b.csv", f"md5\n{md5}\n"), name="beta")
    import_hashset(db, write(tmp_path / "c.csv", "id,removed\nA2,true\n"), name="alpha")
    matcher = Matcher.from_db(db, ["alpha", "beta"])
    assert (len(matcher), matcher.threshold, matcher.min_quality) == (2, 31, 50)
    hits = matcher.match(file(md5=md5, pdq=flip(pdq, 4)))
    assert [(m.hashset, m.entry, m.category, m.signal, m.distance) for m in hits] == [
        ("alpha", "A1", 1, "md5", 0),
        ("beta", "md5:" + md5, None, "md5", 0),
        ("alpha", "A1", 1, "pdq", 4),
    ]
    assert matcher.match(file(md5=gone)) == []
    only_beta = Matcher.from_db(db, ["beta"], threshold=10)
    assert [m.hashset for m in only_beta.match(file(md5=md5, pdq=pdq))] == ["beta"]
    assert len(Matcher.from_db(db)) == 2
    with pytest.raises(NotFound, match="no hash set named 'gamma'"):
        Matcher.from_db(db, ["gamma"])
