"""Resolution end to end: block, compare, estimate the model, score, cluster, explain."""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from nervecentre.resolve.blocking import BlockStats, Pairs, candidate_pairs, random_pairs
from nervecentre.resolve.cluster import best_scores, cluster
from nervecentre.resolve.compare import (
    FEATURE_INDEX,
    FEATURES,
    NAME_FITS,
    NAME_VARIANT,
    NULL,
    best_name_level,
    compare,
)
from nervecentre.resolve.learn import MIN_DECISIONS
from nervecentre.resolve.learn import learn as learn_corrections
from nervecentre.resolve.model import (
    Floats,
    Levels,
    Model,
    estimate_u,
    match_weights,
    probability,
    share,
    train,
)
from nervecentre.resolve.records import PersonRecord
from nervecentre.resolve.vectors import Codes, compare_many, encode

# Pairs at or above LINK link automatically; between REVIEW and LINK they are queued for an
# analyst; a scored pair below APART keeps the two records' entities apart.
LINK = 0.998
REVIEW = 0.5
APART = 0.01
# Two entities join only if the pairs across them score above this on average.
COHESION = 0.8
U_SAMPLE = 30_000
# Pairs compared at once (and the progress bar's step).
CHUNK = 200_000
# The share of true matches (among candidate pairs) that the strict rule of estimate_prior
# finds (measured 2026-12-08: 0.37-0.41 from 5,000 to 100,000 records, precision 0.99+).
STRICT_RECALL = 0.40
# The prior's bound for a long list: this many times the share of matches among *all*
# pairs (see estimate_prior; measured 2026-12-08 on 5,000-250,000 records).
PRIOR_POOL = 256

Progress = Callable[[int, int], None]


@dataclass
class Resolution:
    """The outcome of one run: each record's entity, the scored pairs, the model."""

    labels: list[int]
    pairs: Pairs
    probabilities: Floats
    weights: Floats
    model: Model
    blocking: BlockStats
    best: Floats
    review: list[int] = field(default_factory=list)

    @property
    def entities(self) -> int:
        """How many entities the records form."""
        return len(set(self.labels))


def _levels(
    records: Sequence[PersonRecord],
    pairs: Pairs,
    progress: Progress | None,
    codes: Codes | None = None,
) -> Levels:
    """Every pair's levels, a chunk of pairs at a time (see :mod:`.vectors`).

    Many pairs are compared by WORKERS forked processes, each a share of the chunks (the
    records and codes are the parent's, shared by the fork; levels come back by pipe).
    """
    codes = encode(records) if codes is None else codes
    out = np.empty((len(pairs), len(FEATURES)), dtype=np.int8)
    starts = range(0, len(pairs), CHUNK)
    if len(pairs) >= PARALLEL_FROM and WORKERS > 1:
        global _SHARED
        _SHARED = (records, codes, pairs)
        try:
            with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
                for start, levels in zip(starts, pool.imap(_compare_chunk, starts), strict=True):
                    out[start : start + CHUNK] = levels
                    if progress is not None:
                        progress(min(start + CHUNK, len(pairs)), len(pairs))
        finally:
            _SHARED = None
        return out
    for start in starts:
        out[start : start + CHUNK] = compare_many(records, codes, pairs[start : start + CHUNK])
        if progress is not None:
            progress(min(start + CHUNK, len(pairs)), len(pairs))
    if progress is not None and not len(pairs):
        progress(0, 0)
    return out


# What forked workers compare: set just before the fork, read by the children.
_SHARED: tuple[Sequence[PersonRecord], Codes, Pairs] | None = None
# Processes comparing pairs, and how many pairs make them worth starting.
WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_FROM = 2_000_000


def _compare_chunk(start: int) -> Levels:
    assert _SHARED is not None
    records, codes, pairs = _SHARED
    return compare_many(records, codes, pairs[start : start + CHUNK])


def _name_key(parsed: object) -> tuple[str, ...]:
    return parsed.sorted_keys  # type: ignore[attr-defined,no-any-return]


def _frequencies(
    records: Sequence[PersonRecord],
) -> tuple[Counter[tuple[str, ...]], Counter[str]]:
    names: Counter[tuple[str, ...]] = Counter()
    phones: Counter[str] = Counter()
    for record in records:
        names.update({_name_key(p) for p in record.names if p.tokens})
        phones.update(record.phones)
    return names, phones


