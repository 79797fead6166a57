"""The REST API (``/api/...``): the same library calls as the pages, as JSON."""

from fastapi import APIRouter

from nervecentre.api import (
    admin,
    cases,
    crawler,
    entities,
    graph,
    library,
    people,
    reports,
    scams,
    schema,
)

router = APIRouter(prefix="/api")
for module in (cases, people, entities, graph, crawler, scams, reports, library, admin, schema):
    router.include_router(module.router)
