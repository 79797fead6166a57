"""The value types of the law package: which acts we know, and references to their sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from nervecentre.errors import InvalidValue

#: Acts nervecentre knows, by the short code used everywhere ('ITA' is the IT Act, 2000).
LAWS: tuple[str, ...] = ("IPC", "BNS", "POCSO", "ITA", "ITPA")

# Section numbers are digits with an optional letter suffix ('370', '370A', '376AB', '66E').
_SECTION_RE = re.compile(r"[0-9]{1,4}[A-Z]{0,3}")
# Sub-sections are the texts inside the parentheses, joined by ')(' so that
# f"{section}({subsection})" renders '376(2)(n)' for subsection '2)(n'.
_SUBSECTION_RE = re.compile(r"[0-9a-z]{1,5}(?:\)\([0-9a-z]{1,5})*")


@dataclass(frozen=True, slots=True, order=True)
class SectionRef:
    """A reference to a section of an act, optionally to one of its sub-sections.

    ``str(ref)`` is the display form ('IPC 370(3)'); ``ref.key`` drops the sub-section
    ('IPC 370') and is what searches and equivalences match on.
    """

    law: str
    section: str
    subsection: str = ""

    def __reduce__(self) -> tuple[type[SectionRef], tuple[str, str, str]]:
        # Constructor arguments unpickle faster than the slots protocol (parallel imports).
        return SectionRef, (self.law, self.section, self.subsection)

    def __post_init__(self) -> None:
        if self.law not in LAWS:
            raise InvalidValue(
                f"unknown law {self.law!r}; expected one of {', '.join(LAWS)}",
                kind="law",
                value=self.law,
            )
        if not _SECTION_RE.fullmatch(self.section):
            raise InvalidValue(
                f"{self.section!r} is not a section number like '370' or '66E'",
                kind="section",
                value=self.section,
            )
        if self.subsection and not _SUBSECTION_RE.fullmatch(self.subsection):
            raise InvalidValue(
                f"{self.subsection!r} is not a sub-section like '3' or '2)(n'",
                kind="section",
                value=self.subsection,
            )

    def __str__(self) -> str:
        if self.subsection:
            return f"{self.law} {self.section}({self.subsection})"
        return self.key

    @property
    def key(self) -> str:
        """The section without its sub-section, e.g. 'IPC 370'."""
        return f"{self.law} {self.section}"

    @property
    def base(self) -> SectionRef:
        """The same reference without its sub-section."""
        return SectionRef(self.law, self.section) if self.subsection else self

    def within(self, other: SectionRef) -> bool:
        """Whether this reference falls inside ``other`` (same section, and sub-section if given).

        'IPC 370(4)' is within 'IPC 370' and within itself, but not within 'IPC 370(5)'.
        """
        if self.key != other.key:
            return False
        if not other.subsection:
            return True
        return self.subsection == other.subsection or self.subsection.startswith(
            other.subsection + ")("
        )


@dataclass(frozen=True, slots=True)
class Section:
    """One section of an act as listed in the law data: number, short title and tags."""

    law: str
    section: str
    title: str
    tags: tuple[str, ...]

    @property
    def ref(self) -> SectionRef:
        """The reference to this section."""
        return SectionRef(self.law, self.section)

    @property
    def key(self) -> str:
        """'LAW SECTION', e.g. 'BNS 143'."""
        return f"{self.law} {self.section}"


@dataclass(frozen=True, slots=True)
class Act:
    """An act in the law data: its code (one of LAWS), full name and when it applies."""

    code: str
    name: str
    year: int
    aliases: tuple[str, ...]
    in_force_from: date | None = None
    in_force_until: date | None = None
