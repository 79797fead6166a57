"""Matching file hashes against hash sets: exact MD5/SHA-1/SHA-256, and PDQ within a distance.

A :class:`Matcher` is a snapshot of the chosen sets' live entries, held compactly in memory
(sorted byte arrays for exact hashes, :class:`PDQIndex` for PDQ). Entry labels are looked up
only for the few entries that match. PDQ hashes of quality below the minimum are not matched
(too little detail to be distinctive) and are reported as low quality.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select

from nervecentre.hashing.index import PDQIndex, check_threshold, codes_from_hex
from nervecentre.hashing.models import HashEntry, HashSet
from nervecentre.hashing.sets.api import get_hashset
from nervecentre.store.db import Database

EXACT = {"sha256": 32, "sha1": 20, "md5": 16}
#: A large JPEG is hashed from a reduced decode, which moves its PDQ by up to 6 bits from the
#: reference's (benchmarks/bench_pdq_recall.py). A file whose hash lands within this many bits
#: either side of the threshold of some entry is hashed again exactly before its verdict, so
#: that no file is lost (or matched) by the estimate: recall is the reference's.
EXACT_MARGIN = 8
#: Likewise for a quality this close to the minimum (the estimate moves it by a few points).
QUALITY_MARGIN = 5
SIGNAL_RANK = {"sha256": 0, "sha1": 1, "md5": 2, "pdq": 3}
_LOAD_BATCH = 50_000


class Hashes(Protocol):
    """What matching needs of a file's hashes (part A's frozen ``FileHashes`` fits)."""

    @property
    def path(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def md5(self) -> str | None: ...
    @property
    def sha1(self) -> str | None: ...
    @property
    def sha256(self) -> str | None: ...
    @property
    def pdq(self) -> str | None: ...
    @property
    def quality(self) -> int | None: ...

    def to_dict(self) -> dict[str, Any]: ...


H = TypeVar("H", bound=Hashes)


@dataclass(frozen=True, slots=True)
class Match:
    """A file matched a set's entry by one signal; distance is 0 for exact hashes."""

    hashset: str
    entry: str
    category: int | None
    signal: str
    distance: int
    variant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON output."""
        return {f: getattr(self, f) for f in self.__slots__}


@dataclass(slots=True)
class FileResult:
    """One file's hashes with its matches, and whether its PDQ was too weak to match."""

    hashes: Hashes
    matches: list[Match] = field(default_factory=list)
    low_quality: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The file's hashes, ``low_quality`` and ``matches``, as one JSON-ready object."""
        data = self.hashes.to_dict()
        data["low_quality"] = self.low_quality
        data["matches"] = [m.to_dict() for m in self.matches]
        return data


@dataclass(frozen=True, slots=True)
class KnownEntry:
    """An entry to match against, for building a matcher without a database."""

    hashset: str
    entry: str
    category: int | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None


Labels = Callable[[list[int]], dict[int, tuple[str, str, int | None]]]


class _Exact:
    """Sorted fixed-width byte strings with the entry position of each."""

    def __init__(self, width: int, parts: list[tuple[NDArray[np.intp], bytes]]) -> None:
        rows = [p[0] for p in parts]
        self.rows: NDArray[np.intp] = np.concatenate(rows) if rows else np.zeros(0, np.intp)
        self.keys = np.frombuffer(b"".join(p[1] for p in parts), dtype=f"S{width}")
        order = np.argsort(self.keys, kind="stable")
        self.keys, self.rows = self.keys[order], self.rows[order]
        self.width = width

    def find(self, value: str) -> NDArray[np.intp]:
        key = np.array([bytes.fromhex(value)], dtype=f"S{self.width}")
        lo, hi = (
            np.searchsorted(self.keys, key, "left")[0],
            np.searchsorted(self.keys, key, "right")[0],
        )
        return self.rows[lo:hi]


