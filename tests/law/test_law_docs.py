"""docs/law.md lists every equivalence pair and crime head in the data."""

from pathlib import Path

import pytest

from nervecentre.law import acts, crime_heads, equivalence_pairs

DOC = Path(__file__).resolve().parents[2] / "docs" / "law.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_pair_is_documented(doc: str) -> None:
    for pair in equivalence_pairs():
        assert f"| {pair.ipc} | {pair.bns} | {pair.confidence} |" in doc, pair


def test_every_head_and_act_is_documented(doc: str) -> None:
    for head in crime_heads():
        assert f"| {head.code} | {head.name} |" in doc, head.code
    for act in acts():
        assert f"| {act.code} | {act.name} |" in doc, act.code
