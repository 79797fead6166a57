"""CLI commands of the Crawler: ``crawl`` (``crawl run``, ``crawl resume``) and ``synthweb``.

Output contract (scripts rely on it): with ``--json``, one JSON object per line on stdout,
each with ``type`` page, match, keyword, error or summary, the summary last. Without it,
matches and keyword hits are printed as they are found and progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from nervecentre.cli import crawl_leads, crawl_schedule
from nervecentre.cli._common import DatabaseOption, console, database, err_console, friendly_errors
from nervecentre.cli._crawl_options import Hashsets, Keywords, MaxDepth, SameHost, Seeds

CRAWL_HELP = (
    "Crawl web sites for known images (by hash) and keywords; keep the evidence.\n\n"
    "[bold]nervecentre crawl SEED_URL... --hashset NAME[/] is short for [bold]crawl run[/]."
)
EXIT_HELP = (
    "Exit status: 0 when the crawl ran to the end (whatever it found, and even if some URLs "
    "failed: they are reported as errors); 65 for a bad seed URL or keyword; 66 for an "
    "unreadable keyword file; 69 for an unknown hash set or job; 130 when interrupted "
    "(resume with crawl resume JOB)."
)


class _DefaultRun(TyperGroup):
    """``crawl URL...`` runs ``crawl run URL...``: the contract names no subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class _Human:
    """Renders crawl events for a person: findings on stdout, progress on stderr."""

    def __init__(self) -> None:
        self.counts = {"page": 0, "match": 0, "keyword": 0, "error": 0}
        self.live = err_console.is_terminal

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind == "match":
            best = event["matches"][0]
            console.print(
                f"[bold red]match[/] {escape(event['media_url'])}\n"
                f"      on {escape(event['page_url'])}\n"
                f"      {escape(best['hashset'])} {escape(best['entry'])} "
                f"by {best['signal']} at distance {best['distance']}",
                soft_wrap=True,
            )
        elif kind == "keyword":
            console.print(
                f"[bold yellow]keyword[/] {escape(event['keyword'])!r} on "
                f"{escape(event['page_url'])}",
                soft_wrap=True,
            )
        if self.live:
            c = self.counts
            err_console.print(
                f"{c['page']:,} pages, {c['match']:,} matches, {c['keyword']:,} keyword hits, "
                f"{c['error']:,} errors",
                end="\r",
            )


def _summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _line(summary)
        return
    err_console.print(" " * 60, end="\r")
    console.print(
        f"Job {summary['job']}: {summary['pages']:,} pages, {summary['media']:,} images hashed, "
        f"[bold]{summary['matches']:,} matches[/], {summary['errors']:,} errors "
        f"in {summary['seconds']:.1f} s."
    )


def _announce(as_json: bool) -> Any:
    def announce(job_id: int) -> None:
        err_console.print(
            f"crawl job {job_id} (interrupt, then [bold]nervecentre crawl resume {job_id}[/])"
        )

    return announce


def register(app: typer.Typer) -> None:
    """Add the crawler commands to the app."""
    crawl_app = typer.Typer(
        cls=_DefaultRun, help=CRAWL_HELP, no_args_is_help=True, rich_markup_mode="rich"
    )
    app.add_typer(crawl_app, name="crawl")

    @crawl_app.command("run", epilog=EXIT_HELP)
    @friendly_errors
    def run_command(
        seeds: Seeds,
        hashsets: Hashsets,
        max_pages: Annotated[
            int, typer.Option("--max-pages", min=1, help="Most pages to fetch in all.")
        ] = 1000,
        max_depth: MaxDepth = 10,
        same_host: SameHost = False,
        keywords: Keywords = None,
        robots: Annotated[
            str | None,
            typer.Option(
                "--robots", help="obey or record robots.txt (default: the crawl_robots setting)."
            ),
        ] = None,
        proxy: Annotated[
            str | None,
            typer.Option(
                "--proxy",
                help="socks5://host:port or http://host:port for every request "
                "(default: the crawl_proxy setting; .onion sites use crawl_onion_proxy).",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Crawl from SEED_URLs, hashing every image in memory against the hash sets.

        Images are never written anywhere; a match is recorded with its evidence (page,
        redirects, server address, headers, hashes, the page's HTML hash) and audited.

        Example: [bold]nervecentre crawl http://127.0.0.1:8300/ --hashset synthetic --json[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.cli._crawl_options import crawl_config
        from nervecentre.crawler.jobs import start_crawl

        database_ = database(db)
        config = crawl_config(
            database_.settings,
            seeds,
            hashsets,
            keywords,
            max_pages=max_pages,
            max_depth=max_depth,
            same_host=same_host,
            robots=robots,
            **({"fetch": {"proxy": proxy}} if proxy else {}),
        )
        emit = _line if as_json else _Human()
        summary = start_crawl(database_, config, emit, operator(), on_job=_announce(as_json))
        _summary(summary, as_json)

    @crawl_app.command("resume", epilog=EXIT_HELP)
    @friendly_errors
    def resume_command(
        job: Annotated[int, typer.Argument(help="Crawl job number.")],
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Carry on an interrupted crawl job from where it stopped, with its own settings.

        Nothing found before is reported or recorded twice; the summary counts the whole job.

        Example: [bold]nervecentre crawl resume 3 --json[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.crawler.jobs import resume_crawl

        emit = _line if as_json else _Human()
        summary = resume_crawl(database(db), job, emit, operator(), on_job=_announce(as_json))
        _summary(summary, as_json)

    crawl_leads.register(crawl_app, app)
    crawl_schedule.register(crawl_app)

    @app.command("synthweb")
    @friendly_errors
    def synthweb_command(
        port: Annotated[int, typer.Option(help="First port (one per site, on loopback).")] = 8300,
        host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
        sites: Annotated[int, typer.Option(min=1, max=50, help="Number of sites.")] = 2,
        pages: Annotated[int, typer.Option(min=1, help="Pages per site.")] = 100,
        seed: Annotated[int, typer.Option(help="Same seed, same web.")] = 1,
        hashset_file: Annotated[
            Path | None,
            typer.Option("--hashset-file", help="Write the synthetic hash set (CSV) here."),
        ] = None,
        keywords_file: Annotated[
            Path | None,
            typer.Option("--keywords-file", help="Write the synthetic keyword list here."),
        ] = None,
    ) -> None:
        """Serve a synthetic web on loopback: benign generated images, keywords and traps.

        For the demo, the tests and the benchmark. Sites listen on consecutive ports from
        --port; site 0 links every trap from /traps. Stop with Ctrl-C.

        Example: [bold]nervecentre synthweb --hashset-file synth.csv --keywords-file kw.txt[/]
        """
        import asyncio

        from nervecentre.crawler.synthweb import KEYWORDS, LEGACY_KEYWORDS, SynthServer, SynthWeb

        web = SynthWeb(seed=seed, sites=sites, pages=pages)
        server = SynthServer(web, host=host, port=port)
        server.warm()
        if hashset_file is not None:
            web.write_hashset(hashset_file)
            err_console.print(f"hash set written to {escape(str(hashset_file))}")
        if keywords_file is not None:
            words = [*KEYWORDS, *(k for _, _, k in LEGACY_KEYWORDS.values())]
            keywords_file.write_text("\n".join(words) + "\n", encoding="utf-8")

        async def serve() -> None:
            bases = await server.start()
            for number, base in enumerate(bases):
                console.print(f"site {number}: {base}/")
            await asyncio.Event().wait()

        try:
            asyncio.run(serve())
        except OSError as exc:
            from nervecentre.errors import ConfigError

            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
