"""The options ``crawl run`` and ``crawl schedule`` share, written once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from nervecentre.crawler.config import CrawlConfig
    from nervecentre.settings import Settings

Seeds = Annotated[list[str], typer.Argument(help="URLs to start from.", show_default=False)]
Hashsets = Annotated[
    list[str], typer.Option("--hashset", "-s", help="Hash set to match (repeatable).")
]
MaxDepth = Annotated[
    int, typer.Option("--max-depth", min=0, help="Most links followed from a seed.")
]
SameHost = Annotated[
    bool, typer.Option("--same-host", help="Follow pages on the seeds' hosts only.")
]
Keywords = Annotated[
    Path | None,
    typer.Option("--keywords", help="UTF-8 file: one keyword or phrase a line."),
]


def crawl_config(
    settings: Settings,
    seeds: list[str],
    hashsets: list[str],
    keywords: Path | None,
    **options: Any,
) -> CrawlConfig:
    """The crawl's configuration from the shared options (keywords read from their file)."""
    from nervecentre.crawler.config import build_config
    from nervecentre.crawler.keywords import Keywords

    words = list(Keywords.from_file(keywords).keywords.values()) if keywords else []
    return build_config(settings, seeds, hashsets, keywords=words, **options)