def _pair_tf(
    names: Counter[tuple[str, ...]],
    phones: Counter[str],
    n: int,
    a: PersonRecord,
    b: PersonRecord,
) -> tuple[float, float, int]:
    """How many of the ``n`` records carry the name and the phone ``a`` and ``b`` share."""
    level, x, y = best_name_level(a, b)
    name_tf = max(names[_name_key(x)], names[_name_key(y)]) if level >= NAME_VARIANT else np.nan
    shared = a.phones & b.phones
    phone_tf = min(phones[p] for p in shared) if shared else np.nan
    return float(name_tf), float(phone_tf), n


Counts = tuple[Counter[tuple[str, ...]], Counter[str]]


@dataclass
class CountTables:
    """:func:`_frequencies` read by ``codes``: how many records carry each row of the name
    table (its sorted spelling keys) and each phone code."""

    codes: Codes
    name: npt.NDArray[np.float64]
    phone: npt.NDArray[np.float64]


def count_tables(codes: Codes, counts: Counts) -> CountTables:
    """The counts of ``counts`` for every name row and phone code of ``codes``."""
    names, phones = counts
    name = np.array([names[_name_key(p)] for p in codes.table.names], dtype=np.float64)
    phone = np.array([phones[p] for p in codes.phone_text], dtype=np.float64)
    return CountTables(codes, name, phone)


def _term_frequencies(
    records: Sequence[PersonRecord],
    pairs: Pairs,
    levels: Levels,
    counts: Counts | None = None,
    tables: CountTables | None = None,
) -> tuple[Floats, Floats]:
    """How many records carry the name and the phone each agreeing pair shares (``counts``:
    :func:`_frequencies` of ``records``, when counted already; ``tables``: the same by
    codes, which read the pairs of records with one name or one phone by arrays)."""
    names, phones = _frequencies(records) if counts is None else counts
    name_tf = np.full(len(pairs), np.nan)
    phone_tf = np.full(len(pairs), np.nan)
    name_col, phone_col = levels[:, 0], levels[:, 2]
    by_name = np.flatnonzero(name_col >= NAME_VARIANT)
    by_phone = np.flatnonzero(phone_col == 1)
    if tables is not None:
        # one name on each side: best_name_level's names are those two
        codes = tables.codes
        na, nb = codes.name[pairs[by_name, 0]], codes.name[pairs[by_name, 1]]
        simple = (na >= 0) & (nb >= 0)
        name_tf[by_name[simple]] = np.maximum(tables.name[na[simple]], tables.name[nb[simple]])
        by_name = by_name[~simple]
        # one phone on each side, in common: that phone
        pa, pb = codes.phone[pairs[by_phone, 0]], codes.phone[pairs[by_phone, 1]]
        simple = (pa >= 0) & (pa == pb)
        phone_tf[by_phone[simple]] = tables.phone[pa[simple]]
        by_phone = by_phone[~simple]
    for k in by_name.tolist():
        i, j = pairs[k]
        _, x, y = best_name_level(records[i], records[j])
        name_tf[k] = max(names[_name_key(x)], names[_name_key(y)])
    for k in by_phone.tolist():
        i, j = pairs[k]
        shared = records[i].phones & records[j].phones
        phone_tf[k] = min(phones[p] for p in shared)
    return name_tf, phone_tf


def training_sessions(levels: Levels) -> list[tuple[np.ndarray, frozenset[str]]]:
    """Splink-style sessions: pairs sharing a contact train the rest; likewise names."""
    name, phone, email = levels[:, 0], levels[:, 2], levels[:, 3]
    contact = (phone == 1) | (email == 1)
    return [
        (contact, frozenset({"phone", "email"})),
        (name >= NAME_FITS, frozenset({"name"})),
        (contact & (name >= NAME_FITS), frozenset({"name", "phone", "email"})),
    ]


# Fewer candidate pairs than this say too little: the prior is then a fixed 0.1.
MIN_PRIOR_PAIRS = 200
# At least this many pairs with a value must pass a rule before its count replaces EM's m.
MIN_RULE_PAIRS = 30


