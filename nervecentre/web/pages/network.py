"""The link chart page: the chart, its controls and a table of the same nodes and links.

The page itself holds no graph data: its script asks the graph API (need-to-know, audited)
for what to draw. The chart's libraries are served from ``static/vendor`` (``make assets``);
without them the page says so, and the table still works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from nervecentre.graph.charts import MAX_HOPS
from nervecentre.graph.model import EDGE_TYPES, NODE_TYPES
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, page_caller
from nervecentre.web.params import RecordId
from nervecentre.web.templating import render

router = APIRouter()
Who = Annotated[Caller, Depends(page_caller)]
CHART_LIBS = Path(__file__).parents[1] / "static" / "vendor" / "chart-libs.js"
#: How the legend and the filters name each node type (a new type reads as its code).
NODE_LABELS = {
    "person": "Person",
    "case": "Case (FIR)",
    "phone": "Phone",
    "email": "E-mail",
    "upi": "UPI ID",
    "bank_account": "Bank account",
    "crypto": "Crypto address",
    "ip": "IP address",
    "imei": "Device (IMEI)",
    "vehicle": "Vehicle",
    "social": "Social-media handle",
    "url": "Web address",
    "place": "Place",
    "establishment": "Hotel, lodge, bar or spa",
    "org": "Bank or platform",
}


def _node_label(kind: str) -> str:
    return NODE_LABELS.get(kind) or kind.replace("_", " ").capitalize()


def _page(request: Request, who: Caller, **context: object) -> Response:
    require(who.user, "case.view")
    values = {
        "libs": CHART_LIBS.is_file(),
        "node_types": [(t, _node_label(t)) for t in NODE_TYPES],
        "edge_types": list(EDGE_TYPES.items()),
        "max_hops": MAX_HOPS,
        "start": "",
        "hops": 1,
        "chart_id": "",
        **context,
    }
    return render(request, "network.html", values)


@router.get("/network")
async def network_page(
    request: Request,
    who: Who,
    node: Annotated[str, Query(max_length=300)] = "",
    hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 1,
) -> Response:
    """The link chart, started from a node (``?node=person:12``) or empty."""
    return _page(request, who, start=node, hops=hops)


@router.get("/network/charts/{chart_id}")
async def saved_chart_page(request: Request, who: Who, chart_id: RecordId) -> Response:
    """A saved chart, reopened (its nodes are fetched, under need-to-know, by the page)."""
    return _page(request, who, chart_id=chart_id)
