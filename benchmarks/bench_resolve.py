"""Entity resolution benchmark: nervecentre's resolver vs Splink 5 (DuckDB), same records.

Both read the same synthetic person lists (``nervecentre.synth.person_lists``: the same
people written many ways, and namesakes, siblings on one household phone, strangers on one
burner phone, fathers and sons), several seeds. Splink gets a competent configuration, as
the issue asks: names cleaned and transliterated to Latin by our own reader (so the gain
measured is the model's, not the transliteration's), phones normalised to E.164; blocking
on phone, on first name + district, on surname + district, on date of birth; Jaro-Winkler
name levels with term frequencies, father's name, birth year, district, gender, e-mail;
u by random sampling, the prior by deterministic rules, m by EM on two blocking rules
(from SPLINK_LARGE records, narrower rules as its docs advise: ``splink_rules``); DuckDB
with a memory limit, both threads and a spill folder; clusters at the threshold that
gives Splink its best F1 on each set (an advantage ours does not get: ours runs at its
default). Scores are pairwise and B-cubed F1 against the truth.

    python benchmarks/bench_resolve.py [--people 3000] [--seeds 1 2 3]
    python benchmarks/bench_resolve.py --records 1000000     # one large list, scale
    python benchmarks/bench_resolve.py --records 1000000 --write big.csv  # write it once
    python benchmarks/bench_resolve.py --data big.csv --limit 900    # then measure on it
    python benchmarks/bench_resolve.py --data big.csv --engines ours --max-rss 10240
    python benchmarks/bench_resolve.py --data big.csv --engines Splink --times 2 \
        --ours-seconds 367 --duckdb-temp /big/disk/spill    # Splink, up to 2 x ours' time

``--records N`` writes one list of about N records (people × 1.7) and runs each engine in
a process of its own (forked after the list is read), printing each one's seconds, peak
resident memory and F1 — Splink at its best threshold, ours at its default.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import pickle
import queue as queue_module
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from nervecentre.resolve.engine import resolve_records
from nervecentre.resolve.records import PersonRecord, read_records
from nervecentre.synth.person_lists import write_person_list


def pairwise(truth: Sequence[str], labels: Sequence[object]) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1."""

    def pairs(groups: Sequence[object]) -> int:
        return sum(c * (c - 1) // 2 for c in Counter(groups).values())

    tp, t, p = pairs(list(zip(truth, labels, strict=True))), pairs(truth), pairs(labels)
    precision = tp / p if p else 1.0
    recall = tp / t if t else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall or 1)


def bcubed(truth: Sequence[str], labels: Sequence[object]) -> float:
    """B-cubed F1."""
    both = Counter(zip(truth, labels, strict=True))
    by_truth, by_label = Counter(truth), Counter(labels)
    precision = sum(c * c / by_label[lab] for (_, lab), c in both.items()) / len(truth)
    recall = sum(c * c / by_truth[t] for (t, _), c in both.items()) / len(truth)
    return 2 * precision * recall / (precision + recall or 1)


def splink_frame(records: Sequence[PersonRecord]) -> pd.DataFrame:
    """One flat row per record, as a competent Splink user would prepare it."""
    rows = []
    for index, r in enumerate(records):
        tokens = r.name.tokens
        rows.append(
            {
                "unique_id": index,
                "first_name": tokens[0] if tokens else None,
                "surname": tokens[-1] if len(tokens) > 1 else None,
                "full_name": " ".join(tokens) or None,
                "father_name": r.father.text if r.father else None,
                "phone": min(r.phones) if r.phones else None,
                "email": min(r.emails) if r.emails else None,
                "dob": r.dob.isoformat() if r.dob else None,
                "birth_year": r.birth_year,
                "gender": r.gender or None,
                "district": r.district or None,
            }
        )
    return pd.DataFrame(rows)


# DuckDB's own default is 80 % of the machine's memory and every core; this machine is
# shared (2 cores, other work beside): a limit, both cores, and a spill folder (--duckdb-temp).
DUCKDB_MEMORY = "6GB"
DUCKDB_THREADS = 2
DUCKDB_TEMP = Path(tempfile.gettempdir()) / "bench-resolve-duckdb"
# From this many records Splink blocks and trains on narrower rules (below).
SPLINK_LARGE = 200_000


def _duckdb() -> Any:
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    connection.execute(f"SET threads = {DUCKDB_THREADS}")
    connection.execute(f"SET temp_directory = '{DUCKDB_TEMP}'")
    return connection