class Matcher:
    """The live entries of some hash sets, ready to match files against."""

    def __init__(
        self,
        ids: NDArray[np.int64],
        exact: dict[str, list[tuple[NDArray[np.intp], bytes]]],
        pdq_rows: NDArray[np.intp],
        pdq_codes: NDArray[np.uint64],
        labels: Labels,
        *,
        threshold: int = 31,
        min_quality: int = 50,
    ) -> None:
        self.ids = ids
        self.threshold = check_threshold(threshold)
        self.min_quality = min_quality
        self._exact = {name: _Exact(EXACT[name], exact.get(name, [])) for name in EXACT}
        self._pdq_rows = pdq_rows
        self.index = PDQIndex(pdq_codes)
        self._labels = labels
        self._cache: dict[int, tuple[str, str, int | None]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_db(
        cls,
        db: Database,
        names: Sequence[str] | None = None,
        *,
        threshold: int | None = None,
        min_quality: int | None = None,
    ) -> Matcher:
        """Load the live entries of the named sets (all sets when None)."""
        with db.session() as session:
            if names is None:
                set_ids = list(session.scalars(select(HashSet.id)))
            else:
                set_ids = [get_hashset(session, n).id for n in dict.fromkeys(names)]
        e = HashEntry.__table__
        query = (
            select(e.c.id, e.c.md5, e.c.sha1, e.c.sha256, e.c.pdq)
            .where(e.c.set_id.in_(set_ids), e.c.removed_version.is_(None))
            .order_by(e.c.id)
            .execution_options(yield_per=_LOAD_BATCH)
        )
        ids: list[NDArray[np.int64]] = []
        exact: dict[str, list[tuple[NDArray[np.intp], bytes]]] = {n: [] for n in EXACT}
        pdq: list[tuple[NDArray[np.intp], bytes]] = []
        loaded = 0
        with db.engine.connect() as conn:
            for batch in conn.execute(query).partitions():
                columns = list(zip(*batch, strict=True))
                ids.append(np.array(columns[0], dtype=np.int64))
                for name, values in zip(("md5", "sha1", "sha256", "pdq"), columns[1:], strict=True):
                    present = [i for i, v in enumerate(values) if v is not None]
                    raw = bytes.fromhex("".join(values[i] for i in present))
                    part = (np.array(present, dtype=np.intp) + loaded, raw)
                    (pdq if name == "pdq" else exact[name]).append(part)
                loaded += len(batch)
        pdq_rows = np.concatenate([p[0] for p in pdq]) if pdq else np.zeros(0, np.intp)
        codes = np.frombuffer(b"".join(p[1] for p in pdq), dtype=np.uint64).reshape(-1, 4)
        settings = db.settings
        return cls(
            np.concatenate(ids) if ids else np.zeros(0, np.int64),
            exact,
            pdq_rows,
            codes,
            _db_labels(db),
            threshold=settings.pdq_threshold if threshold is None else threshold,
            min_quality=settings.pdq_min_quality if min_quality is None else min_quality,
        )

    @classmethod
    def from_entries(
        cls, entries: Iterable[KnownEntry], *, threshold: int = 31, min_quality: int = 50
    ) -> Matcher:
        """A matcher over entries held in memory (tests, benchmarks, one-off lists)."""
        items = list(entries)
        exact: dict[str, list[tuple[NDArray[np.intp], bytes]]] = {}
        for name in EXACT:
            rows = [i for i, x in enumerate(items) if getattr(x, name)]
            raw = bytes.fromhex("".join(getattr(items[i], name) for i in rows))
            exact[name] = [(np.array(rows, dtype=np.intp), raw)]
        pdq_rows = np.array([i for i, x in enumerate(items) if x.pdq], dtype=np.intp)
        codes = codes_from_hex(items[i].pdq or "" for i in pdq_rows)
        table = {i: (x.hashset, x.entry, x.category) for i, x in enumerate(items)}
        return cls(
            np.arange(len(items), dtype=np.int64),
            exact,
            pdq_rows,
            codes,
            lambda ids: {i: table[i] for i in ids},
            threshold=threshold,
            min_quality=min_quality,
        )

    def is_low_quality(self, hashes: Hashes) -> bool:
        """True when the file has a PDQ hash too weak to match."""
        return hashes.pdq is not None and (hashes.quality or 0) < self.min_quality

    def near_threshold(self, hashes: Hashes) -> bool:
        """Whether the exact PDQ could change this file's verdict (see :data:`EXACT_MARGIN`)."""
        quality = hashes.quality or 0
        if hashes.pdq is None or quality < self.min_quality - QUALITY_MARGIN or not len(self.index):
            return False
        reach = min(256, self.threshold + EXACT_MARGIN)
        found = self.index.search(codes_from_hex([hashes.pdq.lower()]), reach).distance
        if not len(found):
            return False
        return quality < self.min_quality + QUALITY_MARGIN or bool(
            (found > self.threshold - EXACT_MARGIN).any()
        )

    def settle_and_match(self, hashes: H, exact: Callable[[H], H]) -> tuple[H, list[Match]]:
        """:meth:`settle` then :meth:`match`, searching the PDQ index once where it can.

        A file with no entry within the threshold plus :data:`EXACT_MARGIN` (most files) is
        settled by that one search and matched by its exact hashes alone; the rest are
        settled as :meth:`settle` does and matched as :meth:`match` does.
        """
        quality = hashes.quality or 0
        if hashes.pdq is None or quality < self.min_quality - QUALITY_MARGIN or not len(self.index):
            return hashes, self.match(hashes)
        reach = min(256, self.threshold + EXACT_MARGIN)
        found = self.index.search(codes_from_hex([hashes.pdq.lower()]), reach).distance
        if not len(found):
            return hashes, self._describe(self._exact_found(hashes))
        near = quality < self.min_quality + QUALITY_MARGIN or bool(
            (found > self.threshold - EXACT_MARGIN).any()
        )
        settled = exact(hashes) if near else hashes
        return settled, self.match(settled)

    def preload_labels(self, limit: int = 100_000) -> bool:
        """Read every entry's label now when there are at most ``limit`` entries (one query
        per 500, before matching starts, instead of one per new match); True when read."""
        if len(self.ids) > limit:
            return False
        missing = [int(i) for i in self.ids.tolist() if int(i) not in self._cache]
        if missing:
            self._cache.update(self._labels(missing))
        return True

    def settle(self, hashes: H, exact: Callable[[H], H]) -> H:
        """The hashes to match: ``exact(hashes)`` (the reference's PDQ) when the estimate is
        too near the threshold to trust, else ``hashes`` themselves."""
        return exact(hashes) if self.near_threshold(hashes) else hashes

    def match(self, hashes: Hashes, variants: Mapping[str, str] | None = None) -> list[Match]:
        """Every match of one file; ``variants`` are extra PDQ hashes (e.g. its rotations)."""
        return self.match_many([hashes], [variants] if variants else None)[0]

    def match_many(
        self, items: Sequence[Hashes], variants: Sequence[Mapping[str, str] | None] | None = None
    ) -> list[list[Match]]:
        """Matches of many files at once (PDQ searches are batched)."""
        found = [self._exact_found(hashes) for hashes in items]
        queries: list[str] = []
        owners: list[tuple[int, str | None]] = []
        for number, hashes in enumerate(items):
            if hashes.pdq is None or self.is_low_quality(hashes):
                continue
            queries.append(hashes.pdq)
            owners.append((number, None))
            for name, value in ((variants[number] or {}) if variants else {}).items():
                queries.append(value)
                owners.append((number, name))
        if queries and len(self.index):
            hits = self.index.search(codes_from_hex(q.lower() for q in queries), self.threshold)
            for q, r, d in zip(
                hits.query.tolist(), hits.row.tolist(), hits.distance.tolist(), strict=True
            ):
                number, variant = owners[q]
                key = (int(self._pdq_rows[r]), "pdq")
                best = found[number].get(key)
                if best is None or (d, variant is not None) < (best[0], best[1] is not None):
                    found[number][key] = (d, variant)
        return [self._describe(f) for f in found]

    def _exact_found(self, hashes: Hashes) -> dict[tuple[int, str], tuple[int, str | None]]:
        """The entries a file's exact hashes (MD5, SHA-1, SHA-256) match, at distance 0."""
        found: dict[tuple[int, str], tuple[int, str | None]] = {}
        for name, table in self._exact.items():
            value = getattr(hashes, name)
            if value and len(value) == 2 * table.width and len(table.keys):
                for row in table.find(value.lower()).tolist():
                    found[(row, name)] = (0, None)
        return found

    def _describe(self, found: dict[tuple[int, str], tuple[int, str | None]]) -> list[Match]:
        if not found:
            return []
        ids = [int(self.ids[row]) for row, _ in found]
        missing = [i for i in ids if i not in self._cache]
        if missing:
            self._cache.update(self._labels(missing))
        matches = []
        for (row, signal), (distance, variant) in found.items():
            hashset, entry, category = self._cache.get(
                int(self.ids[row]), ("?", f"#{int(self.ids[row])}", None)
            )
            matches.append(Match(hashset, entry, category, signal, distance, variant))
        matches.sort(key=lambda m: (SIGNAL_RANK[m.signal], m.distance, m.hashset, m.entry))
        return matches

    def results(
        self,
        items: Iterable[Hashes],
        *,
        batch: int = 256,
        variants: Callable[[Hashes], Mapping[str, str] | None] | None = None,
        exact: Callable[[Hashes], Hashes] | None = None,
    ) -> Iterator[FileResult]:
        """Match a stream of files in batches, yielding one result per file in order.

        ``exact`` re-hashes a file by the reference procedure; given, it is called for the
        files whose estimated PDQ lies near the threshold (:meth:`settle`).
        """
        iterator = iter(items)
        while chunk := list(islice(iterator, batch)):
            if exact is not None:
                chunk = [self.settle(h, exact) for h in chunk]
            extra = [variants(h) for h in chunk] if variants else None
            for hashes, matches in zip(chunk, self.match_many(chunk, extra), strict=True):
                yield FileResult(hashes, matches, self.is_low_quality(hashes))


def _db_labels(db: Database) -> Labels:
    def labels(ids: list[int]) -> dict[int, tuple[str, str, int | None]]:
        e, s = HashEntry.__table__, HashSet.__table__
        out: dict[int, tuple[str, str, int | None]] = {}
        with db.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    select(e.c.id, s.c.name, e.c.key, e.c.external_id, e.c.category)
                    .join(s, s.c.id == e.c.set_id)
                    .where(e.c.id.in_(ids[start : start + 500]))
                )
                for id_, name, key, external, category in rows:
                    out[id_] = (name, external if external is not None else key, category)
        return out

    return labels