def refine_with_rules(model: Model, levels: Levels) -> Model:
    """m counted among pairs that near-surely match by *other* features, where enough do.

    EM's match class takes in look-alike non-matches (namesakes, siblings), which makes
    disagreements (ten years apart, another gender) look common among matches and so weak
    as evidence. Pairs that share a contact and a name are almost all matches, and say how
    often one person's records disagree on age or gender; pairs that share a contact, age
    and gender say how one person's name varies; and so on: each rule leaves out the
    features it estimates. Measured: pairwise F1 +0.005 to +0.034 over EM alone on three
    sets from two generators (docs/resolution.md).
    """
    name, phone, email = levels[:, 0], levels[:, 2], levels[:, 3]
    birth, gender = levels[:, 4], levels[:, 5]
    contact = (phone == 1) | (email == 1)
    same_name = name >= NAME_VARIANT
    same_age = (birth >= 3) & (gender != 0)
    rules = (
        (contact & same_name, ("father", "birth", "gender", "place", "address")),
        (contact & same_age, ("name",)),
        (same_name & same_age, ("phone", "email")),
    )
    m = list(model.m)
    for mask, features in rules:
        for feature in features:
            index = FEATURE_INDEX[feature]
            column = levels[mask, index]
            if int((column != NULL).sum()) >= MIN_RULE_PAIRS:
                m[index] = share(column, len(FEATURES[index].levels))
    # Pairs whose names fit but who were born more than ten years apart are near-surely
    # different people (one person's records disagree so in 1 % at most): among them, how
    # often two namesakes' fathers' names agree.
    apart = (name >= NAME_FITS) & (birth == 0)
    father = levels[apart, FEATURE_INDEX["father"]]
    named_u = None
    if int((father != NULL).sum()) >= MIN_RULE_PAIRS:
        named_u = share(father, len(FEATURES[FEATURE_INDEX["father"]].levels))
    return Model(
        m=m, u=model.u, prior=model.prior, trained_on=model.trained_on, father_named_u=named_u
    )


def estimate_prior(levels: Levels, records: int = 0) -> float:
    """The prior chance that a candidate pair is a match, from pairs that surely are.

    EM left free to move the prior settles on "every candidate is a match" (blocking made
    them alike); as Splink does, the matches are counted first by a strict rule — a name
    that fits and a shared phone or e-mail — whose recall among matches is measured
    (STRICT_RECALL). A shared birth year is not strict: in a long list namesakes share it
    (at 100,000 records a third of the pairs it added were not matches).

    The prior is their share among candidate pairs, but at most PRIOR_POOL times their
    share among *all* pairs of the ``records`` (Splink's "two random records match"). The
    u of a name or a phone is counted over every record, so the evidence of a shared name
    is the same in a list of 5,000 and of a million; but the million holds 200 times as
    many namesakes of one record, of whom blocking (its neighbourhoods capped at a few
    dozen records) shows it only some. A prior among candidates does not fall with the
    list; one among all pairs does, as the namesakes grow. The share among all pairs
    alone would be the consistent figure, but m and u, estimated feature by feature, are
    measured to understate a match on these lists by about 8 bits (log2 PRIOR_POOL); the
    bound leaves a short list as it was and makes a long one stricter, as the chance of a
    look-alike stranger rises.
    """
    if len(levels) < MIN_PRIOR_PAIRS:
        return 0.1
    name, phone, email = levels[:, 0], levels[:, 2], levels[:, 3]
    sure = (name >= NAME_FITS) & ((phone == 1) | (email == 1))
    matches = float(sure.sum()) / STRICT_RECALL
    prior = matches / len(levels)
    if records > 1:
        prior = min(prior, PRIOR_POOL * matches / (records * (records - 1) / 2))
    return float(np.clip(prior, 1e-9, 0.5))


def resolve_records(
    records: Sequence[PersonRecord],
    *,
    link: float = LINK,
    review: float = REVIEW,
    cohesion: float = COHESION,
    same: Sequence[tuple[int, int]] = (),
    different: Sequence[tuple[int, int]] = (),
    progress: Progress | None = None,
    model: Model | None = None,
    learn: bool = True,
    stages: Callable[[str], None] | None = None,
) -> Resolution:
    """Resolve ``records`` into entities (analysts' decisions as index pairs).

    A model estimated here (``model`` None) is corrected by the decisions when ``learn``
    (and there are enough of them: :mod:`nervecentre.resolve.learn`). ``stages`` is told
    each stage as it ends (the benchmark times them).
    """
    stage = stages if stages is not None else (lambda _: None)
    pairs, stats = candidate_pairs(records)
    stage(f"blocking ({len(pairs):,} candidate pairs)")
    codes = encode(records)  # once: the candidate pairs and the random sample share them
    stage("encoding")
    levels = _levels(records, pairs, progress, codes)
    stage("comparing")
    if model is None:
        sample = random_pairs(len(records), U_SAMPLE)
        u = estimate_u(_levels(records, sample, None, codes))
        model = train(
            levels, u, training_sessions(levels), prior=estimate_prior(levels, len(records))
        )
        model = refine_with_rules(model, levels)
        if learn:
            model = learn_from_decisions(records, model, same, different)
    stage("u, EM and the rules")
    counts = _frequencies(records)  # once: scoring and both cohesion scorers read them
    weights = _scored_in_chunks(records, pairs, levels, model, counts, count_tables(codes, counts))
    del levels
    stage("scoring with term frequencies")
    if len(pairs) >= KEEP_ALL_BELOW:
        kept = _needed(len(records), pairs, weights, link, review, same)
        pairs, weights = pairs[kept], weights[kept]
    probs = probability(weights)
    stage(f"keeping the pairs clustering reads ({len(pairs):,})")
    scorer = pair_scorer(records, model, counts)
    labels = cluster(
        len(records),
        pairs,
        probs,
        threshold=link,
        apart_below=APART,
        mean_above=cohesion,
        scorer=scorer,
        same=same,
        different=different,
        many=many_scorer(records, model, codes, counts),
    )
    del codes
    stage("clustering")
    queued = np.flatnonzero((probs >= review) & (probs < link))
    lab = np.asarray(labels)
    queued = queued[lab[pairs[queued, 0]] != lab[pairs[queued, 1]]]
    order = queued[np.argsort(np.abs(probs[queued] - 0.5 * (link + review)))]
    return Resolution(
        labels=labels,
        pairs=pairs,
        probabilities=probs,
        weights=weights,
        model=model,
        blocking=stats,
        best=best_scores(len(records), pairs, probs, labels),
        review=order.tolist(),
    )


