"""The ground truth lines up with the register's person records, and the people recur."""

from __future__ import annotations

import json
from collections import defaultdict

from nervecentre.cases.records import case_key, person_ref
from nervecentre.synth import read_truth
from nervecentre.synth.score import pair_scores
from tests.synth.conftest import Dataset


def test_truth_covers_every_person_record_and_nothing_else(dataset: Dataset) -> None:
    in_file = [row.person_ref for row in read_truth(dataset.paths.truth)]
    in_register = [p.ref for r in dataset.records for p in r.people]
    assert len(in_file) == len(set(in_file))
    assert in_file == in_register


def test_refs_are_the_importers_refs(dataset: Dataset) -> None:
    for record in dataset.records:
        key = case_key(record.police_station_code, record.fir_year, record.fir_number)
        assert record.key == key
        counts: dict[str, int] = defaultdict(int)
        for person in record.people:
            counts[person.role] += 1
            assert person.ref == person_ref(key, person.role, counts[person.role])


def test_truth_file_is_json_lines_with_the_documented_fields(dataset: Dataset) -> None:
    with dataset.paths.truth.open(encoding="utf-8") as handle:
        first = json.loads(handle.readline())
    assert list(first) == ["person_ref", "identity_id", "network_id", "role", "canonical_name"]


def test_suspects_recur_under_different_spellings(dataset: Dataset) -> None:
    cases: dict[str, set[str]] = defaultdict(set)
    spellings: dict[str, set[str]] = defaultdict(set)
    names = {p.ref: p.name for r in dataset.records for p in r.people}
    for record, rows in zip(dataset.records, dataset.truth, strict=True):
        for row in rows:
            if row.role == "accused":
                cases[row.identity_id].add(record.key)
                spellings[row.identity_id].add(names[row.person_ref])
    recurring = [i for i, keys in cases.items() if len(keys) >= 2]
    varied = [i for i in recurring if len(spellings[i]) >= 2]
    assert len(recurring) >= 60
    assert len(varied) >= 0.6 * len(recurring)


def test_networks_group_members_and_share_identifiers(dataset: Dataset) -> None:
    members: dict[str, set[str]] = defaultdict(set)
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    truth = {t.person_ref: t for rows in dataset.truth for t in rows}
    for record in dataset.records:
        for person in record.people:
            row = truth[person.ref]
            assert (row.network_id is not None) == row.identity_id.startswith("P")
            if row.network_id:
                members[row.network_id].add(row.identity_id)
                for value, _ in person.identifiers:
                    holders[(value.kind, value.value)].add(row.identity_id)
    assert len(members) >= 10
    assert max(len(m) for m in members.values()) >= 5
    shared = [k for k, who in holders.items() if len(who) >= 2]
    assert any(kind == "phone" for kind, _ in shared)


def test_an_identity_keeps_one_canonical_name(dataset: Dataset) -> None:
    canonical: dict[str, str] = {}
    for rows in dataset.truth:
        for row in rows:
            assert canonical.setdefault(row.identity_id, row.canonical_name) == row.canonical_name


def test_pair_scores_reward_the_truth_and_punish_guesses(dataset: Dataset) -> None:
    rows = [row for rows in dataset.truth for row in rows]
    perfect = pair_scores(rows, {r.person_ref: r.identity_id for r in rows})
    assert perfect.precision == perfect.recall == perfect.f1 == 1.0
    assert perfect.true_pairs > 0
    nothing = pair_scores(rows, {})
    assert nothing.recall == 0.0 and nothing.precision == 1.0
    by_name = pair_scores(rows, {r.person_ref: r.canonical_name for r in rows})
    assert by_name.recall == 1.0 and by_name.precision < 1.0  # namesakes are not one person
    by_surname = pair_scores(
        rows,
        {r.person_ref: r.canonical_name.split()[-1] for r in rows},
        roles=frozenset({"accused"}),
    )
    assert by_surname.precision < 0.75
    networks = pair_scores(rows, {r.person_ref: r.network_id or "" for r in rows}, key="network_id")
    assert networks.f1 == 1.0
