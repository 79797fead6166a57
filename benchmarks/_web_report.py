"""What ``bench_web.py`` prints: the levels side by side, per query, the goal, the errors."""

from __future__ import annotations

from typing import Any

GOAL_CLIENTS, GOAL_P99_MS = 10, 100.0


def cell(result: dict[str, Any]) -> str:
    errors = f" ({result['errors']} errors)" if result["errors"] else ""
    return (
        f"{result['rps']:>7,.0f} {result['p50_ms']:>7.1f} {result['p99_ms']:>7.1f} "
        f"{result['cpu_ms']:>7.1f}{errors}"
    )


def report(
    qs: list[Any],
    ours_paths: list[str],
    ds_paths: list[str],
    results: list[tuple[int, dict[str, dict[str, Any]], dict[str, Any]]],
    paged: dict[str, tuple[int, dict[str, Any]]],
) -> int:
    """Print the levels side by side; the number of failed requests."""
    names = list(results[0][1])
    columns = f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7}"
    print("\n" + f"{'':>7} | " + " | ".join(f"{'nc ' + n:^31}" for n in names) + " | datasette")
    print(f"{'clients':>7} | " + " | ".join(columns for _ in names) + f" | {columns} | ratios")
    for clients, mine, theirs in results:
        cells = " | ".join(f"{cell(mine[n]):>31}" for n in names)
        ratios = " / ".join(
            f"{mine[n]['rps'] / theirs['rps']:.2f}" if theirs["rps"] else "nan" for n in names
        )
        print(f"{clients:>7} | {cells} | {cell(theirs):>31} | {ratios}")
    for name in names:
        db_cpu = [mine[name].get("db_cpu_ms") for _c, mine, _t in results]
        if all(v is not None for v in db_cpu):
            per_level = " / ".join(f"{v:.1f}" for v in db_cpu)
            print(f"{name}'s own backends, CPU ms per request at each level: {per_level}")
    print(
        f"(ratios: nervecentre req/s / Datasette req/s, {' / '.join(names)}; CPU ms: server "
        "CPU time per request, warm-up included)"
    )
    for name, (count, result) in paged.items():
        print(
            f"\nnervecentre ({name}) alone, {GOAL_CLIENTS} clients, every further page of the "
            f"six queries ({count:,} different requests, pages 2 to the last):\n"
            f"  {cell(result)}  (req/s p50 p99 CPU ms)"
        )
        for sample in result["error_samples"]:
            print(f"error (nervecentre {name}, pages): {sample}")

    print("\nmedian latency per query at the lowest concurrency (ms): nervecentre / datasette")
    _clients, mine, theirs = results[0]
    for query, our_path, ds_path in zip(qs, ours_paths, ds_paths, strict=True):
        ours = " / ".join(
            f"{mine[n]['path_p50_ms'].get(our_path, float('nan')):>6.1f}" for n in names
        )
        ds_ms = theirs["path_p50_ms"].get(ds_path, float("nan"))
        print(f"  {query.name:<20} {ours} / {ds_ms:>6.1f}")

    goal_level = [(m, t) for c, m, t in results if c == GOAL_CLIENTS]
    if goal_level:
        mine, theirs = goal_level[0]
        print(
            f"\np50 / p99 per query at {GOAL_CLIENTS} clients (ms): "
            + " | ".join(names)
            + " | datasette"
        )
        nan = float("nan")
        for query, our_path, ds_path in zip(qs, ours_paths, ds_paths, strict=True):
            cells = [
                f"{mine[n]['path_p50_ms'].get(our_path, nan):>6.1f} / "
                f"{mine[n]['path_p99_ms'].get(our_path, nan):>6.1f}"
                for n in names
            ]
            d50, d99 = (theirs[k].get(ds_path, nan) for k in ("path_p50_ms", "path_p99_ms"))
            print(f"  {query.name:<20} {' | '.join(cells)} | {d50:>6.1f} / {d99:>6.1f}")
        for name in names:
            met = mine[name]["rps"] >= theirs["rps"] and mine[name]["p99_ms"] < GOAL_P99_MS
            print(
                f"goal ({name}) at {GOAL_CLIENTS} clients (req/s >= Datasette's, p99 < "
                f"{GOAL_P99_MS:.0f} ms): {'met' if met else 'NOT met'} "
                f"({mine[name]['rps']:,.0f} vs {theirs['rps']:,.0f} req/s, "
                f"p99 {mine[name]['p99_ms']:.1f} ms)"
            )

    errors = sum(r["errors"] for _n, r in paged.values())
    for clients, mine, theirs in results:
        for name, result in [*mine.items(), ("datasette", theirs)]:
            errors += result["errors"]
            for sample in result["error_samples"]:
                print(f"error ({name}, {clients} clients): {sample}")
    return errors
