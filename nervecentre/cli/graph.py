"""CLI of the link graph: ``nervecentre graph stats|communities|path|export``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from nervecentre.cli._common import (
    CliTable,
    Col,
    DatabaseOption,
    console,
    database,
    err_console,
    friendly_errors,
)
from nervecentre.errors import InvalidValue

graph_app = typer.Typer(
    help="""The link graph of the registry: who connects to whom through cases, phones,
accounts, places and organisations; its groups, brokers and paths; exports to Gephi, i2
and Neo4j. Built from what `nervecentre import` and `nervecentre resolve` left in the
database, under the need-to-know of the user named with --as (without --as: the
installation's authority, every case). Victims appear by pseudonymous code.

  nervecentre graph stats --as a.patil
  nervecentre graph communities --since 2024-01-01 --json
  nervecentre graph path "Mohd. Salim Shaikh" +919876543001
  nervecentre graph export --format gexf -o network.gexf

See docs/network.md for what each measure means.""",
    no_args_is_help=True,
)

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this user: only the cases they may see. Default: the installation.",
        show_default=False,
    ),
]
SinceOption = Annotated[
    datetime | None,
    typer.Option(
        "--since", formats=["%Y-%m-%d"], help="Only cases and events from this date (YYYY-MM-DD)."
    ),
]
UntilOption = Annotated[
    datetime | None,
    typer.Option(
        "--until", formats=["%Y-%m-%d"], help="Only cases and events up to this date (YYYY-MM-DD)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@dataclass(frozen=True)
class _Installation:
    """The installation's own authority (an admin's view: every case), audited as the login."""

    username: str
    role: str = "admin"
    active: bool = True
    id: int | None = None


def _load(
    db_url: str | None, as_user: str | None, since: datetime | None, until: datetime | None
) -> tuple[Any, Any, Any]:
    from nervecentre.cli._access_audit import operator
    from nervecentre.graph.build import build_graph
    from nervecentre.security.users import get_user

    first, last = (since.date() if since else None), (until.date() if until else None)
    if first and last and first > last:
        raise InvalidValue(f"--since {first} is after --until {last}", kind="date")
    db = database(db_url)
    actor: Any = get_user(db, as_user) if as_user else _Installation(operator())
    with err_console.status("building the link graph…"):
        graph = build_graph(db, actor, since=first, until=last)
    return db, actor, graph


def _audit(db: Any, actor: Any, action: str, detail: dict[str, Any], graph: Any) -> None:
    from nervecentre.security import audit

    cases = sorted({e.case_id for e in graph.edges if e.case_id is not None})
    who = actor if not isinstance(actor, _Installation) else actor.username
    detail = {**detail, "nodes": len(graph.nodes), "edges": len(graph.edges), "via": "cli"}
    audit.record(db, who, action, "graph", "", detail, cases=cases[:200])


def _period(since: datetime | None, until: datetime | None) -> dict[str, str | None]:
    def iso(d: datetime | None) -> str | None:
        return d.date().isoformat() if d else None

    return {"since": iso(since), "until": iso(until)}


def _print_table(table: Any, keys: list[str] | None = None) -> None:
    columns = [(k, h) for k, h in table.columns if keys is None or k in keys]
    out = CliTable(*[Col(h, keep=True) for _, h in columns], title=table.title)
    for row in table.rows:
        out.add_row(*[escape(_cell(row.get(k))) for k, _ in columns])
    console.print(out)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


@graph_app.command("stats")
@friendly_errors
def stats(
    db_url: DatabaseOption = None,
    as_user: AsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
    top: Annotated[int, typer.Option("--top", min=1, help="People listed per measure.")] = 10,
) -> None:
    """Counts by node and edge type, clusters, groups, and the top people by broker score.

    Example: nervecentre graph stats --as a.patil --since 2024-01-01
    """
    from nervecentre.graph.analytics import centrality_table, stats_table

    db, actor, graph = _load(db_url, as_user, since, until)
    summary, central = stats_table(graph), centrality_table(graph, top=top)
    _audit(db, actor, "graph.view", {"command": "stats", **_period(since, until)}, graph)
    if as_json:
        console.print_json(json.dumps({"stats": summary.to_json(), "top": central.to_json()}))
        return
    _print_table(summary)
    keys = ["label", "community", "degree", "betweenness", "pagerank", "articulation"]
    _print_table(central, keys)
    err_console.print(escape(central.explanation))


@graph_app.command("communities")
@friendly_errors
def communities(
    db_url: DatabaseOption = None,
    as_user: AsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Groups listed, largest first.")] = 20,
) -> None:
    """Groups found by the Leiden method, their modularity, key players and bridges.

    Example: nervecentre graph communities --json
    """
    from nervecentre.graph.analytics import communities_table

    db, actor, graph = _load(db_url, as_user, since, until)
    table = communities_table(graph, top=top)
    _audit(db, actor, "graph.view", {"command": "communities", **_period(since, until)}, graph)
    if as_json:
        console.print_json(json.dumps(table.to_json()))
        return
    _print_table(table)
    err_console.print(
        f"modularity {table.notes['modularity'] or 0:.3f}; {escape(table.explanation)}"
    )


@graph_app.command("path")
@friendly_errors
def path(
    a: Annotated[str, typer.Argument(help="A person, identifier or case: id or exact value.")],
    b: Annotated[str, typer.Argument(help="Another person, identifier or case.")],
    db_url: DatabaseOption = None,
    as_user: AsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
    k: Annotated[int, typer.Option("--paths", "-k", min=1, max=20, help="How many paths.")] = 3,
) -> None:
    """How A is connected to B: the shortest paths, with the case and record behind each hop.

    A and B: a node id (person:12, case:45, phone:+919812345678), a person record id (12),
    a case key or FIR label, an identifier however written, or a person's exact name.

    Example: nervecentre graph path 812 "+91 98765 43001" --paths 5
    """
    from nervecentre.graph.evidence import find_node, path_table

    db, actor, graph = _load(db_url, as_user, since, until)
    start, end = find_node(graph, a), find_node(graph, b)
    table = path_table(graph, start, end, k=k)
    detail = {"command": "path", "from": start, "to": end, **_period(since, until)}
    _audit(db, actor, "graph.view", detail, graph.subgraph([r["from"] for r in table.rows] + [end]))
    if as_json:
        console.print_json(json.dumps(table.to_json()))
        return
    if not table.rows:
        console.print(
            f"{escape(graph.nodes[start].label)} and {escape(graph.nodes[end].label)} "
            "are not connected in the graph you may see."
        )
        return
    _print_table(table)


@graph_app.command("export")
@friendly_errors
def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="graphml | gexf | i2 | neo4j", show_default=False)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    db_url: DatabaseOption = None,
    as_user: AsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the graph for Gephi (graphml, gexf), i2 Analyst's Notebook (i2: a ZIP of CSV files
    and the import specification) or Neo4j (neo4j: a ZIP for neo4j-admin import), with
    groups and centrality on every node.

    Example: nervecentre graph export --format i2 -o network-i2.zip --as a.patil
    """
    from nervecentre.graph import exports
    from nervecentre.graph.analytics import annotate

    if fmt not in exports.FORMATS:
        raise InvalidValue(f"--format must be one of {', '.join(exports.FORMATS)}", kind="format")
    db, actor, graph = _load(db_url, as_user, since, until)
    if graph.nodes:
        annotate(graph)
    exports.export(graph, fmt, output)
    _audit(db, actor, "export", {"what": "graph", "format": fmt, **_period(since, until)}, graph)
    facts = {
        "format": fmt,
        "output": str(output),
        "nodes": len(graph.nodes),
        "edges": len(graph.edges),
    }
    if as_json:
        console.print_json(json.dumps(facts))
        return
    err_console.print(
        f"written: {escape(str(output))} ({len(graph.nodes):,} nodes, {len(graph.edges):,} edges)"
    )


def register(app: typer.Typer) -> None:
    """Add the ``graph`` command group to ``app``."""
    app.add_typer(graph_app, name="graph")
