"""Incremental resolution: only new and changed records are compared, decisions still bind."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from nervecentre.cases.people import Person
from nervecentre.imports import import_register
from nervecentre.resolve import blocking
from nervecentre.resolve.blocking import candidate_pairs, pairs_touching
from nervecentre.resolve.engine import resolve_records
from nervecentre.resolve.incremental import fingerprint, resolve_changed
from nervecentre.resolve.models import EntityLink, Fingerprint
from nervecentre.resolve.records import read_records
from nervecentre.resolve.registry import decide, entity_of, resolve_registry
from nervecentre.security.fields import cipher_for
from nervecentre.security.models import User
from nervecentre.store.db import Database
from nervecentre.synth.person_lists import write_person_list
from tests.imports.registers import row, write_csv
from tests.resolve.test_registry import SALIM_A, _person, _world
from tests.security.conftest import UNIT_A, UNIT_B


def _partition(labels: list[int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = defaultdict(set)
    for index, label in enumerate(labels):
        groups[label].add(index)
    return {frozenset(g) for g in groups.values()}


def test_an_incremental_run_compares_only_the_new_records_and_clusters_as_a_full_run(
    tmp_path: Path,
) -> None:
    write_person_list(tmp_path / "people.csv", 150, seed=4)
    records = read_records(tmp_path / "people.csv")
    new = set(random.Random(2).sample(range(len(records)), 12))
    old = [i for i in range(len(records)) if i not in new]
    before = resolve_records([records[i] for i in old])
    previous = [0] * len(records)
    for k, i in enumerate(old):
        previous[i] = old[before.labels[k]]
    for i in new:
        previous[i] = -1 - i
    result = resolve_changed(records, previous, new, before.model)
    touching, _ = pairs_touching(records, new)
    everything, _ = candidate_pairs(records)
    assert result.changed == sorted(new)
    assert result.compared == len(touching) < len(everything) // 4
    assert all(set(pair) & new for pair in result.pairs[: result.compared].tolist())
    full = resolve_records(records, model=before.model)
    assert _partition(result.labels) == _partition(full.labels)


@pytest.mark.parametrize("narrow", [False, True])
def test_pairs_touching_are_the_full_runs_pairs_that_hold_the_subset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, narrow: bool
) -> None:
    if narrow:  # every common key compared by neighbourhood
        monkeypatch.setattr(blocking, "MAX_BLOCK", 4)
        monkeypatch.setattr(blocking, "WINDOW", 2)
    write_person_list(tmp_path / "people.csv", 80, seed=6)
    records = read_records(tmp_path / "people.csv")
    subset = {0, 5, 17, 40, 77}
    everything, stats = candidate_pairs(records)
    assert (stats.split > 0) == narrow
    expected = {tuple(p) for p in everything.tolist() if set(p) & subset}
    touching, _ = pairs_touching(records, subset)
    assert {tuple(p) for p in touching.tolist()} == expected


def test_the_fingerprint_is_keyed_and_follows_every_field(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "record_id,name,phones\na,Rinki Kumari,9123456780\nb,Rinki Kumari,9123456781\n",
        encoding="utf-8",
    )
    a, b = read_records(path)

    def mac(key: bytes) -> Callable[[str], str]:
        return lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    assert fingerprint(a, mac(b"k1")) != fingerprint(b, mac(b"k1"))  # the phone differs
    assert fingerprint(a, mac(b"k1")) != fingerprint(a, mac(b"k2"))  # keyed
    assert "Rinki" not in fingerprint(a, mac(b"k1"))


def _entity(db: Database, user: User, pid: int) -> set[int]:
    return {m.person_id for m in entity_of(db, user, pid).members}


def test_after_an_import_only_the_new_records_are_compared(db: Database, tmp_path: Path) -> None:
    world = _world(db, tmp_path)
    admin, cipher = world.user("admin"), cipher_for(db.settings)
    first = resolve_registry(db, admin, cipher)  # no earlier run: a full one
    assert first.full and first.changed == first.records
    again = resolve_registry(db, admin, cipher)
    assert (again.changed, again.compared, again.full) == (0, 0, False)
    import_register(
        db, write_csv(tmp_path / "third.csv", [row(13, Accused=SALIM_A, Victims="", Arrests="")])
    )
    third = resolve_registry(db, admin, cipher)
    assert third.changed == 2  # the new suspect and the new complainant
    assert 0 < third.compared < first.compared
    newest = _person(db, UNIT_A, "Mohd", firs=("13",))
    assert _entity(db, admin, newest) >= {_person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")}
    with db.session() as s:
        assert s.scalar(select(Fingerprint.fingerprint).where(Fingerprint.person_id == newest))


def test_decisions_survive_incremental_and_full_runs(db: Database, tmp_path: Path) -> None:
    world = _world(db, tmp_path)
    admin, cipher = world.user("admin"), cipher_for(db.settings)
    resolve_registry(db, admin, cipher, full=True)
    a, b = _person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")
    gawade = _person(db, UNIT_B, "Prakash")
    decide(db, admin, a, b, "different")
    decide(db, admin, a, gawade, "same")
    resolve_registry(db, admin, cipher)  # the decisions' records are compared again
    assert b not in _entity(db, admin, a) and gawade in _entity(db, admin, a)
    import_register(
        db, write_csv(tmp_path / "third.csv", [row(13, Accused=SALIM_A, Victims="", Arrests="")])
    )
    resolve_registry(db, admin, cipher)
    assert b not in _entity(db, admin, a) and gawade in _entity(db, admin, a)
    resolve_registry(db, admin, cipher, full=True)
    assert b not in _entity(db, admin, a) and gawade in _entity(db, admin, a)


def test_a_changed_record_is_resolved_again(db: Database, tmp_path: Path) -> None:
    world = _world(db, tmp_path)
    admin, cipher = world.user("admin"), cipher_for(db.settings)
    resolve_registry(db, admin, cipher, full=True)
    a, b = _person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")
    assert b in _entity(db, admin, a)
    with db.session() as s:  # a correction: record b was somebody else all along
        s.execute(update(Person).where(Person.id == b).values(name="Kishore Nandlal Bhosle"))
        s.commit()
    run = resolve_registry(db, admin, cipher)
    assert run.changed == 1
    assert b not in _entity(db, admin, a)
    with db.session() as s:
        links = dict(s.execute(select(EntityLink.person_id, EntityLink.entity_id)).all())
    assert links[b] == b and links[a] != b


def test_incremental_runs_write_no_victim_name_or_phone(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("reads the SQLite file itself")
    spill = tmp_path / "tmp"
    spill.mkdir()
    monkeypatch.setenv("TMPDIR", str(spill))
    world = _world(db, tmp_path)
    admin, cipher = world.user("admin"), cipher_for(db.settings)
    resolve_registry(db, admin, cipher, full=True)
    victim = "Rinki Kumari Mahato (F/16) - 9123456780"
    import_register(
        db, write_csv(tmp_path / "third.csv", [row(13, Accused="", Victims=victim, Arrests="")])
    )
    assert resolve_registry(db, admin, cipher).changed >= 1
    db.engine.dispose()
    folder = Path(db.engine.url.database or "").parent
    for path in [*folder.rglob("*"), *tmp_path.rglob("*"), *spill.rglob("*")]:
        if path.is_file() and not path.name.endswith(".csv"):
            data = path.read_bytes()
            for needle in (b"Rinki", b"rinki", b"Mahato", b"mahato", b"9123456780"):
                assert needle not in data, (path, needle)
    assert os.environ["TMPDIR"] == str(spill)
