"""CLI of scheduled crawls: ``crawl schedule NAME SEED...`` and ``crawl schedules``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from nervecentre.cli._common import DatabaseOption, console, database, friendly_errors
from nervecentre.cli._crawl_options import Hashsets, Keywords, MaxDepth, SameHost, Seeds


def register(crawl_app: typer.Typer) -> None:
    """Add ``crawl schedule`` and ``crawl schedules``."""

    @crawl_app.command("schedule")
    @friendly_errors
    def schedule_command(
        name: Annotated[str, typer.Argument(help="A name for the schedule.")],
        seeds: Seeds,
        hashsets: Hashsets,
        every: Annotated[
            float, typer.Option("--every", min=0.01, help="Hours between two runs.")
        ] = 24.0,
        max_pages: Annotated[
            int, typer.Option("--max-pages", min=1, help="Most pages to fetch a run.")
        ] = 1000,
        max_depth: MaxDepth = 10,
        same_host: SameHost = False,
        keywords: Keywords = None,
        db: DatabaseOption = None,
    ) -> None:
        """Crawl SEED_URLs every --every hours, first at the worker's next look.

        The runs are made by [bold]nervecentre worker[/] (or [bold]serve[/] with
        crawl_worker_in_serve=1); each run is a job of its own.

        Example: [bold]nervecentre crawl schedule forum-a http://127.0.0.1:8300/ --hashset
        synthetic --every 24[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.cli._crawl_options import crawl_config
        from nervecentre.crawler.schedule import add_schedule
        from nervecentre.hashing.match import Matcher

        db_ = database(db)
        config = crawl_config(
            db_.settings,
            seeds,
            hashsets,
            keywords,
            max_pages=max_pages,
            max_depth=max_depth,
            same_host=same_host,
        )
        Matcher.from_db(db_, list(config.hashsets))  # an unknown hash set fails now, not later
        schedule_id = add_schedule(db_, name, config, every, operator())
        console.print(f"Schedule {schedule_id} ({escape(name)}): every {every:g} hours.")

    @crawl_app.command("schedules")
    @friendly_errors
    def schedules_command(
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """List the scheduled crawls: seeds, hours between runs, next run, last job."""
        from nervecentre.crawler.schedule import list_schedules

        rows = list_schedules(database(db))
        if as_json:
            for row in rows:
                sys.stdout.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
            return
        table = Table("id", "name", "seeds", "every (h)", "next run (UTC)", "last job")
        for row in rows:
            table.add_row(
                str(row.id),
                escape(row.name),
                escape(" ".join(row.seeds)),
                f"{row.every_hours:g}",
                row.next_run_at.strftime("%Y-%m-%d %H:%M"),
                str(row.last_job_id or ""),
            )
        console.print(table)
