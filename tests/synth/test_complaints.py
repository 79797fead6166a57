"""The synthetic complaint corpus: deterministic, truthful, and hard in the intended ways."""

from __future__ import annotations

import hashlib
import mailbox
from collections import Counter
from pathlib import Path

import pytest

from nervecentre.scams.indicators import KINDS, check, find_indicators
from nervecentre.synth.complaints import ComplaintConfig, read_truth, write_complaints

CONFIG = ComplaintConfig(messages=160, campaigns=8, seed=3)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("complaints")
    write_complaints(folder, CONFIG)
    return folder


def test_same_seed_same_bytes_other_seed_other_bytes(corpus: Path, tmp_path: Path) -> None:
    write_complaints(tmp_path / "again", CONFIG)
    assert _digest(tmp_path / "again") == _digest(corpus)
    write_complaints(tmp_path / "other", ComplaintConfig(messages=160, campaigns=8, seed=4))
    assert _digest(tmp_path / "other") != _digest(corpus)


def test_truth_has_one_line_per_message_pointing_at_real_messages(corpus: Path) -> None:
    truth = read_truth(corpus)
    assert len(truth) == CONFIG.messages
    formats = Counter(Path(str(t["file"])).suffix for t in truth)
    assert set(formats) == {".eml", ".mbox", ".txt"}
    for line in truth:
        path = corpus / str(line["file"])
        assert path.is_file()
        if path.suffix == ".mbox":
            assert isinstance(line["message"], int)
            assert line["message"] < len(mailbox.mbox(path))
        elif path.suffix == ".eml":
            assert str(line["message"]).encode() in path.read_bytes()
        else:
            assert line["message"] is None
    campaigns = Counter(t["campaign"] for t in truth)
    assert None in campaigns  # benign mail
    assert len(campaigns) - 1 <= CONFIG.campaigns


def test_every_truth_indicator_validates_and_every_decoy_does_not(corpus: Path) -> None:
    kinds: Counter[str] = Counter()
    decoys = 0
    for line in read_truth(corpus):
        for indicator in line["indicators"]:  # type: ignore[attr-defined]
            kind, value = indicator["kind"], indicator["value"]
            assert kind in KINDS
            assert check(kind, value) == value, (kind, value)
            kinds[kind] += 1
        for decoy in line["decoys"]:  # type: ignore[attr-defined]
            decoys += 1
            assert all(check(kind, decoy) is None for kind in KINDS)
    assert decoys > 0
    assert {"btc", "upi", "phone", "email", "url", "onion"} <= set(kinds)


def test_texts_hide_indicators_and_are_multilingual(corpus: Path) -> None:
    texts = "\n".join(p.read_text(encoding="utf-8") for p in sorted((corpus / "txt").glob("*.txt")))
    raw = b"".join(p.read_bytes() for p in sorted(corpus.rglob("*.eml")))
    assert any("\u0900" <= c <= "\u097f" for c in texts)  # Devanagari (Hindi, Marathi)
    assert b"Content-Transfer-Encoding: base64" in raw
    assert b"Content-Transfer-Encoding: quoted-printable" in raw


def test_plain_texts_are_extracted_exactly(corpus: Path) -> None:
    """Chat exports and SMS need no MIME decoding: extraction must match the truth."""
    for line in read_truth(corpus):
        if not str(line["file"]).endswith(".txt"):
            continue
        text = (corpus / str(line["file"])).read_text(encoding="utf-8")
        truth = {(i["kind"], i["value"]) for i in line["indicators"]}  # type: ignore[attr-defined]
        assert {(i.kind, i.value) for i in find_indicators(text)} == truth
