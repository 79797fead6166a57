"""CSV, JSON and FollowTheMoney exports: read back, victims never named, inert spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model
from followthemoney.graph import Graph
from followthemoney.types import registry
from followthemoney.util import make_entity_id
from sqlalchemy import func, select

from nervecentre.cases.models import Case, Charge, Event, ImportBatch
from nervecentre.cases.people import Person
from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.evidence.documents import add_document, record_custody
from nervecentre.exports import FORMATS, run_export
from nervecentre.exports._bundles import snapshot
from nervecentre.exports.ftm import entity_id
from nervecentre.exports.tables import CSV_FILES
from nervecentre.store.db import Database
from tests.exports.factory import HOSTILE_ALIAS, HOSTILE_NAME, XSS, Secrets, load, make_records

N_CASES = 12


@pytest.fixture
def secrets(db: Database) -> Secrets:
    """A database with N_CASES synthetic cases and one document; what its victims hide."""
    records, secrets = make_records(N_CASES)
    load(db, records)
    doc = add_document(
        db,
        records[0].key,
        io.BytesIO(b"synthetic FIR copy"),
        "fir.pdf",
        actor="PSI More",
        title="FIR copy",
    )
    record_custody(db, doc.id, "Analyst Kale", "viewed", "for report")
    return secrets


def _count(db: Database, model_: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model_)) or 0)


def _read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _export_all(db: Database, tmp_path: Path) -> dict[str, Path]:
    paths = {
        "csv": tmp_path / "csv",
        "json": tmp_path / "cases.json",
        "ftm": tmp_path / "cases.ftm.json",
    }
    for fmt, path in paths.items():
        run_export(db, fmt, path, actor="test")
    return paths


def _all_bytes(paths: dict[str, Path]) -> bytes:
    files = [p for p in paths.values() if p.is_file()]
    files += sorted(paths["csv"].iterdir())
    return b"\n".join(f.read_bytes() for f in files)


def test_csv_round_trip(db: Database, secrets: Secrets, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    seen: list[int] = []
    stats = run_export(db, "csv", out, actor="test", progress=seen.append)
    assert sum(seen) == stats.rows
    assert sorted(p.name for p in out.iterdir()) == sorted(CSV_FILES)
    assert stats.cases == N_CASES and stats.files == len(CSV_FILES)
    assert str(stats).startswith(f"{N_CASES} cases, {_count(db, Person)} people")
    assert len(_read_csv(out, "cases")) == _count(db, Case)
    assert len(_read_csv(out, "charges")) == _count(db, Charge)
    assert len(_read_csv(out, "events")) == _count(db, Event)
    people = _read_csv(out, "people")
    assert len(people) == _count(db, Person)
    assert not any(k.endswith("_enc") for k in people[0])
    victims = [p for p in people if p["protected"] == "true"]
    assert victims and all(p["code"].startswith("V-") for p in victims)
    assert all(p["name"] == p["address"] == p["date_of_birth"] == "" for p in victims)
    victim_ids = {p["id"] for p in victims}
    uses = _read_csv(out, "identifier_uses")
    assert uses and not victim_ids & {u["person_id"] for u in uses}
    assert not victim_ids & {a["person_id"] for a in _read_csv(out, "person_aliases")}
    values = {i["value"] for i in _read_csv(out, "identifiers")}
    assert "+91" in "".join(values) and not values & secrets.phones
    assert {"IPC 370", "BNS 143"} & {c["section_key"] for c in _read_csv(out, "charges")}
    [doc] = _read_csv(out, "documents")
    assert doc["filename"] == "fir.pdf" and len(doc["sha256"]) == 64
    assert [c["action"] for c in _read_csv(out, "custody_entries")] == ["added", "viewed"]


def test_csv_cells_cannot_run_as_formulas(db: Database, secrets: Secrets, tmp_path: Path) -> None:
    run_export(db, "csv", tmp_path / "csv", actor="test")
    names = {p["name"] for p in _read_csv(tmp_path / "csv", "people")}
    assert "'" + HOSTILE_NAME in names and HOSTILE_NAME not in names
    aliases = {a["alias"] for a in _read_csv(tmp_path / "csv", "person_aliases")}
    assert "'" + HOSTILE_ALIAS in aliases
    for name in CSV_FILES:
        with (tmp_path / "csv" / name).open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                assert not any(cell[:1] in ("=", "+", "@") for cell in row), (name, row)
    facts = {c["brief_facts"] for c in _read_csv(tmp_path / "csv", "cases")}
    assert XSS in facts


def test_json_round_trip(db: Database, secrets: Secrets, tmp_path: Path) -> None:
    out = tmp_path / "cases.json"
    seen: list[int] = []
    stats = run_export(db, "json", out, actor="test", progress=seen.append)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["exported_at"].endswith("Z") and sum(seen) == N_CASES == stats.cases
    assert doc["counts"]["cases"] == len(doc["cases"]) == N_CASES
    first = doc["cases"][0]
    assert first["brief_facts"] == XSS
    assert first["fir_at"].endswith("+05:30")
    charge = next(c for c in first["charges"] if c["key"] == "IPC 370")
    assert charge["equivalents"] == ["BNS 143"] and charge["title"]
    roles = {p["roles"][0]["role"] for p in first["people"]}
    assert roles == {"victim", "accused", "complainant"}
    victims = [p for p in first["people"] if p["protected"]]
    assert all(
        v["name"] == v["code"] and not v["identifiers"] and not v["aliases"] for v in victims
    )
    hostile = next(p for p in first["people"] if p["name"] == HOSTILE_NAME)
    assert hostile["aliases"] == [HOSTILE_ALIAS]
    assert {"phone", "crypto", "upi"} <= {i["kind"] for i in hostile["identifiers"]}
    rescue = next(e for e in first["events"] if e["kind"] == "rescue")
    assert set(rescue["participants"]) == {v["code"] for v in victims}
    assert [s["stage"] for s in first["route"]] == ["source", "destination"]
    assert {i["kind"] for i in first["identifiers"]} >= {"ip", "email"}
    assert first["documents"][0]["custody"][1]["actor"] == "Analyst Kale"
    assert doc["cases"][1]["related_cases"][0]["key"] == first["key"]


def _entities(path: Path) -> list[Any]:
    entities = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        proxy = model.get_proxy(data)
        proxy.schema.validate(data)
        entities.append(proxy)
    return entities


def test_ftm_entities_are_valid_and_linked(db: Database, secrets: Secrets, tmp_path: Path) -> None:
    out = tmp_path / "cases.ftm.json"
    stats = run_export(db, "ftm", out, actor="test")
    entities = _entities(out)
    assert len(entities) == stats.entities and stats.invalid_entities == 0
    assert stats.rejected_values == 0
    schemata = {e.schema.name for e in entities}
    assert schemata >= {
        "CourtCase",
        "CourtCaseParty",
        "Person",
        "Event",
        "CryptoWallet",
        "BankAccount",
        "Ownership",
        "UserAccount",
        "Vehicle",
        "Identification",
        "Note",
        "UnknownLink",
        "Document",
        "Documentation",
    }
    by_id = {e.id: e for e in entities}
    cases = [e for e in entities if e.schema.name == "CourtCase"]
    assert len(cases) == N_CASES and any("BNS 143" in c.get("keywords") for c in cases)
    people = [e for e in entities if e.schema.name == "Person"]
    accused = [p for p in people if "accused" in p.get("keywords")]
    assert accused and all(p.get("phone") for p in accused)
    for edge in (e for e in entities if e.schema.edge):
        for prop in (edge.schema.source_prop, edge.schema.target_prop):
            assert prop is not None
            assert all(ref in by_id for ref in edge.get(prop)), edge.to_dict()
    victims = [p for p in people if "victim" in p.get("keywords")]
    assert victims and all(
        p.get("name")[0].startswith("V-") and not p.get("phone") and not p.get("alias")
        for p in victims
    )


def test_ftm_shared_identifiers_connect_people(
    db: Database, secrets: Secrets, tmp_path: Path
) -> None:
    out = tmp_path / "cases.ftm.json"
    run_export(db, "ftm", out, actor="test")
    entities = _entities(out)
    graph = Graph()
    for entity in entities:
        graph.add(entity)
    people = [e for e in entities if e.schema.name == "Person"]
    phone_owners: dict[str, set[str]] = {}
    for person in people:
        for phone in person.get("phone"):
            phone_owners.setdefault(phone, set()).add(str(person.id))
    phone, owners = next((p, o) for p, o in phone_owners.items() if len(o) > 1)
    node = next(n for n in graph.iternodes() if n.value == phone)
    linked = {e.source_id for e in graph.iteredges() if e.target_id == node.id}
    assert {registry.entity.node_id(o) for o in owners} <= linked
    holders = [w.get("holder") for w in entities if w.schema.name == "CryptoWallet"]
    assert any(len(h) > 1 for h in holders)


def test_ids_are_ftm_ids() -> None:
    parts = ("nervecentre", "Person", "MH-THR-KASARA/2023/1#accused-1")
    assert entity_id(*parts) == make_entity_id(*parts)
    assert entity_id("nervecentre", "Event", "K/1", "", "2") == make_entity_id(
        "nervecentre", "Event", "K/1", "", "2"
    )


def test_exports_are_stable(db: Database, secrets: Secrets, tmp_path: Path) -> None:
    run_export(db, "ftm", tmp_path / "a.ftm", actor="test")
    run_export(db, "ftm", tmp_path / "b.ftm", actor="test")
    assert (tmp_path / "a.ftm").read_bytes() == (tmp_path / "b.ftm").read_bytes()


def test_victims_never_appear_in_any_export(db: Database, secrets: Secrets, tmp_path: Path) -> None:
    data = _all_bytes(_export_all(db, tmp_path))
    hidden = secrets.names | secrets.addresses | secrets.phones | secrets.aliases
    assert len(secrets.names) >= N_CASES
    for text in sorted(hidden):
        assert text.encode("utf-8") not in data, text
        assert text.lower().encode("utf-8") not in data.lower(), text
    # Fernet tokens start with 'gAAAAA': no cipher text leaves either.
    assert b"gAAAAA" not in data


def test_empty_database_exports_valid_empty_files(db: Database, tmp_path: Path) -> None:
    paths = _export_all(db, tmp_path)
    header = _read_csv(paths["csv"], "cases")
    assert header == []
    with (paths["csv"] / "people.csv").open(encoding="utf-8-sig") as handle:
        assert handle.readline().startswith("id,code,")
    assert json.loads(paths["json"].read_text())["cases"] == []
    assert paths["ftm"].read_bytes() == b""


def test_bad_requests_fail_clearly(db: Database, tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match="csv, json, ftm"):
        run_export(db, "xml", tmp_path / "x", actor="test")
    assert FORMATS == ("csv", "json", "ftm")
    with pytest.raises(InputFileError, match="does not exist"):
        run_export(db, "json", tmp_path / "no" / "such" / "x.json", actor="test")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(InputFileError, match="other files"):
        run_export(db, "csv", tmp_path / "mine", actor="test")
    assert (tmp_path / "mine" / "thesis.docx").read_bytes() == b"precious"
    with pytest.raises(InputFileError, match="is a folder"):
        run_export(db, "json", tmp_path / "mine", actor="test")


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_export_leaves_the_old_one_and_no_debris(
    db: Database, secrets: Secrets, tmp_path: Path, fmt: str
) -> None:
    (tmp_path / "exports").mkdir()
    out = tmp_path / "exports" / "out"
    run_export(db, fmt, out, actor="test")
    before = sorted(p.name for p in out.iterdir()) if out.is_dir() else out.read_bytes()

    def interrupt(_: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_export(db, fmt, out, actor="test", progress=interrupt)
    after = sorted(p.name for p in out.iterdir()) if out.is_dir() else out.read_bytes()
    assert after == before
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    run_export(db, fmt, out, actor="test")  # and an earlier export can be replaced by a new one


def test_export_reads_one_snapshot(db: Database) -> None:
    with snapshot(db) as conn:
        before = conn.scalar(select(func.count()).select_from(ImportBatch))
        with db.session() as session:
            session.add(ImportBatch(source="concurrent import"))
        assert conn.scalar(select(func.count()).select_from(ImportBatch)) == before
    assert _count(db, ImportBatch) == (before or 0) + 1
