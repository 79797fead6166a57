"""The options ``crawl run`` and ``crawl schedule`` share, written once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
