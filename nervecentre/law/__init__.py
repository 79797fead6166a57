"""Law: acts, sections, IPC <-> BNS equivalents and crime heads, loaded from ``data/*.yaml``.

The data is declarative (one YAML file per act, plus equivalents and crime heads); this
package only loads it once, indexes it and answers questions about it.
"""

from nervecentre.law.crime_heads import CrimeHead, crime_head, crime_heads
from nervecentre.law.equivalents import (
    Equivalence,
    equivalence_pairs,
    equivalents,
    search_keys,
    search_keys_for,
)
from nervecentre.law.parse import format_sections, parse_section, parse_sections
from nervecentre.law.refs import LAWS, Act, Section, SectionRef
from nervecentre.law.sections import (
    act,
    acts,
    get_section,
    penal_code_for,
    section_tags,
    sections,
)

__all__ = [
    "LAWS",
    "Act",
    "CrimeHead",
    "Equivalence",
    "Section",
    "SectionRef",
    "act",
    "acts",
    "crime_head",
    "crime_heads",
    "equivalence_pairs",
    "equivalents",
    "format_sections",
    "get_section",
    "parse_section",
    "parse_sections",
    "penal_code_for",
    "search_keys",
    "search_keys_for",
    "section_tags",
    "sections",
]
