"""The link chart's endpoints: a node's neighbourhood, a path with its evidence, saved charts.

Every answer is built from the caller's own graph (need-to-know, victims by code) and every
read is audited (``graph.view``, ``chart.open``), as a read of the person or case it starts
from.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from nervecentre.api._common import ERRORS, Who
from nervecentre.api.cases import Created
from nervecentre.graph import charts
from nervecentre.security.roles import require
from nervecentre.web.auth import client_ip, database
from nervecentre.web.params import RecordId

router = APIRouter(tags=["graph"], responses=ERRORS)
NodeRef = Annotated[
    str,
    Query(
        min_length=1,
        max_length=300,
        description="A node id (`person:12`, `case:7`, `phone:+919812345678`) or an exact label",
    ),
]
Day = Annotated[date | None, Query(description="Only links dated on or after / before (ISO)")]


class ChartIn(BaseModel):
    """A chart to save: a name and the chart's state (node ids, positions, choices)."""

    name: Annotated[str, Field(max_length=charts.MAX_NAME)]
    chart: dict[str, Any]


class ChartListed(BaseModel):
    """A saved chart as a case lists it."""

    id: int
    case_id: int
    name: str
    nodes: int
    created_at: str


def _viewer(who: Who) -> None:
    require(who.user, "case.view")


@router.get("/graph/neighbourhood")
async def neighbourhood(
    request: Request,
    who: Who,
    node: NodeRef,
    hops: Annotated[int, Query(ge=1, le=charts.MAX_HOPS)] = 1,
    since: Day = None,
    until: Day = None,
) -> Any:
    """The nodes up to `hops` links from a node, with every link's evidence (audited)."""
    _viewer(who)
    return await run_in_threadpool(
        charts.neighbourhood_view,
        database(request),
        who.user,
        node,
        hops=hops,
        since=since,
        until=until,
        ip=client_ip(request),
    )


@router.get("/graph/path")
async def path(
    request: Request, who: Who, a: NodeRef, b: NodeRef, since: Day = None, until: Day = None
) -> Any:
    """The shortest chain of links from `a` to `b`, with the evidence of each hop (audited)."""
    _viewer(who)
    return await run_in_threadpool(
        charts.path_view,
        database(request),
        who.user,
        a,
        b,
        since=since,
        until=until,
        ip=client_ip(request),
    )


@router.get("/cases/{case_id}/charts", response_model=list[ChartListed])
def case_charts(request: Request, who: Who, case_id: RecordId) -> Any:
    """The link charts saved to a case (audited as a view of the case)."""
    found = charts.list_charts(database(request), who.user, case_id, ip=client_ip(request))
    return [
        ChartListed(
            id=c.id,
            case_id=c.case_id,
            name=c.name,
            nodes=c.nodes,
            created_at=c.created_at.isoformat(timespec="seconds"),
        )
        for c in found
    ]


@router.post("/cases/{case_id}/charts", response_model=Created, status_code=201)
def save_chart(request: Request, who: Who, case_id: RecordId, body: ChartIn) -> Any:
    """Save a chart to a case (needs chart.save; audited). Only ids and layout are kept."""
    db, ip = database(request), client_ip(request)
    return Created(id=charts.save_chart(db, who.user, case_id, body.name, body.chart, ip=ip))


@router.get("/charts/{chart_id}")
async def open_chart(request: Request, who: Who, chart_id: RecordId) -> Any:
    """A saved chart, rebuilt with only what the caller may see now (audited)."""
    return await run_in_threadpool(
        charts.open_chart, database(request), who.user, chart_id, ip=client_ip(request)
    )
