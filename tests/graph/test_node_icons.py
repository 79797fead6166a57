"""Every node type the graph can hold has its icon and its colour on the chart page (a type
without them drew as a 404 in the browser's console and a blank disc)."""

from __future__ import annotations

import re
from pathlib import Path

from nervecentre.graph.model import NODE_TYPES

STATIC = Path(__file__).resolve().parents[2] / "nervecentre" / "web" / "static" / "network"


def test_every_node_type_has_an_icon_and_a_colour() -> None:
    colours = (STATIC / "state.js").read_text()
    block = re.search(r"TYPE_COLOURS = \{(.*?)\};", colours, re.S)
    assert block is not None
    coloured = set(re.findall(r"(\w+):\s*\"#", block.group(1)))
    missing_icons = [t for t in NODE_TYPES if not (STATIC / "icons" / f"{t}.svg").is_file()]
    assert missing_icons == []
    assert [t for t in NODE_TYPES if t not in coloured] == []
