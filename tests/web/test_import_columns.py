"""The import page tells of register columns that would not be imported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests.imports.registers import HEADERS, row, write_csv
from tests.security.conftest import World

SignedIn = Callable[[str], tuple[TestClient, str]]


def test_the_check_names_a_misnamed_column_holding_data(
    signed_in: SignedIn, world: World, tmp_path: Path
) -> None:
    client, csrf = signed_in("inv")
    headers = ["Victim <Names>" if h == "Victims" else h for h in HEADERS]
    rows = [{**row(n), "Victim <Names>": row(n)["Victims"]} for n in (41, 42)]
    register = write_csv(tmp_path / "reg.csv", rows, headers=headers)
    with register.open("rb") as fh:
        page = client.post(
            "/import", data={"csrf_token": csrf}, files={"file": ("reg.csv", fh, "text/csv")}
        )
    assert page.status_code == 200, page.text
    assert (
        "column &#39;Victim &lt;Names&gt;&#39; is not in the mapping (2 rows hold data there, "
        "not imported); did you mean &#39;Victims&#39;?"
    ) in page.text
