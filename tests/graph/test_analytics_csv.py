"""A measures table written as CSV keeps names inert in a spreadsheet."""

from __future__ import annotations

import csv
import io

from nervecentre.graph.analytics import Table


def test_table_csv_quotes_formulas_and_keeps_numbers() -> None:
    table = Table(
        "degree", "Degree", "links per node", [("label", "Person"), ("score", "Links")],
        rows=[{"label": "=HYPERLINK(\"http://x\")", "score": 3}, {"label": "Asha", "score": -1}],
    )  # fmt: skip
    out = io.StringIO()
    table.to_csv(out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["Person", "Links"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "3"]
    assert rows[2] == ["Asha", "-1"]
