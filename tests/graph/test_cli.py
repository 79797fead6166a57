"""The graph CLI's contract: commands, --json, --as need-to-know, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from typer.testing import CliRunner

from nervecentre.cli.main import app
from tests.security.conftest import World

runner = CliRunner()


def _run(world: World, *args: str) -> tuple[int, str, str]:
    env = {
        "NERVECENTRE_DATABASE_URL": world.db.url,
        "NERVECENTRE_DATA_DIR": str(world.db.settings.data_dir),
    }
    result = runner.invoke(app, ["graph", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_stats_json_counts_and_ranks(gworld: World) -> None:
    code, out, err = _run(gworld, "stats", "--json")
    assert code == 0, err
    body = json.loads(out)
    counts = {r["what"]: r["value"] for r in body["stats"]["rows"]}
    assert counts["nodes: case"] == 4
    assert body["top"]["rows"] and body["top"]["explanation"]
    code, out, _ = _run(gworld, "stats", "--as", "inv", "--json")
    counts = {r["what"]: r["value"] for r in json.loads(out)["stats"]["rows"]}
    assert code == 0 and counts["nodes: case"] == 2


def test_stats_prints_a_table(gworld: World) -> None:
    code, out, _ = _run(gworld, "stats", "--since", "2024-01-01")
    assert code == 0 and "nodes: case" in out and "Broker score" in out


def test_communities_json_reports_modularity(gworld: World) -> None:
    code, out, err = _run(gworld, "communities", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert body["notes"]["modularity"] > 0 and body["rows"][0]["size"] >= 2


def test_path_json_gives_the_evidence_per_hop(gworld: World) -> None:
    code, out, err = _run(gworld, "path", "person:11", "Prakash Gawade", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert body["notes"]["connected"]
    first = [r for r in body["rows"] if r["path"] == 1]
    assert first[0]["from"] == "person:11" and first[-1]["to"] == "person:16"
    assert all(r["records"] for r in first)
    code, out, _ = _run(gworld, "path", "person:11", "Prakash Gawade")
    assert code == 0 and "Path" in out


def test_path_to_what_a_user_may_not_see_is_not_found(gworld: World) -> None:
    code, _, err = _run(gworld, "path", "person:11", "Prakash Gawade", "--as", "inv")
    assert code != 0 and "nothing in your graph" in err and "Traceback" not in err


def test_export_every_format(gworld: World, tmp_path: Path) -> None:
    for fmt, name in [
        ("graphml", "g.graphml"),
        ("gexf", "g.gexf"),
        ("i2", "i2.zip"),
        ("neo4j", "n.zip"),
    ]:
        code, out, err = _run(
            gworld, "export", "--format", fmt, "-o", str(tmp_path / name), "--json"
        )
        assert code == 0, err
        assert json.loads(out)["nodes"] > 10
    assert ET.parse(tmp_path / "g.graphml").getroot().tag.endswith("graphml")


def test_clear_errors(gworld: World, tmp_path: Path) -> None:
    code, _, err = _run(gworld, "export", "--format", "pdf", "-o", str(tmp_path / "x"))
    assert code != 0 and "graphml" in err and not (tmp_path / "x").exists()
    code, _, err = _run(gworld, "stats", "--as", "nobody")
    assert code != 0 and "Traceback" not in err
    code, _, err = _run(gworld, "stats", "--since", "2024-02-01", "--until", "2024-01-01")
    assert code != 0 and "after" in err
    code, _, err = _run(gworld, "stats", "--since", "yesterday")
    assert code == 2
    code, _, err = _run(gworld, "path", "x'); DROP TABLE cases; --", "<script>")
    assert code != 0 and "nothing in your graph" in err and "Traceback" not in err
    code, out, _ = _run(gworld, "stats", "--json")
    assert code == 0 and json.loads(out)["stats"]["rows"]  # the registry is intact


def test_help_teaches_with_examples() -> None:
    result = runner.invoke(app, ["graph", "--help"])
    assert result.exit_code == 0 and "nervecentre graph path" in result.stdout
