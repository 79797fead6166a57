"""Jinja2 templates with autoescaping on: every value from outside is rendered escaped."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from nervecentre.cases import vocab
from nervecentre.security.roles import can

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | date | None, fmt: str = "%d %b %Y %H:%M") -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):
        fmt = "%d %b %Y"
    return value.strftime(fmt)


def _number(value: int | float | None) -> str:
    return "" if value is None else f"{value:,}"


def pluralise(
    count: int | None, singular: str, plural: str | None = None, *, with_count: bool = True
) -> str:
    """``1 case``, ``2 cases``, ``1,234 people``: a count with its noun in the right form.

    Every count the pages show goes through this filter, never a hand-made ``case{{ "s" }}``.
    """
    if count is None:
        return ""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{_number(count)} {word}" if with_count else word


def _bytes(size: int | None) -> str:
    if size is None:
        return ""
    step = 1024.0
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < step or unit == "GiB":
            return f"{amount:,.0f} {unit}" if unit == "B" else f"{amount:,.1f} {unit}"
        amount /= step
    return f"{size} B"


def _bars(items: list[tuple[Any, int]], width: int = 100) -> list[dict[str, Any]]:
    """Rows of a horizontal bar chart: label, value and bar length in percent."""
    top = max((n for _, n in items), default=0) or 1
    return [{"label": k, "value": n, "pct": round(width * n / top, 1)} for k, n in items]


def _columns(items: list[tuple[str, int]], height: int = 120) -> list[dict[str, Any]]:
    """Columns of an SVG bar chart (cases by month): x, y and height in SVG units."""
    top = max((n for _, n in items), default=0) or 1
    step = 600 / max(len(items), 1)
    out = []
    for i, (label, n) in enumerate(items):
        h = round(height * n / top, 1)
        out.append(
            {
                "label": label,
                "value": n,
                "x": round(i * step + 1, 1),
                "w": round(step - 2, 1),
                "y": round(height - h, 1),
                "h": h,
            }
        )
    return out


def _pairs(items: list[tuple[str, int, int]], height: int = 120) -> list[dict[str, Any]]:
    """Paired columns of an SVG bar chart (cases and rescues by month), on one scale."""
    top = max((max(a, b) for _, a, b in items), default=0) or 1
    step = 600 / max(len(items), 1)
    out = []
    for i, (label, a, b) in enumerate(items):
        ha, hb = round(height * a / top, 1), round(height * b / top, 1)
        x, w = i * step + 1, (step - 2) / 2
        out.append(
            {
                "label": label, "a": a, "b": b, "w": round(w, 1),
                "xa": round(x, 1), "ya": round(height - ha, 1), "ha": ha,
                "xb": round(x + w, 1), "yb": round(height - hb, 1), "hb": hb,
            }
        )  # fmt: skip
    return out


def _options(name: str) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary, for a select box."""
    return [(code, term.label) for code, term in vocab.vocabulary(name).items()]


@cache
def environment() -> Environment:
    """The template environment (built once)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=_when,
        number=_number,
        pluralise=pluralise,
        filesize=_bytes,
        bars=_bars,
        columns=_columns,
        pairs=_pairs,
    )
    env.globals.update(label=vocab.label, options=_options, urlencode=urlencode)
    return env


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render a page with the caller, their permissions and the CSRF token available."""
    from nervecentre.web.auth import caller

    try:
        found = caller(request)
    except Exception:  # a bad token on an error page must not hide the original error
        found = None
    values = {
        "request": request,
        "caller": found,
        "user": found.user if found else None,
        "csrf": found.csrf if found else "",
        "can": (lambda perm: bool(found) and can(found.user, perm)),  # type: ignore[union-attr]
        "path": request.url.path,
    }
    values.update(context)
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status)
