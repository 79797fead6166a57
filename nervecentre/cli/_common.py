"""What every CLI command shares: the database option, consoles, tables and error handling."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import JustifyMethod, RenderableType
    from rich.style import StyleType

from nervecentre.errors import InputFileError, NervecentreError
from nervecentre.settings import load_settings
from nervecentre.store.db import Database, open_database

P = ParamSpec("P")
R = TypeVar("R")

# Some inputs could not be read (the others were processed): sysexits' EX_NOINPUT, as for an
# unreadable input file.
UNREADABLE_EXIT = InputFileError.exit_code

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


# Width a wrapping column keeps at least before one-line columns are given up to it.
_MIN_WRAPPING = 8


@dataclass(frozen=True, slots=True)
class Col:
    """A column of a :class:`CliTable`.

    ``keep``: a name, code, date or count, kept on one line while the terminal allows;
    other columns (text, paths) wrap, and fold words longer than the column.
    """

    header: str
    keep: bool = False
    justify: JustifyMethod = "left"


class CliTable(Table):
    """A table that never cuts a cell: what does not fit wraps or folds, nothing is elided.

    Every CLI table is one of these, so that names and paths survive an 80-column terminal.
    """

    def __init__(self, *columns: str | Col, **options: Any) -> None:
        super().__init__(**options)
        self._keep: list[bool] = []
        self._natural: list[int] = []
        for column in columns:
            spec = column if isinstance(column, Col) else Col(column)
            self.add_column(spec.header, justify=spec.justify, overflow="fold")
            self._keep.append(spec.keep)
            self._natural.append(Text(spec.header).cell_len)

    def add_row(
        self,
        *renderables: RenderableType | None,
        style: StyleType | None = None,
        end_section: bool = False,
    ) -> None:
        """Add a row; string cells are rich markup (escape what came from users)."""
        super().add_row(*renderables, style=style, end_section=end_section)
        for index, cell in enumerate(renderables[: len(self._natural)]):
            if isinstance(cell, str):
                width = max((line.cell_len for line in Text.from_markup(cell).split()), default=0)
                self._natural[index] = max(self._natural[index], width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # A one-line column cut to fit would be cropped (rich folds only wrapping cells), so
        # the widest one-line columns wrap instead while the others leave too little room.
        padding = self.padding[1] + self.padding[3]
        kept = {i for i, keep in enumerate(self._keep) if keep}
        while kept:
            wrapping = len(self.columns) - len(kept)
            needed = self._extra_width + padding * len(self.columns) + _MIN_WRAPPING * wrapping
            if needed + sum(self._natural[i] for i in kept) <= options.max_width:
                break
            kept.remove(max(kept, key=lambda i: self._natural[i]))
        for index, column in enumerate(self.columns):
            column.no_wrap = index in kept
        yield from super().__rich_console__(console, options)


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


def progress_bar(label: str = "[bold]{task.description}") -> Progress:
    """The bar every long command shows on stderr, gone when the work is done."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
