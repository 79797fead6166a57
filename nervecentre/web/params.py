"""Typed request parameters shared by pages and the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

# Database ids are 64-bit: a bigger number cannot name a record (and would overflow SQLite).
MAX_ID = 2**63 - 1

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="Record id")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
