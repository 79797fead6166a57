"""JSON export: one document with every case and what hangs off it, written case by case.

Times recorded in registers (FIR, occurrence, events) are Indian Standard Time and carry
``+05:30``; system timestamps (when a document was added, custody steps) are UTC (``Z``).
Text is data here: nothing is escaped for HTML, which is the job of whatever renders it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from nervecentre import law
from nervecentre.cases.vocab import label
from nervecentre.errors import InvalidValue
from nervecentre.exports._bundles import CaseBundle, PersonInCase, Row, iter_bundles, snapshot
from nervecentre.exports._output import ExportStats, atomic_file
from nervecentre.exports.privacy import shown_name
from nervecentre.store.db import Database

Progress = Callable[[int], None]


def _version() -> str:
    try:
        return version("nervecentre")
    except PackageNotFoundError:
        return "unknown"


def ist(value: datetime | None) -> str | None:
    """A register time (naive IST) in ISO 8601 with its offset."""
    return None if value is None else value.isoformat() + "+05:30"


def utc(value: datetime | None) -> str | None:
    """A system timestamp (naive UTC) in ISO 8601 with 'Z'."""
    return None if value is None else value.isoformat() + "Z"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@cache
def section_title(law_code: str, section: str) -> str:
    """The short title of a listed section ('' when the law data does not list it)."""
    try:
        return law.get_section(law.SectionRef(law_code, section)).title
    except InvalidValue:
        return ""


def _charge(row: Row) -> dict[str, Any]:
    return {
        "law": row["law"],
        "section": row["section"],
        "subsection": row["subsection"],
        "key": row["section_key"],
        "title": section_title(row["law"], row["section"]),
        "stage": row["stage"],
        "equivalents": [e for e in row["equivalent"].split(", ") if e],
    }


def _identifier(row: Row) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "value": row["value"],
        "display": row["display"],
        "extra": row["extra"],
        "raw": row["raw"],
    }


def _person(person: PersonInCase) -> dict[str, Any]:
    f = person.fields
    return {
        "code": f["code"],
        "name": shown_name(f),
        "protected": bool(f["protected"]),
        "roles": [{"role": role, "accused_roles": accused} for role, accused in person.roles],
        "aliases": person.aliases,
        "gender": f["gender"],
        "date_of_birth": _day(f["date_of_birth"]),
        "age": f["age"],
        "age_band": f["age_band"],
        "nationality": f["nationality"],
        "home_state": f["home_state"],
        "address": f["address"],
        "identifiers": [_identifier(i) for i in person.identifiers],
    }


def case_document(bundle: CaseBundle) -> dict[str, Any]:
    """The JSON object of one case."""
    c = bundle.case
    return {
        "key": c["case_key"],
        "fir_number": c["fir_number"],
        "fir_year": c["fir_year"],
        "police_station": {"code": c["police_station_code"], "name": c["police_station_name"]},
        "district": {"code": c["district_code"], "name": c["district_name"]},
        "unit": {"code": c["unit_code"], "name": c["unit_name"]},
        "fir_at": ist(c["fir_at"]),
        "info_received_at": ist(c["info_received_at"]),
        "info_mode": c["info_mode"],
        "occurred_from": ist(c["occurred_from"]),
        "occurred_to": ist(c["occurred_to"]),
        "occurrence_place": c["occurrence_place"],
        "brief_facts": c["brief_facts"],
        "crime_heads": [h for h in c["crime_heads"].split(",") if h],
        "status": c["status"],
        "status_label": label("case_status", c["status"]),
        "investigating_officer": c["investigating_officer"],
        "charges": [_charge(r) for r in bundle.charges],
        "people": [_person(p) for p in bundle.people.values()],
        "events": [
            {
                "kind": e["kind"],
                "at": ist(e["occurred_at"]),
                "place": e["place"],
                "description": e["description"],
                "participants": [p["code"] for p in parts],
            }
            for e, parts in bundle.events
        ],
        "route": [
            {
                "seq": r["seq"],
                "stage": r["stage"],
                "place": r["place"],
                "state": r["state"],
                "country": r["country"],
            }
            for r in bundle.route
        ],
        "identifiers": [_identifier(i) for i in bundle.identifiers],
        "documents": [
            {
                "sha256": d["sha256"],
                "size": d["size"],
                "media_type": d["media_type"],
                "filename": d["filename"],
                "title": d["title"],
                "added_by": d["added_by"],
                "added_at": utc(d["added_at"]),
                "custody": [
                    {
                        "at": utc(e["at"]),
                        "actor": e["actor"],
                        "action": e["action"],
                        "note": e["note"],
                    }
                    for e in custody
                ],
            }
            for d, custody in bundle.documents
        ],
        "related_cases": [
            {"key": r["case_key"], "kind": r["kind"], "note": r["note"]} for r in bundle.links
        ],
    }


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def export_json(db: Database, output: Path, progress: Progress | None = None) -> ExportStats:
    """Write ``{"exported_at", ..., "cases": [...], "counts": {...}}`` to ``output``."""
    stats = ExportStats("json")
    head = {
        "format": "nervecentre-cases",
        "version": 1,
        "generator": f"nervecentre {_version()}",
        "exported_at": datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z",
        "privacy": "victims appear only by pseudonymous code; no names, addresses, contacts",
    }
    with atomic_file(output) as out, snapshot(db) as conn:
        # The array is written piece by piece so that memory holds one batch, not the registry.
        out.write(_dump(head)[:-1] + ',"cases":[')
        first = True
        for batch in iter_bundles(conn):
            for bundle in batch:
                out.write(("\n" if first else ",\n") + _dump(case_document(bundle)))
                first = False
                stats.people += len(bundle.people)
            stats.cases += len(batch)
            if progress:
                progress(len(batch))
        counts = {"cases": stats.cases, "people_in_cases": stats.people}
        out.write('\n],"counts":' + _dump(counts) + "}\n")
    return stats
