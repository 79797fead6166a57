"""What every CLI command shares: the database option, consoles and error handling."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from nervecentre.errors import NervecentreError
from nervecentre.settings import load_settings
from nervecentre.store.db import Database, open_database

P = ParamSpec("P")
R = TypeVar("R")

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        envvar="NERVECENTRE_DATABASE_URL",
        help="Database URL (SQLite or PostgreSQL). Default: SQLite in the data directory.",
        show_default=False,
    ),
]


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn nervecentre errors into a one-line message and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except NervecentreError as exc:
            err_console.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print(
                "[yellow]interrupted: nothing was committed by the step in progress[/]"
            )
            raise typer.Exit(130) from None

    return wrapper


def database(url: str | None, *, migrate: bool = True) -> Database:
    """Open the database and make sure its schema is current."""
    db = open_database(url, load_settings())
    if migrate:
        db.upgrade()
    return db
