"""Reading rich tables back from CLI output, to check that no cell was cut."""

from __future__ import annotations

import re

_RULE = re.compile(r"[│┃]")


def column(output: str, index: int) -> str:
    """Every body fragment of column ``index`` (0-based), joined without separators.

    A folded cell comes back whole: its pieces sit in the same column on consecutive lines.
    """
    parts = []
    for line in output.splitlines():
        cells = _RULE.split(line)
        if len(cells) > 2:  # a row of a boxed table: edge, cells…, edge
            parts.append(cells[index + 1].strip())
    return "".join(parts)


def on_one_line(output: str, text: str) -> bool:
    """True when ``text`` appears whole on a single line of output."""
    return any(text in line for line in output.splitlines())


def uncut(output: str) -> bool:
    """True when rich elided nothing (it marks a cut cell with an ellipsis)."""
    return "…" not in output
