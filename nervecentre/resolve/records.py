"""Person records as resolution reads them, and the file mode's CSV in and out.

A :class:`PersonRecord` is one source record, already normalised: names parsed, phones in
E.164 through the registry's own phone type (one normalisation per value type), e-mails
lower-cased, a birth year where a date of birth or an age and a reference date give one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nervecentre.errors import InputFileError
from nervecentre.resolve.names import ParsedName, parse_name, split_aliases, to_latin
from nervecentre.types.registry import try_normalise

COLUMNS = (
    "record_id",
    "name",
    "aliases",
    "father_name",
    "gender",
    "age",
    "dob",
    "phones",
    "emails",
    "address",
    "district",
    "state",
    "source",
)
REQUIRED = ("record_id", "name")
GENDERS = {"m": "M", "male": "M", "f": "F", "female": "F", "t": "T", "transgender": "T"}
MAX_FIELD = 10_000
MAX_AGE = 120


@dataclass(slots=True)
class PersonRecord:
    """One source person record, normalised for comparison."""

    record_id: str
    names: tuple[ParsedName, ...]
    father: ParsedName | None = None
    gender: str = ""
    birth_year: int | None = None
    dob: date | None = None
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    address: frozenset[str] = frozenset()
    district: str = ""
    state: str = ""
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> ParsedName:
        """The main name (the first one written)."""
        return self.names[0]


def _phones(raw: Iterable[str]) -> frozenset[str]:
    out = set()
    for text in raw:
        value = try_normalise("phone", text)
        if value is not None:
            out.add(value.value)
        else:
            digits = "".join(ch for ch in text if ch.isdigit())
            if len(digits) >= 6:
                out.add(digits[-10:])
    return frozenset(out)


def _address_tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in to_latin(text).replace(",", " ").split() if len(t) > 1)


def build_record(
    record_id: str,
    name: str,
    *,
    aliases: Sequence[str] = (),
    father_name: str = "",
    gender: str = "",
    birth_year: int | None = None,
    dob: date | None = None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    address: str = "",
    district: str = "",
    state: str = "",
    source: str = "",
) -> PersonRecord:
    """A normalised record from raw fields (registry or file); aliases inside ``name`` too."""
    written = split_aliases(name) + [a for alias in aliases for a in split_aliases(alias)]
    parsed = [p for p in (parse_name(w) for w in written) if p]
    if not parsed:
        parsed = [parse_name(name)]
    if dob is not None:
        birth_year = dob.year
    father = parse_name(father_name) if father_name.strip() else None
    return PersonRecord(
        record_id=record_id,
        names=tuple(dict.fromkeys(parsed)),
        father=father if father else None,
        gender=gender,
        birth_year=birth_year,
        dob=dob,
        phones=_phones(phones),
        emails=frozenset(e.strip().casefold() for e in emails if "@" in e),
        address=_address_tokens(address),
        district=to_latin(district).strip(),
        state=to_latin(state).strip(),
        source=source,
    )


def _split(cell: str) -> list[str]:
    return [p.strip() for p in cell.split(";") if p.strip()]


def _row_record(row: dict[str, str], line: int, today: date) -> PersonRecord:
    def bad(column: str, why: str) -> InputFileError:
        return InputFileError(f"row {line}, column {column}: {why}")

    for column in REQUIRED:
        if not row.get(column, "").strip():
            raise bad(column, "is empty; every record needs one")
    for column, value in row.items():
        if value and len(value) > MAX_FIELD:
            raise bad(column or "?", f"is {len(value):,} characters long (at most {MAX_FIELD:,})")
        if value and "\x00" in value:
            raise bad(column or "?", "holds a NUL character")
    gender_raw = row.get("gender", "").strip().casefold()
    if gender_raw and gender_raw not in GENDERS:
        raise bad("gender", f"{row['gender']!r} is not M, F, T or empty")
    dob = None
    if dob_raw := row.get("dob", "").strip():
        try:
            dob = date.fromisoformat(dob_raw)
        except ValueError:
            raise bad("dob", f"{dob_raw!r} is not a date written YYYY-MM-DD") from None
        if dob > today:
            raise bad("dob", f"{dob_raw} is in the future")
    birth_year = None
    if age_raw := row.get("age", "").strip():
        if not age_raw.isdigit() or int(age_raw) > MAX_AGE:
            raise bad("age", f"{age_raw!r} is not a whole number of years from 0 to {MAX_AGE}")
        birth_year = today.year - int(age_raw)
    return build_record(
        row["record_id"].strip(),
        row["name"],
        aliases=_split(row.get("aliases", "")),
        father_name=row.get("father_name", ""),
        gender=GENDERS.get(gender_raw, ""),
        birth_year=birth_year,
        dob=dob,
        phones=_split(row.get("phones", "")),
        emails=_split(row.get("emails", "")),
        address=row.get("address", ""),
        district=row.get("district", ""),
        state=row.get("state", ""),
        source=row.get("source", "").strip(),
    )


def _decode(data: bytes, path: Path) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputFileError(f"{path.name} is not valid UTF-16 text") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"{path.name}: line {line} is not UTF-8 text (save the file as CSV UTF-8)"
        ) from None


def read_records(path: Path, *, today: date | None = None) -> list[PersonRecord]:
    """Read and validate a file-mode CSV; InputFileError naming the row on the first fault."""
    today = today or date.today()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\x00" in data[:4096] and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFileError(f"{Path(path).name} is not a text CSV file (it holds binary data)")
    reader = csv.DictReader(io.StringIO(_decode(data, Path(path)), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputFileError(
            f"{Path(path).name}: the header row lacks {', '.join(missing)} "
            f"(expected columns: {','.join(COLUMNS)})"
        )
    reader.fieldnames = header
    records: list[PersonRecord] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise InputFileError(f"row {line}: more cells than the header has columns")
            clean = {k: (v or "") for k, v in row.items()}
            if not any(v.strip() for v in clean.values()):
                continue
            record = _row_record(clean, line, today)
            if record.record_id in seen:
                raise InputFileError(
                    f"row {line}, column record_id: {record.record_id!r} repeats row "
                    f"{seen[record.record_id]}"
                )
            seen[record.record_id] = line
            records.append(record)
    except csv.Error as exc:
        raise InputFileError(f"{Path(path).name}, line {reader.line_num}: {exc}") from None
    return records


def write_clusters(
    path: Path, records: Sequence[PersonRecord], clusters: Sequence[int], scores: Sequence[float]
) -> None:
    """Write ``record_id,cluster_id,best_score`` (every record once), atomically."""
    target = Path(path)
    temp = target.with_name(f".{target.name}.partial")
    with temp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["record_id", "cluster_id", "best_score"])
        names = {i: records[i].record_id for i in range(len(records))}
        for i, record in enumerate(records):
            best = scores[i]
            writer.writerow([record.record_id, names[clusters[i]], f"{best:.4f}" if best else ""])
    temp.replace(target)
