"""The synthetic generator's hidden networks are the ground truth for groups and key players."""

from __future__ import annotations

from pathlib import Path

from nervecentre.graph.build import build_graph
from nervecentre.graph.truth import score
from nervecentre.imports import import_register
from nervecentre.resolve.registry import resolve_registry
from nervecentre.security.fields import cipher_for
from nervecentre.security.users import create_user
from nervecentre.store.db import Database
from nervecentre.synth.config import SynthConfig
from nervecentre.synth.dataset import write_dataset
from nervecentre.synth.truth import read_truth
from tests.security.conftest import fast_hashing

__all__ = ["fast_hashing"]


def test_groups_recover_the_hidden_networks_and_key_players_rank_high(
    sqlite_db: Database, tmp_path: Path
) -> None:
    paths = write_dataset(tmp_path / "ds", SynthConfig(cases=400, seed=3), fmt="csv")
    import_register(sqlite_db, paths.register)
    admin = create_user(sqlite_db, "admin", "correct horse battery", "admin", actor="test")
    truth = list(read_truth(paths.truth))
    records = score(sqlite_db, build_graph(sqlite_db, admin), truth)
    resolve_registry(sqlite_db, admin, cipher_for(sqlite_db.settings), full=True)
    entities = score(sqlite_db, build_graph(sqlite_db, admin), truth)
    assert entities.networks >= 10
    # resolved people make the networks far clearer than one node per source record
    assert entities.ari > 0.7 and entities.nmi > 0.8
    assert entities.ari > records.ari
    # the planted core member is in its network's top three far more often than by chance
    assert entities.key_player_networks >= 5
    assert entities.hit_rate > entities.chance + 0.15
