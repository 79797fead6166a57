"""Free text: control characters are refused in every field, and reasons must say something."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types.text import check_text, clean_reason

BAD = ["a\x00b", "\x1b[31mred", "a\x7fb", "a\x85b", "a\ud800b", "a\x0bb", "line\u2028sep"]


@pytest.mark.parametrize("text", BAD)
def test_control_characters_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidValue, match="Brief facts contains control characters") as caught:
        check_text(text, "Brief facts")
    assert caught.value.kind is None or isinstance(caught.value.kind, str)


@pytest.mark.parametrize(
    "text",
    ["", "Mohd. Salim Shaikh", "रीना दास", "ശ്രീ\u200dകുമാർ", "née Ölçer", "tab\tand\nlines\r\n"],
)
def test_ordinary_text_passes_unchanged(text: str) -> None:
    assert check_text(text, "Name") == text


def test_single_line_fields_refuse_line_breaks_and_tabs() -> None:
    for text in ("two\nlines", "a\tb", "a\rb"):
        with pytest.raises(InvalidValue, match="Name contains control characters"):
            check_text(text, "Name", lines=False)


@pytest.mark.parametrize(
    "reason",
    [
        "\x00" * 10,
        "\u200b" * 12,
        "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202e\u00ad",
        "1234567890",
        "..........",
        "- - - - - - - -",
        "ab" + "\u200b" * 10,
    ],
)
def test_a_reason_needs_real_words(reason: str) -> None:
    with pytest.raises(InvalidValue, match="reason"):
        clean_reason(reason, "revealing a victim's identity")


def test_a_reason_is_kept_as_written_without_invisible_characters() -> None:
    assert clean_reason("  court \u200bsummons\x00 for\n deposition ", "x") == (
        "court summons for deposition"
    )
    assert clean_reason("अदालत का समन, गवाही हेतु", "x") == "अदालत का समन, गवाही हेतु"
