"""The columns of the demo FIR register, in order (docs/register-format.md)."""

from __future__ import annotations

COLUMNS: tuple[str, ...] = (
    "Sr No", "District", "Police Station", "Unit", "FIR No", "Year", "FIR Date", "FIR Time",
    "Info Received", "Info Mode", "Occurrence From", "Occurrence To", "Place of Occurrence",
    "Sections", "Crime Head", "Status", "IO", "Brief Facts", "Accused", "Victims",
    "Complainant", "Witnesses", "Arrests", "Rescue", "Route", "Identifiers", "Related FIRs",
    "Next Hearing", "Verdict Date",
)  # fmt: skip
#: Column name -> 0-based position.
COLUMN: dict[str, int] = {name: i for i, name in enumerate(COLUMNS)}
