"""The server-rendered pages, one module per area."""

from fastapi import APIRouter

from nervecentre.web.pages import admin, auth, cases, dashboard, imports, people

router = APIRouter(include_in_schema=False)
for module in (auth, dashboard, cases, people, imports, admin):
    router.include_router(module.router)