def splink_rules(records: int) -> tuple[list[Any], list[Any], float]:
    """Splink's blocking rules for predictions, its EM training rules, and u's max_pairs.

    On a short list: phone, first name + district, surname + district, date of birth,
    e-mail; EM on phone, then on first name + district. On a long one those name blocks
    grow with the square of the list (this generator has ten districts and a few thousand
    names: at a million records they make about 576 million comparisons, and EM on first
    name + district did not finish in 27 minutes), so, as Splink's docs advise (count the
    comparisons a rule makes; train EM on rules that are not too broad), the name rules
    add a second field: full name + district, first name + district + birth year,
    surname + district + birth year; EM on phone, then on first name + surname + district;
    u from 10 million random pairs (Splink's docs: 1e7 or more for a large list).
    """
    from splink import block_on

    if records < SPLINK_LARGE:
        return (
            [
                block_on("phone"),
                block_on("first_name", "district"),
                block_on("surname", "district"),
                block_on("dob"),
                block_on("email"),
            ],
            [block_on("phone"), block_on("first_name", "district")],
            2e6,
        )
    return (
        [
            block_on("phone"),
            block_on("first_name", "surname", "district"),
            block_on("first_name", "district", "birth_year"),
            block_on("surname", "district", "birth_year"),
            block_on("dob"),
            block_on("email"),
        ],
        [block_on("phone"), block_on("first_name", "surname", "district")],
        1e7,
    )


