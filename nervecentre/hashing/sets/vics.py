"""Project VIC / VICS JSON hash lists (1.x ``odata.metadata`` and 2.0 ``@odata.context``).

Real files run to hundreds of megabytes, so they are streamed with ijson: memory stays flat
whatever the size. Both layouts seen in the wild are read: ``value`` holding media objects,
and the 1.3 case export where ``value`` holds cases each with a ``Media`` list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any, Protocol

import ijson
import yaml

from nervecentre.errors import InputFileError
from nervecentre.hashing.sets.records import (
    EntryError,
    HashRecord,
    ImportReport,
    Warnings,
    clean_bool,
    clean_category,
    clean_hex,
    clean_id,
    clean_photodna,
    clean_text,
    finish,
)
from nervecentre.hashing.sets.sniff import open_utf8

CONTEXT_2_0 = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/nervecentre/$metadata#Media"
)
MAX_EXTRA = 64 * 1024
_MEDIA = "value.item"
_CASE_MEDIA = "value.item.Media.item"
# Events showing that the first item of 'value' is not a case with a Media list.
_NOT_A_CASE = {"end_map", "start_array", "string", "number", "boolean", "null"}
_VERSION = re.compile(r"DataModels/(\d+(?:\.\d+)*)")
# Lowercased VICS property -> our field; anything else is kept verbatim in ``extra``.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_FIELDS = {
    "mediaid": "external_id",
    "category": "category",
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "pdq": "pdq",
    "photodna": "photodna",
    "isprecategorized": "precategorized",
    "comments": "description",
    "deleted": "removed",
    "isdeleted": "removed",
}
# The spellings VICS uses, looked up before lowercasing (most files use only these).
_CANONICAL = {
    "MediaID": "external_id",
    "Category": "category",
    "MD5": "md5",
    "SHA1": "sha1",
    "SHA256": "sha256",
    "PDQ": "pdq",
    "PhotoDNA": "photodna",
    "IsPrecategorized": "precategorized",
    "Comments": "description",
    "Deleted": "removed",
    "IsDeleted": "removed",
}


@cache
def categories() -> dict[int, str]:
    """VICS category number -> label, from the declarative category file."""
    text = resources.files(__package__).joinpath("vics_categories.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return {int(k): str(v) for k, v in data["categories"].items()}


def _json_error(exc: Exception, path: Path, entries: int) -> InputFileError:
    if isinstance(exc, UnicodeDecodeError):
        return InputFileError(f"{path}: text after {entries:,} entries is not valid UTF-8")
    raw = exc.args[0] if exc.args else exc
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    first = text.strip().splitlines()[0] if text.strip() else "malformed JSON"
    return InputFileError(f"{path}: not valid VICS JSON after {entries:,} entries: {first}")


def _probe(path: Path) -> tuple[str, str]:
    """(item prefix, VICS version) from the first events of the file."""
    version, seen_value = "", False
    with open_utf8(path) as handle:
        try:
            events = ijson.parse(handle)
            prefix, event, value = next(events)
            if event != "start_map":
                raise InputFileError(
                    f"{path}: not a VICS file: the top level must be an object with a 'value' list"
                )
            for prefix, event, value in events:
                if prefix in ("odata.metadata", "@odata.context") and event == "string":
                    found = _VERSION.search(value)
                    version = found.group(1) if found else ("2.0" if prefix[0] == "@" else "1.x")
                elif prefix == "value" and not seen_value:
                    if event != "start_array":
                        raise InputFileError(f"{path}: not a VICS file: 'value' must be a list")
                    seen_value = True
                elif prefix == "value" and event == "end_array":
                    return _MEDIA, version
                elif prefix == "value.item" and event == "map_key" and value == "Media":
                    return _CASE_MEDIA, version
                elif prefix == "value.item" and event in _NOT_A_CASE:
                    return _MEDIA, version
        except StopIteration:
            pass
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(exc, path, 0) from None
    raise InputFileError(f"{path}: not a VICS file: no 'value' list of media")


def _record(position: int, obj: object, warnings: Warnings) -> HashRecord:
    if not isinstance(obj, dict):
        raise EntryError("entry is not a JSON object")
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in obj.items():
        field = _CANONICAL.get(name) or _FIELDS.get(name.lower())
        if field is None:
            extra[name] = value
        elif value is not None:
            known[field] = value
    get = known.get
    record = HashRecord(
        position,
        "",
        external_id=clean_id(get("external_id"), "MediaID"),
        category=clean_category(get("category")),
        md5=clean_hex(get("md5"), "md5"),
        sha1=clean_hex(get("sha1"), "sha1"),
        sha256=clean_hex(get("sha256"), "sha256") if "sha256" in known else None,
        pdq=clean_hex(get("pdq"), "pdq") if "pdq" in known else None,
        photodna=clean_photodna(get("photodna")) if "photodna" in known else None,
        precategorized=clean_bool(get("precategorized"), "IsPrecategorized"),
        description=clean_text(get("description"), "Comments") if "description" in known else None,
        removed="removed" in known and bool(clean_bool(known["removed"], "Deleted")),
    )
    if record.category is not None and record.category not in categories():
        warnings.add(f"category {record.category} is not a known VICS category; kept as-is")
    if extra:
        text = _encode(extra)
        if len(text) <= MAX_EXTRA:
            record.extra = text
        else:
            warnings.add(f"other VICS fields over {MAX_EXTRA // 1024} KiB were not kept")
    return finish(record)


def read_vics(path: Path, report: ImportReport, warnings: Warnings) -> Iterator[HashRecord]:
    """Stream the valid entries of a VICS file; bad entries go to the report, bad JSON raises."""
    prefix, version = _probe(path)
    report.format_version = f"VICS {version}" if version else "VICS"
    position = 0
    with open_utf8(path) as handle:
        try:
            for obj in ijson.items(handle, prefix, use_float=True):
                position += 1
                try:
                    yield _record(position, obj, warnings)
                except EntryError as exc:
                    report.reject(position, str(exc))
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(exc, path, position) from None
    report.entries_read = position


class ExportRow(Protocol):
    """What the writers need of a stored entry."""

    external_id: str | None
    category: int | None
    md5: str | None
    sha1: str | None
    sha256: str | None
    pdq: str | None
    photodna: str | None
    precategorized: bool | None
    description: str | None
    extra: str | None
    removed_version: int | None


def _media(row: ExportRow) -> dict[str, Any]:
    media: dict[str, Any] = {}
    if row.external_id is not None:
        ident = row.external_id
        media["MediaID"] = int(ident) if ident.isdigit() and str(int(ident)) == ident else ident
    if row.category is not None:
        media["Category"] = row.category
    for name, value in (("MD5", row.md5), ("SHA1", row.sha1), ("SHA256", row.sha256)):
        if value is not None:
            media[name] = value.upper()
    if row.pdq is not None:
        media["PDQ"] = row.pdq
    if row.photodna is not None:
        media["PhotoDNA"] = row.photodna
    if row.precategorized is not None:
        media["IsPrecategorized"] = row.precategorized
    if row.description is not None:
        media["Comments"] = row.description
    if row.extra:
        for name, value in json.loads(row.extra).items():
            media.setdefault(name, value)
    if row.removed_version is not None:
        media["Deleted"] = True
    return media


def write_vics(rows: Iterable[ExportRow], out: IO[str]) -> int:
    """Write entries as a VICS 2.0 document, one media object at a time; returns the count."""
    out.write('{"@odata.context":' + json.dumps(CONTEXT_2_0) + ',"value":[')
    count = 0
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(_media(row), ensure_ascii=False, separators=(",", ":")))
        count += 1
    out.write("\n]}\n")
    return count
