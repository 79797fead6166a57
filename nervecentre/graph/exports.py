"""The link graph for the tools analysts already use: Gephi, i2 Analyst's Notebook, Neo4j.

Every format carries each node's type and readable label (victims by code: the graph never
holds their names) and each edge's type and source (case, record, date). GraphML and GEXF are
single XML files; i2 and Neo4j are several CSV files, written together as one ZIP archive.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from nervecentre.errors import InvalidValue, StorageError
from nervecentre.exports.safety import neutralise
from nervecentre.graph.model import EDGE_TYPES, Edge, LinkGraph

FORMATS = ("graphml", "gexf", "i2", "neo4j")
_NODE_KEYS = (("type", "string"), ("label", "string"), ("community", "int"))
_EDGE_KEYS = (
    ("type", "string"), ("case_id", "string"), ("record", "string"), ("date", "string"),
    ("amount", "string"), ("amount_inr", "string"),
)  # fmt: skip
_SCORES = ("degree", "betweenness", "closeness", "eigenvector", "pagerank")


def _node_values(graph: LinkGraph, node_id: str) -> dict[str, Any]:
    node = graph.nodes[node_id]
    values: dict[str, Any] = {"type": node.type, "label": node.label}
    if node_id in graph.communities:
        values["community"] = graph.communities[node_id]
    for measure in _SCORES:
        if node_id in graph.centrality.get(measure, {}):
            values[measure] = graph.centrality[measure][node_id]
    return values


def _amount(e: Edge) -> tuple[str, str]:
    """A ``paid`` edge's amount in coins (``0.5 BTC``) and in rupees where a rate was known."""
    if "amount" not in e.attrs:
        return "", ""
    return f"{e.attrs['amount']} {e.attrs.get('chain', '')}".strip(), e.attrs.get("inr") or ""


def _score_keys(graph: LinkGraph) -> list[tuple[str, str]]:
    return [(m, "double") for m in _SCORES if m in graph.centrality]


