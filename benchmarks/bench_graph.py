"""Link-graph benchmark: nervecentre's measures vs igraph (C core; GPL, measured, never shipped)
on the same graph, networkx printed too; then building the graph from a synthetic registry.

The graph: ``--nodes`` nodes in groups of 50 with ``--edges`` links, 80% inside a group (a
planted-partition graph, as networks of accused are). Each measure runs once per library on
the same numbers; the ratio is ours / igraph (below 1: faster). igraph and networkit run on
one thread; networkx is skipped where it would take minutes (it says so).

    python benchmarks/bench_graph.py [--edges 1000000] [--nodes 200000] [--samples 64]
                                     [--repeat 1] [--cases 100000] [--skip-registry]
                                     [--skip-resolve] [--build-only] [--skip-compare]
                                     [--networkx]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nervecentre.graph import centrality, communities, paths
from nervecentre.graph.index import GraphIndex


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def planted(nodes: int, edges: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, nodes, edges)
    inside = rng.random(edges) < 0.8
    b = np.where(inside, (a // 50) * 50 + rng.integers(0, 50, edges), rng.integers(0, nodes, edges))
    b = np.minimum(b, nodes - 1)
    return a, b


def compare(args: argparse.Namespace) -> None:
    import igraph as ig
    import leidenalg
    import networkit as nk

    nk.setNumberOfThreads(1)
    a, b = planted(args.nodes, args.edges)

    def build() -> GraphIndex:
        built = GraphIndex.from_edges(args.nodes, a, b)
        _ = built.adjacency, built.networkit(), built.networkit(weighted=True)
        return built

    build_ours, index = timed(build)
    build_ig, graph = timed(
        lambda: ig.Graph(n=args.nodes, edges=np.column_stack([index.a, index.b]))
    )
    rng = np.random.default_rng(2)
    sources = rng.choice(index.n, args.samples, replace=False).astype(np.int64)
    pairs = [tuple(int(x) for x in rng.choice(index.n, 2, replace=False)) for _ in range(20)]
    print(
        f"graph: {index.n:,} nodes, {index.m:,} links; "
        f"build ours {build_ours:.2f} s, igraph {build_ig:.2f} s"
    )
    rows: list[tuple[str, float, float, float | None, str]] = []

    def row(
        name: str,
        ours: Callable[[], Any],
        theirs: Callable[[], Any],
        nx_run: Callable[[], Any] | None = None,
        note: str = "",
    ) -> None:
        if args.only and args.only not in name:
            return
        # Alternate the two libraries ``--repeat`` times and keep each one's median, so that a
        # burst of load from elsewhere on a shared machine does not fall on one side only.
        ours_runs, theirs_runs = [], []
        for _ in range(args.repeat):
            ours_runs.append(timed(ours)[0])
            theirs_runs.append(timed(theirs)[0])
        t_ours, t_ig = float(np.median(ours_runs)), float(np.median(theirs_runs))
        t_nx = timed(nx_run)[0] if nx_run is not None else None
        rows.append((name, t_ours, t_ig, t_nx, note))
        nx_text = f"{t_nx:9.2f}" if t_nx is not None else "        –"
        print(
            f"{name:34s} {t_ours:9.2f} {t_ig:9.2f} {nx_text} {t_ours / t_ig:7.2f}x  {note}",
            flush=True,
        )

    nxg = None
    if args.networkx:
        import networkx as nx

        t, nxg = timed(lambda: nx.Graph(zip(index.a.tolist(), index.b.tolist(), strict=True)))
        print(f"networkx build {t:.2f} s")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{os.getloadavg()[0]:.1f}; medians of {args.repeat} alternating run(s)"
    )
    print(f"{'measure':34s} {'ours s':>9s} {'igraph s':>9s} {'nx s':>9s} {'ratio':>8s}")
    import networkx as nx

    row(
        "connected components",
        lambda: communities.components(index),
        lambda: graph.connected_components(),
        (lambda: list(nx.connected_components(nxg))) if nxg is not None else None,
    )
    row(
        "PageRank",
        lambda: centrality.pagerank(index),
        lambda: graph.pagerank(),
        (lambda: nx.pagerank(nxg)) if nxg is not None else None,
    )
    row(
        f"betweenness, {args.samples} sampled sources",
        lambda: centrality.betweenness_from(index, sources),
        lambda: graph.betweenness(sources=sources.tolist()),
        (lambda: nx.betweenness_centrality_subset(nxg, sources.tolist()[:4], list(nxg)))
        if nxg is not None
        else None,
        "nx: 4 sources only" if nxg is not None else "",
    )
    row(
        f"closeness of {args.samples} nodes",
        lambda: centrality.closeness(index, sources),
        lambda: graph.closeness(vertices=sources.tolist()),
    )
    row(
        "eigenvector", lambda: centrality.eigenvector(index), lambda: graph.eigenvector_centrality()
    )
    row(
        "only bridges (articulation points)",
        lambda: communities.articulation_points(index),
        lambda: graph.articulation_points(),
    )
    row(
        "Leiden (modularity)",
        lambda: communities.leiden(index, seed=1),
        lambda: graph.community_leiden(objective_function="modularity", n_iterations=3),
        (lambda: nx.community.louvain_communities(nxg, seed=1)) if nxg is not None else None,
        "nx: Louvain",
    )
    row(
        "20 shortest paths",
        lambda: [paths.shortest_path(index, s, t) for s, t in pairs],
        lambda: [graph.get_shortest_path(s, t) for s, t in pairs],
        (lambda: [nx.shortest_path(nxg, s, t) for s, t in pairs]) if nxg is not None else None,
    )
    if args.only:
        return
    labels = communities.leiden(index, seed=1)
    ours_q = communities.modularity(index, labels)
    theirs = leidenalg.find_partition(graph, leidenalg.ModularityVertexPartition, seed=1)
    igraph_leiden = graph.community_leiden(objective_function="modularity", n_iterations=3)
    print(
        f"modularity: ours {ours_q:.4f}, leidenalg {theirs.modularity:.4f}, "
        f"igraph's Leiden {graph.modularity(igraph_leiden.membership):.4f}"
    )
    worst = max(r[1] / r[2] for r in rows)
    print(f"worst ratio ours/igraph: {worst:.2f}x (goal: 1.5x or less on every measure)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def registry(cases: int, *, resolve: bool = True, build_only: bool = False) -> None:
    from nervecentre.graph.analytics import annotate
    from nervecentre.graph.build import build_graph
    from nervecentre.graph.truth import score
    from nervecentre.imports import import_register
    from nervecentre.security import users
    from nervecentre.settings import load_settings
    from nervecentre.store.db import open_database
    from nervecentre.synth.config import SynthConfig
    from nervecentre.synth.dataset import write_dataset
    from nervecentre.synth.truth import read_truth

    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("NERVECENTRE_SECRET_KEY_FILE", f"{folder}/secret.key")
        os.environ.setdefault("NERVECENTRE_DATA_DIR", f"{folder}/data")
        t, paths_ = timed(
            lambda: write_dataset(Path(folder) / "ds", SynthConfig(cases=cases, seed=7), fmt="csv")
        )
        print(f"registry: {cases:,} synthetic cases written in {t:.0f} s")
        db = open_database(f"sqlite:///{folder}/graph.db", load_settings())
        db.upgrade()
        t, _ = timed(lambda: import_register(db, paths_.register))
        print(f"imported in {t:.0f} s")
        admin = users.create_user(db, "bench", "correct horse battery", "admin", actor="bench")
        before = _rss_mib()
        t, graph = timed(lambda: build_graph(db, admin))
        print(
            f"build_graph: {len(graph.nodes):,} nodes, {len(graph.edges):,} edges in {t:.1f} s; "
            f"resident memory {before:.0f} -> {_rss_mib():.0f} MiB, process peak "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
        t, _ = timed(lambda: build_graph(db, admin))
        print(f"build_graph again, nothing changed (kept graph, a copy): {t:.2f} s")
        t, _ = timed(lambda: build_graph(db, admin, shared=True))
        print(f"build_graph again, shared as the chart reads it (no copy): {t:.3f} s")
        print(f"load average {os.getloadavg()[0]:.1f}")
        if build_only:
            return
        t, _ = timed(lambda: annotate(graph))
        print(f"annotate (Leiden + every centrality): {t:.1f} s")
        truth = list(read_truth(paths_.truth))
        print("against the hidden networks (source records):", score(db, graph, truth).to_json())
        if not resolve:
            return
        from nervecentre.resolve.registry import resolve_registry
        from nervecentre.security.fields import cipher_for

        t, _ = timed(lambda: resolve_registry(db, admin, cipher_for(load_settings()), full=True))
        graph = build_graph(db, admin)
        print(
            f"resolved in {t:.0f} s; against the hidden networks (entities):",
            score(db, graph, truth).to_json(),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=1, help="alternating runs per measure")
    parser.add_argument("--only", default="", help="only the measures whose name holds this")
    parser.add_argument(
        "--build-only", action="store_true", help="registry: build the graph, skip the measures"
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--skip-registry", action="store_true")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--skip-resolve", action="store_true")
    parser.add_argument("--networkx", action="store_true", help="time networkx too (slow)")
    args = parser.parse_args()
    if not args.skip_compare:
        compare(args)
    if not args.skip_registry:
        registry(args.cases, resolve=not args.skip_resolve, build_only=args.build_only)


if __name__ == "__main__":
    main()
