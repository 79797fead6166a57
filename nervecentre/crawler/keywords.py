"""Keyword lists supplied by the authorities, matched case-insensitively on a page's text.

A list is a UTF-8 text file of one keyword or phrase a line; blank lines and lines starting
with ``#`` are skipped. Matching folds case (Unicode case folding, so 'STRASSE' finds
'straße') and treats any run of whitespace as one space, on both sides.
"""

from __future__ import annotations

import re
from pathlib import Path

from nervecentre.errors import InputFileError

_SPACES = re.compile(r"\s+")
MAX_KEYWORDS = 10_000


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


class Keywords:
    """A keyword list, ready to match page text."""

    def __init__(self, keywords: list[str]) -> None:
        folded: dict[str, str] = {}
        for keyword in keywords:
            key = _fold(keyword)
            if key and not key.startswith("#"):
                folded.setdefault(key, keyword.strip())
        self.keywords = folded

    def __len__(self) -> int:
        return len(self.keywords)

    def find(self, text: str) -> list[str]:
        """The keywords (as written in the list) that occur in ``text``, in list order."""
        if not self.keywords or not text:
            return []
        folded = _fold(text)
        return [original for key, original in self.keywords.items() if key in folded]

    @classmethod
    def from_file(cls, path: str | Path) -> Keywords:
        """Read a keyword file; InputFileError when it cannot be read as UTF-8 text."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read keywords {path}: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(f"keywords {path}: not UTF-8 text (save it as UTF-8)") from None
        if "\x00" in text:
            raise InputFileError(f"keywords {path}: not a text file (NUL bytes)")
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_KEYWORDS:
            raise InputFileError(f"keywords {path}: more than {MAX_KEYWORDS:,} lines")
        return cls(lines)