# Pairs scored at once after training (the term frequencies, weights of one chunk).
SCORE_CHUNK = 1_000_000
# A run with this many candidate pairs or more keeps only those clustering and the review
# queue read (see _needed); a shorter one keeps them all (callers may read any).
KEEP_ALL_BELOW = 2_000_000


def _scored_in_chunks(
    records: Sequence[PersonRecord],
    pairs: Pairs,
    levels: Levels,
    model: Model,
    counts: Counts,
    tables: CountTables,
) -> Floats:
    """The match weights of ``pairs`` (those of :func:`score_levels`), a chunk at a time, so
    that the term frequencies and the intermediate arrays are never held for all pairs
    (``counts``: :func:`_frequencies` of ``records``; ``tables``: the same by codes)."""
    weights = np.empty(len(pairs))
    for start in range(0, len(pairs), SCORE_CHUNK):
        part = slice(start, start + SCORE_CHUNK)
        name_tf, phone_tf = _term_frequencies(records, pairs[part], levels[part], counts, tables)
        weights[part] = match_weights(
            model, levels[part], name_tf=name_tf, phone_tf=phone_tf, population=len(records)
        )
    return weights


def _needed(
    n: int,
    pairs: Pairs,
    weights: Floats,
    link: float,
    review: float,
    same: Sequence[tuple[int, int]],
) -> npt.NDArray[np.int64]:
    """The positions of the pairs clustering and the review queue read, in order.

    Clustering links the pairs at or above ``link``; its "apart" check reads the pairs
    below APART between two records that have such a link (or an analyst's "same person");
    the queue reads the pairs at or above ``review``. Its cohesion check reads the scored
    pairs across two entities and scores any it lacks (the same probability, one pair at a
    time): a dropped pair between APART and ``review`` is scored again only if a link
    would join its records' entities. Every other pair (most of them: two records sharing
    a common name and little else) is dropped once scored, which changes no entity and no
    queued pair.
    """
    linked = np.zeros(n, dtype=bool)
    for start in range(0, len(pairs), SCORE_CHUNK):
        part = slice(start, start + SCORE_CHUNK)
        linked[pairs[part][probability(weights[part]) >= link].reshape(-1)] = True
    for i, j in same:
        linked[i] = linked[j] = True
    wanted = np.zeros(len(pairs), dtype=bool)
    for start in range(0, len(pairs), SCORE_CHUNK):
        part = slice(start, start + SCORE_CHUNK)
        a, b = pairs[part, 0], pairs[part, 1]
        probs = probability(weights[part])
        wanted[part] = (probs >= review) | (linked[a] & linked[b] & (probs < APART))
    return np.flatnonzero(wanted)


def score_levels(
    records: Sequence[PersonRecord], pairs: Pairs, levels: Levels, model: Model
) -> tuple[Floats, Floats]:
    """Match weights and probabilities of compared pairs (names and phones counted in all)."""
    name_tf, phone_tf = _term_frequencies(records, pairs, levels)
    weights = match_weights(
        model, levels, name_tf=name_tf, phone_tf=phone_tf, population=len(records)
    )
    return weights, probability(weights)


