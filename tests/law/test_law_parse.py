"""Reading section references from register cells, including hostile ones."""

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.law import SectionRef, crime_heads, format_sections, parse_section, parse_sections


def refs(text: str) -> list[str]:
    return [str(r) for r in parse_sections(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IPC 370(3)", "IPC 370(3)"),
        ("u/s 370 IPC", "IPC 370"),
        ("Sec. 66-E IT Act", "ITA 66E"),
        ("BNS 143", "BNS 143"),
        ("ITPA 4", "ITPA 4"),
        ("POCSO Act sec 14", "POCSO 14"),
        ("pocso act, 2012 s. 15", "POCSO 15"),
        ("I.P.C. 376 (2)(n)", "IPC 376(2)(n)"),
        ("IPC370", "IPC 370"),
        ("Section 67-B of the Information Technology Act, 2000", "ITA 67B"),
        ("PITA 5", "ITPA 5"),
        ("Immoral Traffic (Prevention) Act, 1956 sec 3", "ITPA 3"),
        ("भादंवि कलम ३७०", "IPC 370"),
        ("bns 308 (2)", "BNS 308(2)"),
    ],
)
def test_single_section(text: str, expected: str) -> None:
    assert str(parse_section(text)) == expected


def test_default_law_applies_to_bare_numbers() -> None:
    assert parse_section("370A", default_law="IPC") == SectionRef("IPC", "370A")
    assert parse_section("370A", default_law="Indian Penal Code") == SectionRef("IPC", "370A")
    assert parse_section("67B", default_law="it act") == SectionRef("ITA", "67B")
    # A law named in the cell wins over the default.
    assert parse_section("ITPA 5", default_law="IPC") == SectionRef("ITPA", "5")
    with pytest.raises(InvalidValue, match="unknown law"):
        parse_section("370", default_law="CrPC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IPC 370, 370A, 34; ITPA 3,4,5",
         ["IPC 370", "IPC 370A", "IPC 34", "ITPA 3", "ITPA 4", "ITPA 5"]),
        ("370,372 IPC r/w 34", ["IPC 370", "IPC 372", "IPC 34"]),
        ("u/s 143(2), 144 BNS & 67B IT Act", ["BNS 143(2)", "BNS 144", "ITA 67B"]),
        ("363, 366A and 376 IPC", ["IPC 363", "IPC 366A", "IPC 376"]),
        ("IPC 363, 366A and 376", ["IPC 363", "IPC 366A", "IPC 376"]),
        ("3,4,5 ITPA and 370 IPC", ["ITPA 3", "ITPA 4", "ITPA 5", "IPC 370"]),
        ("IPC 370 ITPA 3 4", ["IPC 370", "ITPA 3", "ITPA 4"]),
        ("370 IPC 3 ITPA", ["IPC 370", "ITPA 3"]),
        ("IPC 383-389", [f"IPC {n}" for n in range(383, 390)]),
        ("ITPA 3 to 7", ["ITPA 3", "ITPA 4", "ITPA 5", "ITPA 6", "ITPA 7"]),
        ("IPC 370, 370, 370 r/w 34, 34", ["IPC 370", "IPC 34"]),
        ("IPC 370(4), 370", ["IPC 370(4)", "IPC 370"]),
        ("I.T.P.A. 3,4 & I.P.C. 370 (IPC)", ["ITPA 3", "ITPA 4", "IPC 370"]),
        ("IPC 370 and 4 and 5 ITPA", ["IPC 370", "ITPA 4", "ITPA 5"]),
        ("IPC 384 / IT Act 66E, 67A", ["IPC 384", "ITA 66E", "ITA 67A"]),
        ("POCSO 4, 6\nIPC 376(3)", ["POCSO 4", "POCSO 6", "IPC 376(3)"]),
    ],
)  # fmt: skip
def test_register_cells(text: str, expected: list[str]) -> None:
    assert refs(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no section given"),
        ("   ", "no section given"),
        (" ;, & ", "no section given"),
        ("???", "could not read"),
        ("IPC 99999", "99999 is not a section number"),
        ("'; DROP TABLE cases; --", "could not read"),
        ("<script>alert(1)</script>", "could not read"),
        ("x" * 5000, "5000 characters"),
        ("370", "no act named"),
        ("XYZ 370", "could not read 'XYZ'"),
        ("IPC 66E", "IPC 66E is not in nervecentre's list"),
        ("ITA 66A", "ITA 66A is not in"),
        ("IPC 1-500", "not a usable range"),
        ("IPC 370 trafficking", "could not read 'trafficking'"),
        ("IPC 370 ™", "could not read"),
        ("IPC 354 D", "could not read 'D'"),
        ("IPC 370, 372; ITPA", "ITPA is named without a section"),
        ("IPC ITPA 3", "IPC is named without a section"),
        ("ipc " * 120, "IPC is named without a section"),
    ],
)
def test_bad_cells_raise_clear_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message) as info:
        parse_sections(text)
    assert info.value.kind == "section"


@pytest.mark.parametrize(
    "text",
    ["(" * 499, "1" * 499, "ipc " * 120, "370(" * 120, "i.p.c." * 80, "-" * 499, "u/s " * 120],
)
def test_pathological_cells_fail_fast(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_sections(text)


def test_not_text_is_refused() -> None:
    with pytest.raises(InvalidValue, match="expected text"):
        parse_sections(370)  # type: ignore[arg-type]


def test_parse_section_wants_exactly_one() -> None:
    with pytest.raises(InvalidValue, match="expected one section, found 2"):
        parse_section("IPC 370, 372")


def test_format_round_trips() -> None:
    for head in crime_heads():
        cell = format_sections(head.sections)
        assert parse_sections(cell) == list(head.sections), cell
    assert (
        format_sections(parse_sections("370,372 IPC r/w 34; ITPA 5")) == "IPC 370, 372, 34; ITPA 5"
    )