def run_splink(
    records: Sequence[PersonRecord], truth: Sequence[str]
) -> tuple[float, dict[str, float]]:
    """Train and cluster with Splink; returns seconds and the best scores over thresholds.

    The seconds run to the end of the clustering at the best threshold: predicting once
    and clustering at one threshold is what a user pays; the other thresholds' clusterings
    (tried only to give Splink its best F1) are not counted.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = splink_frame(records)
    start = time.perf_counter()
    predict_rules, em_rules, u_pairs = splink_rules(len(records))
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=predict_rules,
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("father_name", [0.92, 0.8]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email"),
            cl.CustomComparison(
                output_column_name="birth_year",
                comparison_levels=[
                    cll.NullLevel("birth_year"),
                    cll.ExactMatchLevel("birth_year"),
                    cll.AbsoluteDifferenceLevel("birth_year", 2),
                    cll.AbsoluteDifferenceLevel("birth_year", 5),
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("district"),
            cl.ExactMatch("gender"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(connection=_duckdb())
    linker = Linker(db_api.register(frame), settings, log_level="WARNING")
    _stage("Splink: data registered", start)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("full_name", "phone"), block_on("full_name", "dob")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)
    _stage("Splink: prior and u estimated", start)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    _stage("Splink: m trained by EM (two sessions)", start)
    predictions = linker.inference.predict(threshold_match_probability=0.05)
    predicted = time.perf_counter() - start
    _stage("Splink: every blocked pair scored (predict)", start)
    best: dict[str, float] = {"f1": -1.0}
    seconds = predicted
    for threshold in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        began = time.perf_counter()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        ).as_pandas_dataframe()
        clustered = time.perf_counter() - began
        label = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
        labels = [label[i] for i in range(len(records))]
        p, r, f = pairwise(truth, labels)
        _stage(f"Splink: clustered at {threshold} (F1 {f:.3f}, {clustered:.0f} s)", start)
        if f > best["f1"]:
            seconds = predicted + clustered
            best = {
                "threshold": threshold,
                "precision": p,
                "recall": r,
                "f1": f,
                "bcubed": bcubed(truth, labels),
            }
    return seconds, best


# Scale runs print each stage of an engine as it is reached (a stopped run says how far).
PROGRESS = False


def _stage(what: str, start: float) -> None:
    if PROGRESS:
        print(
            f"  {time.strftime('%H:%M:%S', time.gmtime())} UTC  {what} after "
            f"{time.perf_counter() - start:.0f} s (CPU {_cpu():.0f} s; load "
            f"{os.getloadavg()[0]:.1f})",
            flush=True,
        )


def run_ours(
    records: Sequence[PersonRecord], truth: Sequence[str]
) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    result = resolve_records(records, stages=lambda what: _stage(what, start))
    seconds = time.perf_counter() - start
    p, r, f = pairwise(truth, result.labels)
    return seconds, {"precision": p, "recall": r, "f1": f, "bcubed": bcubed(truth, result.labels)}


# Records per true person in the generated lists (measured: 1.69).
RECORDS_PER_PERSON = 1.69
Engine = Callable[[Sequence[PersonRecord], Sequence[str]], tuple[float, dict[str, float]]]


def _cpu() -> float:
    """CPU seconds of every thread of this process and of its finished worker processes."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _child(engine: Engine, records: Sequence[PersonRecord], truth: Sequence[str], out: Any) -> None:
    before = _cpu()
    seconds, scores = engine(records, truth)
    scores["cpu"] = _cpu() - before
    # the engine's process, or its largest worker process, whichever was larger
    peak = max(
        resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    out.put((seconds, scores, peak / 1024))


def _isolated(
    engine: Engine,
    records: Sequence[PersonRecord],
    truth: Sequence[str],
    limit: float,
    max_rss: float = float("inf"),
) -> tuple[float, dict[str, float], float] | None:
    """Run one engine in a forked process: its seconds, scores and peak memory (MiB).

    None when it has not finished within ``limit`` seconds, or when its memory (the
    proportional set size of its processes) passed ``max_rss`` MiB: it is then stopped
    (the machine is shared).
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(engine, records, truth, queue))
    began = time.perf_counter()
    process.start()
    why = f"after {limit:.0f} s (the time limit)"
    sampled = began
    while True:
        left = limit - (time.perf_counter() - began)
        try:
            result: tuple[float, dict[str, float], float] = queue.get(
                timeout=max(0.1, min(5, left))
            )
            break
        except queue_module.Empty:
            if _resident(process.pid) > max_rss:
                why = (
                    f"at {time.perf_counter() - began:.0f} s: over {max_rss:,.0f} MiB "
                    "(proportional set size)"
                )
            elif time.perf_counter() - began < limit:
                if PROGRESS and time.perf_counter() - sampled >= SAMPLE_EVERY:
                    sampled = time.perf_counter()
                    print(
                        f"  {time.strftime('%H:%M:%S', time.gmtime())} UTC  "
                        f"{sampled - began:.0f} s: {_resident(process.pid):,.0f} MiB "
                        f"(proportional set size, with its workers); load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
                continue
            cpu, peak = _reached(process.pid)
            process.kill()
            process.join()
            print(
                f"  stopped {why}: {cpu:.0f} CPU s (its own threads), "
                f"peak {peak:,.0f} MiB (its own process)",
                flush=True,
            )
            return None
    process.join()
    return result


# A scale run prints the engine's resident memory this often (seconds).
SAMPLE_EVERY = 30.0


def _resident(pid: int | None) -> float:
    """The memory (MiB) a running process and its children (its compare workers) hold:
    the sum of their proportional set sizes, so that pages the fork shares between them
    (the records) are counted once, not once per process."""
    total = 0.0
    for task in [pid, *_children(pid)]:
        try:
            rollup = Path(f"/proc/{task}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next(
            (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")),
            0,
        )
    return total / 1024


def _children(pid: int | None) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _reached(pid: int | None) -> tuple[float, float]:
    """CPU seconds and peak resident MiB of a running process so far (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan"), float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (every thread)
    peak = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0
    )
    return cpu, peak / 1024


def _read(path: Path, truth_path: Path) -> tuple[list[PersonRecord], list[str]]:
    with truth_path.open(encoding="utf-8", newline="") as handle:
        truth_of = dict(csv.reader(handle))
    records = read_records(path)
    return records, [truth_of[r.record_id] for r in records]


def _read_cached(path: Path) -> tuple[list[PersonRecord], list[str]]:
    """A written list's records, read once and kept beside it (``.records.pickle``).

    Reading and normalising a million records takes minutes that belong to neither engine
    (both get the same records); the cache is the bench's own file, made from the CSV.
    """
    cache = Path(f"{path}.records.pickle")
    if cache.exists() and cache.stat().st_mtime >= path.stat().st_mtime:
        with cache.open("rb") as handle:
            loaded: tuple[list[PersonRecord], list[str]] = pickle.load(handle)
        return loaded
    records, truth = _read(path, Path(f"{path}.truth"))
    with cache.open("wb") as handle:
        pickle.dump((records, truth), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return records, truth


def scale(
    records_wanted: int,
    seed: int,
    data: Path | None,
    limit: float,
    engines: Sequence[str] = ("ours", "Splink"),
    max_rss: float = float("inf"),
    limit_why: str = "",
) -> None:
    """One large list: each engine's time, peak memory and F1, side by side.

    ``data``: a list written before (``--write``) with its truth file beside it, read
    instead of written (writing a million records takes minutes). An engine still running
    after ``limit`` seconds is stopped and reported as slower than that.
    """
    global PROGRESS
    PROGRESS = True
    start = time.perf_counter()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")
    if data is not None:
        records, truth = _read_cached(data)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "people.csv"
            write_list(path, records_wanted, seed)
            records, truth = _read(path, Path(f"{path}.truth"))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(records):,} records read in {time.perf_counter() - start:.0f} s "
        f"(the reading process: {base:,.0f} MiB, shared by both engines' processes); "
        f"load average {os.getloadavg()}"
    )
    print(
        f"each engine may run {limit:,.0f} s{limit_why}; stopped if its processes hold "
        f"more than {max_rss:,.0f} MiB (proportional set size); "
        f"DuckDB: memory_limit {DUCKDB_MEMORY}, "
        f"threads {DUCKDB_THREADS}, spills to {DUCKDB_TEMP}",
        flush=True,
    )
    print(
        f"{'engine':>8} | {'seconds':>8} {'CPU s':>8} {'peak MiB':>9} | "
        f"{'F1':>6} {'P':>6} {'R':>6} {'B3':>6}"
    )
    rows, cpu = {}, {}
    for name, engine in (("ours", run_ours), ("Splink", run_splink)):
        if name not in engines:
            continue
        print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC: {name} starts", flush=True)
        outcome = _isolated(engine, records, truth, limit, max_rss)
        if outcome is None:
            print(f"{name:>8} | not finished in {limit:.0f} s (stopped)", flush=True)
            rows[name] = cpu[name] = float("nan")
            continue
        seconds, scores, peak = outcome
        rows[name], cpu[name] = seconds, scores["cpu"]
        print(
            f"{name:>8} | {seconds:8.1f} {scores['cpu']:8.1f} {peak:9,.0f} | {scores['f1']:6.3f} "
            f"{scores['precision']:6.3f} {scores['recall']:6.3f} {scores['bcubed']:6.3f}",
            flush=True,
        )
    if len(rows) < 2:
        print(f"load average at the end: {os.getloadavg()}")
        return
    print(
        f"ours / Splink: wall time {rows['ours'] / rows['Splink']:.2f}, "
        f"CPU time {cpu['ours'] / cpu['Splink']:.2f} (Splink's DuckDB uses both cores; ours one); "
        f"load average {os.getloadavg()}"
    )


