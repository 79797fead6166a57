"""The REST API (``/api/...``): the same library calls as the pages, as JSON."""

from fastapi import APIRouter

from nervecentre.api import admin, cases, library, people, schema

router = APIRouter(prefix="/api")
for module in (cases, people, admin, schema, library):
    router.include_router(module.router)
