"""Exports parse back: GraphML and GEXF with an XML parser, i2 and Neo4j CSV by their headers."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from nervecentre.errors import InvalidValue, StorageError
from nervecentre.graph import exports
from nervecentre.graph.analytics import annotate
from nervecentre.graph.build import build_graph
from nervecentre.graph.model import Edge, LinkGraph, Node
from tests.security.conftest import World

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
GEXF = "{http://gexf.net/1.3}"
HOSTILE = '=HYPERLINK("http://x")<script>&"\'</script>'


def _graph(gworld: World) -> LinkGraph:
    graph = build_graph(gworld.db, gworld.user("admin"))
    graph.add_node(Node("person:999", "person", HOSTILE))
    graph.add_edge(Edge("person:999", "case:1", "witness_in", 1, "case_roles:999"))
    annotate(graph)
    return graph


def test_graphml_parses_back_with_types_labels_and_provenance(
    gworld: World, tmp_path: Path
) -> None:
    graph = _graph(gworld)
    path = exports.export(graph, "graphml", tmp_path / "g.graphml")
    root = ET.parse(path).getroot()
    keys = {k.get("id"): k.get("attr.name") for k in root.iter(f"{GRAPHML}key")}
    nodes = {n.get("id"): n for n in root.iter(f"{GRAPHML}node")}
    assert set(nodes) == set(graph.nodes)
    assert len(list(root.iter(f"{GRAPHML}edge"))) == len(graph.edges)
    data = {keys[d.get("key")]: d.text for d in nodes["person:999"]}
    assert data["label"] == HOSTILE and data["type"] == "person" and "betweenness" in data
    edge = next(root.iter(f"{GRAPHML}edge"))
    assert {keys[d.get("key")] for d in edge} == {"type", "case_id", "record", "date"}
    assert not list(tmp_path.glob("*.partial"))


def test_gexf_parses_back_with_dates_for_the_timeline(gworld: World, tmp_path: Path) -> None:
    graph = _graph(gworld)
    root = ET.parse(exports.export(graph, "gexf", tmp_path / "g.gexf")).getroot()
    nodes = {n.get("id"): n.get("label") for n in root.iter(f"{GEXF}node")}
    assert nodes["person:999"] == HOSTILE and len(nodes) == len(graph.nodes)
    edges = list(root.iter(f"{GEXF}edge"))
    assert len(edges) == len(graph.edges)
    assert any(e.get("start", "").startswith("2024") for e in edges)


def _zip(path: Path) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_i2_links_carry_both_ends_and_formulas_are_inert(gworld: World, tmp_path: Path) -> None:
    graph = _graph(gworld)
    path = exports.export(graph, "i2", tmp_path / "g.zip")
    files = _zip(path)
    links = files["links.csv"]
    assert tuple(links[0]) == exports.I2_COLUMNS and len(links) == len(graph.edges) + 1
    assert files["nodes.csv"][0] == ["Identity", "Type", "Label", "Community"]
    hostile = next(r for r in links if r[0] == "person:999")
    assert hostile[2] == "'" + HOSTILE  # quoted: a spreadsheet shows it, never runs it
    with zipfile.ZipFile(path) as archive:
        assert "Entity1_Identity" in archive.read("import-specification.txt").decode()


def test_neo4j_files_use_the_bulk_import_header(gworld: World, tmp_path: Path) -> None:
    graph = _graph(gworld)
    files = _zip(exports.export(graph, "neo4j", tmp_path / "g.zip"))
    nodes, rels = files["nodes.csv"], files["relationships.csv"]
    assert nodes[0][0] == "id:ID" and nodes[0][-1] == ":LABEL"
    assert rels[0][:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert len(nodes) == len(graph.nodes) + 1 and len(rels) == len(graph.edges) + 1
    ids = {r[0] for r in nodes[1:]}
    assert all(r[0] in ids and r[1] in ids for r in rels[1:])
    assert {r[-1] for r in nodes[1:]} >= {"Person", "Case", "Phone", "BankAccount"} - {
        "BankAccount"
    }


def test_an_unknown_format_is_refused_and_nothing_written(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue):
        exports.export(LinkGraph(), "pdf", tmp_path / "x.pdf")
    with pytest.raises(StorageError, match="cannot write"):
        exports.export(LinkGraph(), "graphml", tmp_path / "missing" / "x.graphml")
    (tmp_path / "dir.zip").mkdir()
    with pytest.raises(StorageError):
        exports.export(LinkGraph(), "neo4j", tmp_path / "dir.zip")
    assert [p.name for p in tmp_path.iterdir()] == ["dir.zip"]