def graphml(graph: LinkGraph) -> bytes:
    """GraphML (Gephi, yEd, Cytoscape): one node per node, one edge per piece of evidence."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    root = ET.Element("graphml", {"xmlns": ns})
    for name, kind in (*_NODE_KEYS, *_score_keys(graph)):
        ET.SubElement(
            root, "key", {"id": f"n_{name}", "for": "node", "attr.name": name, "attr.type": kind}
        )
    for name, kind in _EDGE_KEYS:
        ET.SubElement(
            root, "key", {"id": f"e_{name}", "for": "edge", "attr.name": name, "attr.type": kind}
        )
    body = ET.SubElement(root, "graph", {"id": "nervecentre", "edgedefault": "directed"})
    for node_id in graph.nodes:
        element = ET.SubElement(body, "node", {"id": node_id})
        for name, value in _node_values(graph, node_id).items():
            ET.SubElement(element, "data", {"key": f"n_{name}"}).text = str(value)
    for i, e in enumerate(graph.edges):
        element = ET.SubElement(
            body, "edge", {"id": f"e{i}", "source": e.source, "target": e.target}
        )
        amount, inr = _amount(e)
        for name, value in (
            ("type", e.type),
            ("case_id", "" if e.case_id is None else str(e.case_id)),
            ("record", e.record),
            ("date", e.date.isoformat() if e.date else ""),
            ("amount", amount),
            ("amount_inr", inr),
        ):
            if value or name not in ("amount", "amount_inr"):  # a payment's only
                ET.SubElement(element, "data", {"key": f"e_{name}"}).text = value
    return _xml(root)


def gexf(graph: LinkGraph) -> bytes:
    """GEXF 1.3 (Gephi's own format), with dates as edge start times for Gephi's timeline."""
    ns = "http://gexf.net/1.3"
    root = ET.Element("gexf", {"xmlns": ns, "version": "1.3"})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "nervecentre"
    body = ET.SubElement(
        root, "graph", {"defaultedgetype": "directed", "mode": "dynamic", "timeformat": "date"}
    )
    node_keys = [("type", "string"), ("community", "integer"), *_score_keys(graph)]
    attrs = ET.SubElement(body, "attributes", {"class": "node", "mode": "static"})
    for i, (name, kind) in enumerate(node_keys):
        ET.SubElement(attrs, "attribute", {"id": str(i), "title": name, "type": kind})
    edge_attrs = ET.SubElement(body, "attributes", {"class": "edge", "mode": "static"})
    for i, name in enumerate(("type", "case_id", "record", "amount", "amount_inr")):
        ET.SubElement(edge_attrs, "attribute", {"id": str(i), "title": name, "type": "string"})
    nodes = ET.SubElement(body, "nodes")
    for node_id in graph.nodes:
        values = _node_values(graph, node_id)
        element = ET.SubElement(nodes, "node", {"id": node_id, "label": values.pop("label")})
        holder = ET.SubElement(element, "attvalues")
        for i, (name, _) in enumerate(node_keys):
            if name in values:
                ET.SubElement(holder, "attvalue", {"for": str(i), "value": str(values[name])})
    edges = ET.SubElement(body, "edges")
    for i, e in enumerate(graph.edges):
        fields = {"id": str(i), "source": e.source, "target": e.target, "label": e.type}
        if e.date:
            fields["start"] = e.date.isoformat()
        element = ET.SubElement(edges, "edge", fields)
        holder = ET.SubElement(element, "attvalues")
        case = "" if e.case_id is None else str(e.case_id)
        for j, value in enumerate((e.type, case, e.record, *_amount(e))):
            ET.SubElement(holder, "attvalue", {"for": str(j), "value": value})
    return _xml(root)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _csv(rows: list[list[Any]], *, spreadsheet: bool) -> bytes:
    """CSV bytes; ``spreadsheet``: a file analysts open in Excel too, so text that would run
    as a formula is quoted (:mod:`nervecentre.exports.safety`; i2 shows the quote-free value
    when told to strip it). Neo4j reads values as they are, so its files are not quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        cells = ["" if v is None else str(v) for v in row]
        writer.writerow([neutralise(c) for c in cells] if spreadsheet else cells)
    return out.getvalue().encode("utf-8-sig" if spreadsheet else "utf-8")


#: The i2 link-file columns, in order: what the import specification maps.
I2_COLUMNS = (
    "Entity1_Identity", "Entity1_Type", "Entity1_Label",
    "Entity2_Identity", "Entity2_Type", "Entity2_Label",
    "Link_Type", "Link_Description", "Case_Id", "Source_Record", "Date", "Amount", "Amount_INR",
)  # fmt: skip
I2_SPECIFICATION = """i2 Analyst's Notebook import specification for links.csv (nervecentre)

In Analyst's Notebook: Import > Import Data > links.csv. File settings: comma separated,
first row holds column headings, UTF-8. Import design: "Entity - Link - Entity".

Entity 1:  Identity <- Entity1_Identity   Label <- Entity1_Label
           Type     <- Entity1_Type (map each type to an icon: person -> Person,
                        case -> Document, phone -> Telephone, email -> E-mail Address,
                        upi / bank_account -> Account, crypto -> Bitcoin Wallet,
                        vehicle -> Vehicle, imei -> Mobile Handset, ip -> IP Address,
                        social / url -> Web Site, place -> Location,
                        establishment -> Building, org -> Organisation)
Link:      Type <- Link_Type   Label <- Link_Description
           Date <- Date (format yyyy-MM-dd)   Attributes: Case_Id, Source_Record,
           Amount and Amount_INR (a "paid" link's coins and rupees)
Entity 2:  as Entity 1 with the Entity2_ columns.
Merge entities by Identity (the same identity is one chart item, however many rows name it).
Save the specification in the wizard (File > Save Specification) to reuse it.

nodes.csv lists every node (also those without links) with Identity, Type and Label, for an
"Entity only" import with the same icon mapping.
"""


def i2(graph: LinkGraph) -> dict[str, bytes]:
    """links.csv (one row per edge), nodes.csv, and the import specification as text."""
    rows: list[list[Any]] = [list(I2_COLUMNS)]
    for e in graph.edges:
        a, b = graph.nodes[e.source], graph.nodes[e.target]
        rows.append(
            [
                a.id, a.type, a.label, b.id, b.type, b.label, e.type,
                EDGE_TYPES.get(e.type, e.type), e.case_id, e.record,
                e.date.isoformat() if e.date else "", *_amount(e),
            ]
        )  # fmt: skip
    nodes: list[list[Any]] = [["Identity", "Type", "Label", "Community"]]
    nodes += [
        [n.id, n.type, n.label, graph.communities.get(n.id, "")] for n in graph.nodes.values()
    ]
    return {
        "links.csv": _csv(rows, spreadsheet=True),
        "nodes.csv": _csv(nodes, spreadsheet=True),
        "import-specification.txt": I2_SPECIFICATION.encode("utf-8"),
    }


NEO4J_IMPORT = """neo4j-admin database import full --nodes=nodes.csv \\
  --relationships=relationships.csv --array-delimiter=';' neo4j
"""


def neo4j(graph: LinkGraph) -> dict[str, bytes]:
    """nodes.csv and relationships.csv in neo4j-admin's bulk-import header format."""
    score_keys = [m for m in _SCORES if m in graph.centrality]
    nodes: list[list[Any]] = [
        ["id:ID", "label", "type", "community:int", *[f"{m}:double" for m in score_keys], ":LABEL"]
    ]
    for n in graph.nodes.values():
        values = _node_values(graph, n.id)
        label = "".join(part.title() for part in n.type.split("_"))
        nodes.append(
            [
                n.id,
                n.label,
                n.type,
                values.get("community", ""),
                *[values.get(m, "") for m in score_keys],
                label,
            ]
        )
    rels: list[list[Any]] = [
        [
            ":START_ID",
            ":END_ID",
            ":TYPE",
            "case_id:long",
            "record",
            "date:date",
            "amount",
            "amount_inr:double",
        ]
    ]
    for e in graph.edges:
        rels.append(
            [
                e.source,
                e.target,
                e.type.upper(),
                "" if e.case_id is None else e.case_id,
                e.record,
                e.date.isoformat() if e.date else "",
                *_amount(e),
            ]
        )
    return {
        "nodes.csv": _csv(nodes, spreadsheet=False),
        "relationships.csv": _csv(rels, spreadsheet=False),
        "import.sh": NEO4J_IMPORT.encode("utf-8"),
    }


_WRITERS: dict[str, Callable[[LinkGraph], bytes | dict[str, bytes]]] = {
    "graphml": graphml,
    "gexf": gexf,
    "i2": i2,
    "neo4j": neo4j,
}


def export(graph: LinkGraph, fmt: str, path: Path) -> Path:
    """Write the graph to ``path`` in ``fmt`` (one of :data:`FORMATS`); the CSV formats as a
    ZIP of their files. Written to a temporary name first: a failure leaves no partial file."""
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise InvalidValue(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", kind="format")
    data = writer(graph)
    partial = path.with_name(path.name + ".partial")
    try:
        if isinstance(data, bytes):
            partial.write_bytes(data)
        else:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, content in data.items():
                    archive.writestr(name, content)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
