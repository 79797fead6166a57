"""The REST API (``/api/...``): the same library calls as the pages, as JSON."""

from fastapi import APIRouter

from nervecentre.api import admin, cases, graph, people, schema

router = APIRouter(prefix="/api")
for module in (cases, people, graph, admin, schema):
    router.include_router(module.router)
