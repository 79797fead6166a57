"""A small registry for graph tests: two units, shared accused, identifiers written two ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.imports import import_register
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv
from tests.security.conftest import World, fast_hashing, make_world

__all__ = ["fast_hashing"]

SALIM_A = "Mohd. Salim Shaikh @ Salu (M/34) [recruiter] - +91 98765 43001"
SALIM_B = "Md Saleem Sheikh (M/35) - 09876543001"


def make_graph_world(db: Database, tmp_path: Path) -> World:
    """Cases 1 (A, 2023-03-14) and 2 (B), plus FIR 11 (A, 2024) and 12 (B, 2024) whose
    accused share one phone written two ways (+91 98765 43001 / 09876543001)."""
    world = make_world(db, tmp_path)
    rows = [
        row(
            11,
            **{"FIR No": "11/2024", "FIR Date": "02/02/2024", "Year": 2024},
            Accused=SALIM_A,
            Arrests="",
        ),
        row(
            12,
            **{"District": "Palghar", "Police Station": "Boisar", "FIR Date": "03/02/2024"},
            **{"FIR No": "12/2024", "Year": 2024},
            Accused=SALIM_B + "; Prakash Gawade (M/52) - prakash52@okaxis",
            Arrests="",
        ),
    ]
    import_register(db, write_csv(tmp_path / "more.csv", rows))
    return world


@pytest.fixture
def gworld(db: Database, tmp_path: Path) -> World:
    return make_graph_world(db, tmp_path)