def write_list(path: Path, records: int, seed: int) -> None:
    """A list of about ``records`` records at ``path``, its truth at ``path``.truth."""
    truth_of = write_person_list(path, int(records / RECORDS_PER_PERSON), seed=seed)
    with Path(f"{path}.truth").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(truth_of.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000, help="true people per set")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument(
        "--records", type=int, default=0, help="one list of about this many records (scale)"
    )
    parser.add_argument("--data", type=Path, help="a list written by --write (and .truth)")
    parser.add_argument("--write", type=Path, help="only write a list of --records to this")
    parser.add_argument(
        "--limit", type=float, default=3600.0, help="seconds an engine may run (scale)"
    )
    parser.add_argument(
        "--times",
        type=float,
        help="with --ours-seconds: the limit is this many times ours' wall seconds "
        "(measured in an earlier run of ours on the same list), printed as such",
    )
    parser.add_argument("--ours-seconds", type=float, help="ours' wall seconds (see --times)")
    parser.add_argument(
        "--max-rss",
        type=float,
        default=float("inf"),
        help="stop an engine whose processes hold more MiB than this (PSS; scale)",
    )
    parser.add_argument("--duckdb-memory", default="6GB", help="DuckDB's memory_limit")
    parser.add_argument("--duckdb-temp", type=Path, help="DuckDB's spill folder")
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=("ours", "Splink"),
        default=["ours", "Splink"],
        help="which engines a scale run measures (each alone, when the machine is short "
        "of time or memory for both in one run)",
    )
    args = parser.parse_args()
    global DUCKDB_MEMORY, DUCKDB_TEMP
    DUCKDB_MEMORY = args.duckdb_memory
    DUCKDB_TEMP = args.duckdb_temp or DUCKDB_TEMP
    limit, why = args.limit, ""
    if args.times is not None and args.ours_seconds is not None:
        limit = args.times * args.ours_seconds
        why = f" ({args.times:g} times ours' {args.ours_seconds:,.0f} s of wall time)"
    if args.write:
        write_list(args.write, args.records, args.seeds[0])
        _read_cached(args.write)
        return
    if args.records or args.data:
        scale(args.records, args.seeds[0], args.data, limit, args.engines, args.max_rss, why)
        return
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")
    print(
        f"{'set':>10} {'records':>8} | {'ours F1':>8} {'P':>6} {'R':>6} {'B3':>6} {'s':>6} | "
        f"{'Splink F1':>9} {'P':>6} {'R':>6} {'B3':>6} {'s':>6} | {'ΔF1':>6} {'time ×':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            path = Path(tmp) / f"people-{seed}.csv"
            truth_of = write_person_list(path, args.people, seed=seed)
            records = read_records(path)
            truth = [truth_of[r.record_id] for r in records]
            ours_s, ours = run_ours(records, truth)
            theirs_s, theirs = run_splink(records, truth)
            print(
                f"{'seed ' + str(seed):>10} {len(records):>8} | {ours['f1']:8.3f} "
                f"{ours['precision']:6.3f} {ours['recall']:6.3f} {ours['bcubed']:6.3f} "
                f"{ours_s:6.1f} | {theirs['f1']:9.3f} {theirs['precision']:6.3f} "
                f"{theirs['recall']:6.3f} {theirs['bcubed']:6.3f} {theirs_s:6.1f} | "
                f"{ours['f1'] - theirs['f1']:+6.3f} {ours_s / theirs_s:6.2f}"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process, both engines): {peak:,.0f} MiB")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
