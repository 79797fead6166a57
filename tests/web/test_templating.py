"""The template filters: counts are written with the right form of their noun."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from nervecentre.web.templating import TEMPLATES, environment, pluralise

SignedIn = Callable[[str], tuple[TestClient, str]]


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 cases"), (1, "1 case"), (2, "2 cases"), (1234, "1,234 cases"), (-1, "-1 cases")],
)
def test_pluralise_writes_the_count_and_the_noun(count: int, expected: str) -> None:
    assert pluralise(count, "case") == expected


def test_pluralise_takes_an_irregular_plural_and_can_leave_the_count_out() -> None:
    assert pluralise(1, "person", "people") == "1 person"
    assert pluralise(3, "person", "people") == "3 people"
    assert pluralise(1, "entry", "entries", with_count=False) == "entry"
    assert pluralise(12, "entry", "entries", with_count=False) == "entries"
    assert pluralise(None, "case") == ""


def test_templates_use_it_as_a_filter() -> None:
    template = environment().from_string("{{ n | pluralise('case') }}: {{ m | pluralise('x') }}")
    assert template.render(n=1, m=2) == "1 case: 2 xs"


# A count followed by a plural noun, written by hand: "1 cases", "1 rows", "1 entries".
_ONE_PLURAL = re.compile(r"(?<![\d,.])1 (?:<[^>]+>)*(cases|rows|entries|people|fields|units)\b")


def test_a_single_case_is_one_case_on_the_dashboard_and_the_case_list(
    signed_in: SignedIn,
) -> None:
    client, _csrf = signed_in("inv")  # sees one case: Shahapur's
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert _ONE_PLURAL.findall(dashboard.text) == []
    assert "the 1 case you may see" in dashboard.text
    one = r"<title>\d{4}-\d{2}: 1 case registered, \d+ (?:person|people) rescued</title>"
    assert re.search(one, dashboard.text)
    listing = client.get("/cases")
    assert listing.status_code == 200 and ">1 case<" not in listing.text
    assert _ONE_PLURAL.findall(listing.text) == []


# A count written by hand before a plural noun ("{{ n | number }} cases", "<b>{{ n }}</b> rows"),
# or a hand-made plural ("case{{ '' if n == 1 else 's' }}"): both say "1 cases" one day.
_HAND_PLURAL = re.compile(
    r"\|\s*(?:number|length)\s*\}\}(?:\s*</b>)?\s+[a-z]+s\b"
    r"|else\s*[\"']s[\"']"
)


def test_no_template_pluralises_by_hand() -> None:
    found = [
        f"{path.name}:{n}: {line.strip()[:120]}"
        for path in sorted(TEMPLATES.glob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _HAND_PLURAL.search(line)
    ]
    assert found == [], "use the pluralise filter:\n" + "\n".join(found)


def test_only_the_page_header_wears_the_header_class() -> None:
    """The dashboard's panels once shared the header's class, and its white-on-brand text."""
    wearing = [
        path.name
        for path in sorted(TEMPLATES.glob("*.html"))
        if re.search(r'class="[^"]*\bmasthead\b', path.read_text(encoding="utf-8"))
    ]
    assert wearing == ["base.html"]
