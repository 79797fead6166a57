"""The server-rendered pages, one module per area."""

from fastapi import APIRouter

from nervecentre.web.pages import (
    access,
    account,
    admin,
    audit,
    auth,
    cases,
    crawler,
    dashboard,
    imports,
    library,
    network,
    people,
    reports,
    resolve,
    scams,
    tokens,
)

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    dashboard,
    cases,
    people,
    imports,
    crawler,
    scams,
    network,
    audit,
    admin,
    access,
    tokens,
    account,
    resolve,
    reports,
):
    router.include_router(module.router)
router.include_router(library.router)
