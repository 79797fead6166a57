"""Import mappings: which column feeds which case field, with value maps and date formats.

A mapping is data (YAML), not code, so a new unit's register needs a new file, not a
new importer. The fields a mapping may target are declared here once, with their types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from nervecentre.errors import InputFileError

# Every field an import can fill, and how its cell is read.
FIELD_TYPES: dict[str, str] = {
    "fir_number": "fir_number",
    "fir_year": "int",
    "district": "text",
    "police_station": "text",
    "unit": "text",
    "fir_date": "date",
    "fir_time": "time",
    "info_received_at": "datetime",
    "info_mode": "code",
    "occurred_from": "datetime",
    "occurred_to": "datetime",
    "occurrence_place": "text",
    "sections": "sections",
    "crime_heads": "crime_heads",
    "status": "code",
    "investigating_officer": "text",
    "brief_facts": "text",
    "accused": "people",
    "victims": "people",
    "complainants": "people",
    "witnesses": "people",
    "buyers": "people",
    "arrests": "arrests",
    "rescue": "rescue",
    "route": "route",
    "identifiers": "identifiers",
    "related_firs": "related",
    "next_hearing": "datetime",
    "verdict_date": "datetime",
}
REQUIRED_FIELDS = ("fir_number", "police_station", "fir_date")
PEOPLE_ROLES = {
    "accused": "accused",
    "victims": "victim",
    "complainants": "complainant",
    "witnesses": "witness",
    "buyers": "buyer",
}


@dataclass(frozen=True)
class ColumnSpec:
    """Where one field comes from: its header (and accepted synonyms) and value map."""

    field: str
    headers: tuple[str, ...]
    value_map: str | None = None
    required: bool = False


@dataclass(frozen=True)
class Mapping:
    """A whole import mapping."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ("%d/%m/%Y",)
    time_formats: tuple[str, ...] = ("%H:%M",)
    sheet: str | None = None
    encoding: str = "utf-8-sig"
    default_district: str | None = None
    #: Headers of columns known to hold nothing to import (left without a warning).
    ignore: tuple[str, ...] = ()

    def spec(self, name: str) -> ColumnSpec | None:
        """The column feeding a field, if the mapping has one."""
        return next((c for c in self.columns if c.field == name), None)

    def lookup(self, map_name: str, raw: str) -> str | None:
        """Translate a cell through a value map (case- and space-insensitive)."""
        table = self.value_maps.get(map_name, {})
        return table.get(" ".join(raw.split()).casefold())


def _as_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def parse_mapping(raw: Any, origin: str) -> Mapping:
    """Validate a mapping loaded from YAML; every mistake names the mapping and the key."""
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise InputFileError(f"mapping {origin}: expected a 'columns:' section")
    columns = []
    for name, spec in raw["columns"].items():
        if name not in FIELD_TYPES:
            known = ", ".join(FIELD_TYPES)
            raise InputFileError(f"mapping {origin}: unknown field {name!r} (known: {known})")
        spec = {"column": spec} if isinstance(spec, str | list) else spec
        if not isinstance(spec, dict) or "column" not in spec:
            raise InputFileError(f"mapping {origin}: field {name!r} needs a 'column:'")
        columns.append(
            ColumnSpec(
                field=name,
                headers=_as_tuple(spec["column"]),
                value_map=spec.get("map"),
                required=bool(spec.get("required", name in REQUIRED_FIELDS)),
            )
        )
    missing = [f for f in REQUIRED_FIELDS if f not in {c.field for c in columns}]
    if missing:
        raise InputFileError(f"mapping {origin}: required fields not mapped: {missing}")
    value_maps = {
        map_name: {" ".join(str(k).split()).casefold(): str(v) for k, v in table.items()}
        for map_name, table in (raw.get("value_maps") or {}).items()
    }
    for col in columns:
        if col.value_map and col.value_map not in value_maps:
            raise InputFileError(f"mapping {origin}: value map {col.value_map!r} is not defined")
    return Mapping(
        name=str(raw.get("name", origin)),
        description=str(raw.get("description", "")),
        columns=tuple(columns),
        value_maps=value_maps,
        date_formats=_as_tuple(raw.get("date_formats", ("%d/%m/%Y",))),
        time_formats=_as_tuple(raw.get("time_formats", ("%H:%M",))),
        sheet=raw.get("sheet"),
        encoding=str(raw.get("encoding", "utf-8-sig")),
        default_district=raw.get("default_district"),
        ignore=_as_tuple(raw.get("ignore") or ()),
    )


def builtin_mappings() -> list[str]:
    """Names of the mappings shipped with nervecentre."""
    folder = resources.files("nervecentre.imports").joinpath("mappings")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_mapping(name_or_path: str | Path = "demo-register") -> Mapping:
    """Load a shipped mapping by name, or a mapping file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputFileError(f"cannot read mapping {path}: {exc}") from None
        origin = str(path)
    else:
        resource = resources.files("nervecentre.imports").joinpath(f"mappings/{name_or_path}.yaml")
        if not resource.is_file():
            known = ", ".join(builtin_mappings())
            raise InputFileError(f"no mapping named {name_or_path!r} (shipped: {known})")
        text, origin = resource.read_text(encoding="utf-8"), str(name_or_path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputFileError(f"mapping {origin} is not valid YAML: {exc}") from None
    return parse_mapping(raw, origin)
