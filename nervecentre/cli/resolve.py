"""CLI of entity resolution: ``nervecentre resolve INPUT.csv -o OUTPUT.csv``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

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
    progress_bar,
)
from nervecentre.errors import InvalidValue
from nervecentre.resolve.blocking import MAX_BLOCK, WINDOW
from nervecentre.resolve.engine import (
    LINK,
    REVIEW,
    Contribution,
    Resolution,
    explain_pair,
    resolve_records,
)
from nervecentre.resolve.records import COLUMNS, read_records, write_clusters

HELP = f"""Resolve person records into people: the same person across lists, despite spelling
variants, aliases, initials, scripts and phone formats.

[bold]File mode[/] (lists not in the registry yet, e.g. suspects from another state):

  nervecentre resolve suspects.csv -o people.csv

INPUT.csv has a header row with the columns
{",".join(COLUMNS)}; only record_id and name must be filled; aliases, phones and emails
are separated by ';'; gender is M, F, T or empty; dob is YYYY-MM-DD; age a whole number.
OUTPUT.csv lists every record once: record_id, cluster_id (the same for the same person)
and best_score (the strongest link inside its cluster). A malformed input is refused with
the row named, and nothing is written.

Why two records were (not) put together:

  nervecentre resolve suspects.csv --explain R17 R254

[bold]The registry[/] (every person record of every case, victims decrypted in memory only):

  nervecentre resolve            # only new and changed records, with the last run's model
  nervecentre resolve --full     # everything again, the model estimated afresh
  nervecentre resolve --explain 812 4077   # two person ids of the registry

Analysts' decisions ("same person", "different people") bind every run. Pairs scored
between the review and link thresholds wait in the review queue.
"""


def _summary(result: Resolution, records: int, output: Path | None, as_json: bool) -> None:
    links = int((result.probabilities >= LINK).sum())
    facts = {
        "records": records,
        "entities": result.entities,
        "candidate_pairs": result.blocking.pairs,
        "automatic_links": links,
        "queued_for_review": len(result.review),
        "common_keys_narrowed": result.blocking.split,
        "model": result.model.version,
        "output": str(output) if output else None,
    }
    if as_json:
        console.print_json(json.dumps(facts))
        return
    err_console.print(
        f"{records:,} records → {result.entities:,} people; {links:,} pairs linked "
        f"automatically, {len(result.review):,} pairs left for review "
        f"(scores between {REVIEW} and {LINK})."
    )
    if result.blocking.split:
        err_console.print(
            f"note: {result.blocking.split:,} common keys (a name or phone held by over "
            f"{MAX_BLOCK} records) were compared by neighbourhood: each record with the "
            f"{WINDOW} nearest by district, birth year and father's name on either side."
        )
    if output is not None:
        err_console.print(f"written: {escape(str(output))}")


def _explain(path: Path, ids: list[str], as_json: bool) -> None:
    records = read_records(path)
    by_id = {r.record_id: r for r in records}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise InvalidValue(f"no record_id {', '.join(missing)} in {path.name}", kind="record_id")
    result = resolve_records(records)
    probability, parts = explain_pair(result.model, records, by_id[ids[0]], by_id[ids[1]])
    _print_explanation(probability, parts, ids, as_json)


def _print_explanation(
    probability: float, parts: list[Contribution], ids: list[str], as_json: bool
) -> None:
    if as_json:
        data = {
            "record_ids": ids,
            "probability": probability,
            "contributions": [
                {"feature": p.feature, "level": p.level, "meaning": p.meaning, "bits": p.bits}
                for p in parts
            ],
        }
        console.print_json(json.dumps(data))
        return
    table = CliTable(Col("feature", keep=True), "what the two records say", Col("bits", keep=True))
    for part in parts:
        table.add_row(part.feature, escape(part.meaning), f"{part.bits:+.2f}")
    console.print(table)
    verdict = (
        "same person" if probability >= LINK else "for review" if probability >= REVIEW else "apart"
    )
    console.print(f"match probability {probability:.4f}: {verdict}")


def _registry(
    db_url: str | None,
    *,
    full: bool,
    as_user: str | None,
    explain: tuple[str, str] | None,
    as_json: bool,
) -> None:
    from nervecentre.cli._access_audit import operator
    from nervecentre.resolve.registry import explain_registry_pair, resolve_registry
    from nervecentre.security.fields import cipher_for
    from nervecentre.security.users import get_user
    from nervecentre.settings import load_settings

    db = database(db_url)
    cipher = cipher_for(load_settings())
    if explain is not None:
        try:
            ids = (int(explain[0]), int(explain[1]))
        except ValueError:
            raise InvalidValue("--explain takes two person ids (numbers)", kind="person") from None
        probability, parts = explain_registry_pair(db, cipher, *ids)
        _print_explanation(probability, parts, list(explain), as_json)
        return
    actor = get_user(db, as_user) if as_user else operator()
    err_console.print(
        f"Resolving the registry as {escape(str(getattr(actor, 'username', actor)))}."
    )
    with progress_bar("comparing candidate pairs") as bar:
        task = bar.add_task("compare", total=None)
        summary = resolve_registry(
            db,
            actor,
            cipher,
            full=full,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if as_json:
        console.print_json(json.dumps(summary.__dict__))
        return
    how = (
        "full run: every record compared"
        if summary.full
        else f"{summary.changed:,} new or changed records compared against the rest"
    )
    err_console.print(
        f"{summary.records:,} records → {summary.entities:,} people ({how}, "
        f"{summary.compared:,} pairs); {summary.auto_links:,} pairs linked automatically, "
        f"{summary.queued:,} pairs in the review queue (run {summary.run_id})."
    )


def register(app: typer.Typer) -> None:
    """Add the ``resolve`` command to ``app``."""

    @app.command("resolve", help=HELP)
    @friendly_errors
    def resolve(
        input_csv: Annotated[
            Path | None,
            typer.Argument(help="A person list (CSV) to resolve.", show_default=False),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output", "-o", help="Where to write record_id,cluster_id.", show_default=False
            ),
        ] = None,
        explain: Annotated[
            tuple[str, str] | None,
            typer.Option(
                "--explain",
                help="Explain the score of two records (their ids).",
                show_default=False,
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
        full: Annotated[
            bool, typer.Option("--full", help="Registry: re-estimate and re-resolve everything.")
        ] = False,
        as_user: Annotated[
            str | None,
            typer.Option(
                "--as", help="Registry: run as this user (needs resolve.run).", show_default=False
            ),
        ] = None,
        db_url: DatabaseOption = None,
    ) -> None:
        if input_csv is None:
            _registry(db_url, full=full, as_user=as_user, explain=explain, as_json=as_json)
            return
        if explain is not None:
            _explain(input_csv, list(explain), as_json)
            return
        if output is None:
            raise InvalidValue("say where to write the clusters: -o OUTPUT.csv", kind="output")
        records = read_records(input_csv)
        with progress_bar("comparing candidate pairs") as bar:
            task = bar.add_task("compare", total=None)
            result = resolve_records(
                records, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        write_clusters(output, records, result.labels, result.best.tolist())
        _summary(result, len(records), output, as_json)