def learn_from_decisions(
    records: Sequence[PersonRecord],
    model: Model,
    same: Sequence[tuple[int, int]],
    different: Sequence[tuple[int, int]],
) -> Model:
    """``model`` corrected by analysts' decisions on pairs of ``records`` (index pairs)."""
    decided = [(min(a, b), max(a, b)) for a, b in (*same, *different)]
    if len(decided) < MIN_DECISIONS:
        return model
    pairs = np.array(decided, dtype=np.int64).reshape(-1, 2)
    base = replace(model, learnt=None, decisions=0)
    levels = _levels(records, pairs, None)
    weights, _ = score_levels(records, pairs, levels, base)
    return learn_corrections(base, levels, weights, [True] * len(same) + [False] * len(different))


def compare_pairs(
    records: Sequence[PersonRecord], pairs: Pairs, progress: Progress | None = None
) -> Levels:
    """The agreement levels of ``pairs`` (rows) for every feature (columns)."""
    return _levels(records, pairs, progress)


def pair_scorer(
    records: Sequence[PersonRecord], model: Model, counts: Counts | None = None
) -> Callable[[int, int], float]:
    """Scores one pair of ``records`` by index, on demand (for clustering's cohesion check;
    ``counts``: :func:`_frequencies` of ``records``, when counted already)."""
    names, phones = _frequencies(records) if counts is None else counts

    def scorer(i: int, j: int) -> float:
        a, b = records[i], records[j]
        return pair_probability(model, a, b, _pair_tf(names, phones, len(records), a, b))

    return scorer


def many_scorer(
    records: Sequence[PersonRecord], model: Model, codes: Codes, counts: Counts | None = None
) -> Callable[[list[tuple[int, int]]], list[float]]:
    """Scores many pairs of ``records`` at once, by arrays: :func:`pair_scorer`'s
    probabilities (the same levels, term frequencies and weights) for a batch."""
    counts = _frequencies(records) if counts is None else counts
    tables = count_tables(codes, counts)

    def many(wanted: list[tuple[int, int]]) -> list[float]:
        pairs = np.array(wanted, dtype=np.int64).reshape(-1, 2)
        levels = compare_many(records, codes, pairs)
        name_tf, phone_tf = _term_frequencies(records, pairs, levels, counts, tables)
        weights = match_weights(
            model, levels, name_tf=name_tf, phone_tf=phone_tf, population=len(records)
        )
        scores: list[float] = probability(weights).tolist()
        return scores

    return many


@dataclass(frozen=True)
class Contribution:
    """One feature's part in a pair's score: its level in words and its weight in bits."""

    feature: str
    level: int
    meaning: str
    bits: float


def pair_probability(
    model: Model, a: PersonRecord, b: PersonRecord, tf: tuple[float, float, int]
) -> float:
    """The match probability of one pair (``tf``: see :func:`_pair_tf`)."""
    levels = np.array([compare(a, b)], dtype=np.int8)
    weights = match_weights(
        model, levels, name_tf=np.array([tf[0]]), phone_tf=np.array([tf[1]]), population=tf[2]
    )
    return float(probability(weights)[0])


def explain_pair(
    model: Model, records: Sequence[PersonRecord], a: PersonRecord, b: PersonRecord
) -> tuple[float, list[Contribution]]:
    """:func:`explain` for two records of a list (their name and phone counted in it)."""
    names, phones = _frequencies(records)
    return explain(model, a, b, _pair_tf(names, phones, len(records), a, b))


def explain(
    model: Model, a: PersonRecord, b: PersonRecord, tf: tuple[float, float, int]
) -> tuple[float, list[Contribution]]:
    """The waterfall of one pair: the prior, then each feature's bits; and the probability."""
    levels = np.array([compare(a, b)], dtype=np.int8)
    name_tf = np.array([tf[0]])
    phone_tf = np.array([tf[1]])
    total = float(
        match_weights(model, levels, name_tf=name_tf, phone_tf=phone_tf, population=tf[2])[0]
    )
    prior_bits = float(np.log2(model.prior / (1 - model.prior)))
    parts = [Contribution("prior", 0, "share of matches among candidate pairs", prior_bits)]
    weights = model.weights()
    for index, feature in enumerate(FEATURES):
        level = int(levels[0, index])
        if level == NULL:
            parts.append(Contribution(feature.name, NULL, "not recorded on both", 0.0))
            continue
        parts.append(
            Contribution(feature.name, level, feature.levels[level], float(weights[index][level]))
        )
    adjust = total - sum(p.bits for p in parts)
    if abs(adjust) > 1e-9:
        parts.append(
            Contribution(
                "adjustment",
                0,
                "how common the shared name or phone is; a father's name weighed among "
                "namesakes when the names agree; a household's shared details counted once "
                "when the names conflict",
                adjust,
            )
        )
    return float(probability(np.array([total]))[0]), parts
