"""Looking up acts and sections, and which penal code applies on a date."""

from __future__ import annotations

from datetime import date, datetime

from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.law import _data
from nervecentre.law.refs import LAWS, Act, Section, SectionRef


def act(code: str) -> Act:
    """The act with this code (one of LAWS)."""
    try:
        return _data.acts()[code]
    except KeyError:
        raise InvalidValue(
            f"unknown law {code!r}; expected one of {', '.join(LAWS)}", kind="law", value=code
        ) from None


def acts() -> list[Act]:
    """Every act nervecentre knows, in LAWS order."""
    return list(_data.acts().values())


def get_section(ref: SectionRef) -> Section:
    """The listed section that ``ref`` points into (its sub-section is ignored)."""
    section = _data.sections_by_key().get(ref.key)
    if section is None:
        raise InvalidValue(
            f"{ref.key} is not in nervecentre's list of {act(ref.law).name} sections",
            kind="section",
            value=str(ref),
        )
    return section


def sections(law: str | None = None, *, tag: str | None = None) -> list[Section]:
    """Listed sections, optionally of one law and/or carrying one tag, in data order."""
    if law is not None:
        act(law)
    if tag is not None and tag not in _data.tags():
        raise InvalidValue(f"unknown section tag {tag!r}", kind="tag", value=tag)
    return [
        s
        for s in _data.sections_by_key().values()
        if (law is None or s.law == law) and (tag is None or tag in s.tags)
    ]


def section_tags() -> dict[str, str]:
    """The tag vocabulary sections use: tag -> meaning."""
    return dict(_data.tags())


def penal_code_for(when: date) -> str:
    """'IPC' for offences before the BNS came into force (1 July 2024), else 'BNS'.

    Pass the date of the offence: the Sanhita applies to offences committed on or after
    1 July 2024, whatever the date of the FIR.
    """
    if isinstance(when, datetime):
        when = when.date()
    if not isinstance(when, date):
        raise InvalidValue(f"{when!r} is not a date", kind="date", value=when)
    start = _data.acts()["BNS"].in_force_from
    if start is None:
        raise InputFileError("bns.yaml must declare in_force_from")
    return "IPC" if when < start else "BNS"
