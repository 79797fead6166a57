"""The server-rendered pages, one module per area."""

from fastapi import APIRouter

from nervecentre.web.pages import (
    access,
    account,
    admin,
    audit,
    auth,
    cases,
    dashboard,
    imports,
    network,
    people,
    tokens,
)

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    dashboard,
    cases,
    people,
    network,
    imports,
    audit,
    admin,
    access,
    tokens,
    account,
):
    router.include_router(module.router)
