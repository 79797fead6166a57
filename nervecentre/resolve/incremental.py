"""Incremental resolution: compare only new and changed records, re-cluster what they touch.

A run after an import need not compare the million pairs it compared last time. Each
record's resolution-relevant fields are summarised by a keyed fingerprint; records whose
fingerprint is new or different are *changed*. Their blocking keys are looked up among all
records' blocks (the same blocks a full run makes), only the pairs that hold a changed
record are compared, with the last run's model. The entities those records belonged to, and
those they now link to, are re-clustered from their own pairs; every other entity — and so
every earlier link — stays as it was. Analysts' decisions bind as in a full run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from nervecentre.resolve.blocking import BlockStats, Pairs, build_blocks, pairs_touching
from nervecentre.resolve.cluster import best_scores, cluster
from nervecentre.resolve.engine import (
    APART,
    COHESION,
    LINK,
    REVIEW,
    Progress,
    compare_pairs,
    pair_scorer,
    score_levels,
)
from nervecentre.resolve.model import Floats, Model
from nervecentre.resolve.records import PersonRecord

Mac = Callable[[str], str]


def fingerprint(record: PersonRecord, mac: Mac) -> str:
    """A keyed digest of every field resolution reads: equal exactly when nothing changed.

    ``mac`` is a keyed hash (the installation's field key): a plain hash of a name could be
    matched against a list of names, so the stored digest says nothing without the key.
    """
    fields = {
        "names": [[n.tokens, n.initials] for n in record.names],
        "father": [record.father.tokens, record.father.initials] if record.father else None,
        "gender": record.gender,
        "birth": record.birth_year,
        "dob": record.dob.isoformat() if record.dob else None,
        "phones": sorted(record.phones),
        "emails": sorted(record.emails),
        "address": sorted(record.address),
        "district": record.district,
        "state": record.state,
    }
    return mac(json.dumps(fields, ensure_ascii=False, separators=(",", ":")))


@dataclass
class Increment:
    """What an incremental run found: every record's entity, and what it compared."""

    labels: list[int]
    changed: list[int]
    reclustered: list[int]
    pairs: Pairs
    probabilities: Floats
    blocking: BlockStats
    best: Floats
    compared: int = 0
    rescored: int = 0
    review: list[int] = field(default_factory=list)

    @property
    def entities(self) -> int:
        """How many entities the records form."""
        return len(set(self.labels))


def _closure(
    previous: Sequence[int],
    start: set[int],
    pairs: Pairs,
    probs: Floats,
    link: float,
    same: Sequence[tuple[int, int]],
) -> set[int]:
    """Records to re-cluster: the changed ones, their old entities, and what they link to."""
    members: dict[int, list[int]] = {}
    for index, label in enumerate(previous):
        members.setdefault(label, []).append(index)
    strong = pairs[probs >= link].tolist()
    labels = {previous[i] for i in start}
    labels.update(previous[i] for pair in strong for i in pair)
    while True:
        records = set(start).union(*(members[label] for label in labels))
        more = {previous[x] for pair in same if set(pair) & records for x in pair} - labels
        if not more:
            return records
        labels |= more


def resolve_changed(
    records: Sequence[PersonRecord],
    previous: Sequence[int],
    changed: Collection[int],
    model: Model,
    *,
    link: float = LINK,
    review: float = REVIEW,
    cohesion: float = COHESION,
    same: Sequence[tuple[int, int]] = (),
    different: Sequence[tuple[int, int]] = (),
    progress: Progress | None = None,
) -> Increment:
    """Resolve the ``changed`` records (indexes) against all, keeping the other entities.

    ``previous[i]`` is the entity record ``i`` belonged to after the last run (any number;
    equal numbers mean one entity; a new record gets a number of its own). The result's
    labels are, like a full run's, the index of each entity's lowest record.
    """
    n = len(records)
    start = set(changed)
    blocks = build_blocks(records)
    pairs, stats = pairs_touching(records, start, blocks)
    levels = compare_pairs(records, pairs, progress)
    _, probs = score_levels(records, pairs, levels, model)
    compared = len(pairs)
    redo = _closure(previous, start, pairs, probs, link, same)
    # The pairs inside the re-clustered entities that hold no changed record: scored again
    # (same model, same features: the same scores) for clustering, not counted as compared.
    inner, _ = pairs_touching(records, redo - start, blocks)
    keep = np.isin(inner[:, 0], list(redo)) & np.isin(inner[:, 1], list(redo))
    inner = inner[keep & ~np.isin(inner[:, 0], list(start)) & ~np.isin(inner[:, 1], list(start))]
    _, inner_probs = score_levels(records, inner, compare_pairs(records, inner), model)
    all_pairs = np.concatenate([pairs, inner])
    all_probs = np.concatenate([probs, inner_probs])
    local_of = {x: k for k, x in enumerate(sorted(redo))}
    glob = sorted(redo)
    inside = np.array(
        [a in local_of and b in local_of for a, b in all_pairs.tolist()], dtype=bool
    ).reshape(-1)
    local_pairs = np.array(
        [[local_of[a], local_of[b]] for a, b in all_pairs[inside].tolist()], dtype=np.int64
    ).reshape(-1, 2)
    scorer = pair_scorer(records, model)
    local = cluster(
        len(glob),
        local_pairs,
        all_probs[inside],
        threshold=link,
        apart_below=APART,
        mean_above=cohesion,
        scorer=lambda i, j: scorer(glob[i], glob[j]),
        same=[(local_of[a], local_of[b]) for a, b in same if a in local_of and b in local_of],
        different=[
            (local_of[a], local_of[b]) for a, b in different if a in local_of and b in local_of
        ],
    )
    labels = _merge_labels(previous, redo, [glob[x] for x in local])
    lab = np.asarray(labels, dtype=np.int64)
    queued = np.flatnonzero((all_probs >= review) & (all_probs < link))
    queued = queued[lab[all_pairs[queued, 0]] != lab[all_pairs[queued, 1]]]
    order = queued[np.argsort(np.abs(all_probs[queued] - 0.5 * (link + review)))]
    return Increment(
        labels=labels,
        changed=sorted(start),
        reclustered=glob,
        pairs=all_pairs,
        probabilities=all_probs,
        blocking=stats,
        best=best_scores(n, all_pairs, all_probs, labels),
        compared=compared,
        rescored=len(inner),
        review=order.tolist(),
    )


def _merge_labels(previous: Sequence[int], redo: set[int], redone: list[int]) -> list[int]:
    """Old entities outside ``redo``, new ones inside: each as its lowest record's index."""
    lowest: dict[int, int] = {}
    for index, label in enumerate(previous):
        if index not in redo and label not in lowest:
            lowest[label] = index
    labels = [0] * len(previous)
    glob = sorted(redo)
    for index, label in enumerate(previous):
        if index not in redo:
            labels[index] = lowest[label]
    for index, label in zip(glob, redone, strict=True):
        labels[index] = label
    return labels
