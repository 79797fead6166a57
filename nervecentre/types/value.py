"""The Value record every normaliser returns, and the base class of the value types."""

from __future__ import annotations

import abc
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from nervecentre.errors import InvalidValue

# One cell, one identifier: anything longer is a pasted document, not a value, and capping it
# keeps a 1 MB cell from costing regex or big-integer time.
MAX_LENGTH = 2048

# Zero-width and bidi-control characters hide inside copied identifiers (and in phishing text).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff"),
    None,
)


class Extra(Mapping[str, str]):
    """An immutable, hashable and picklable str-to-str mapping, used for `Value.extra`."""

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._data: dict[str, str] = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[type[Extra], tuple[dict[str, str]]]:
        return (Extra, (self._data,))


@dataclass(frozen=True, slots=True)
class Value:
    """A normalised identifier: `(kind, value)` is its unique key; `display` is for people."""

    kind: str
    value: str
    display: str = field(hash=False)
    extra: Mapping[str, str] = field(default_factory=Extra, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.extra, Extra):
            object.__setattr__(self, "extra", Extra(self.extra))

    def __reduce__(self) -> tuple[type[Value], tuple[str, str, str, Mapping[str, str]]]:
        # Constructor arguments unpickle faster than the slots protocol (parallel imports).
        return Value, (self.kind, self.value, self.display, self.extra)

    def __str__(self) -> str:
        return self.value


def quote(text: str, limit: int = 60) -> str:
    """Render user input for an error message, shortened so a long cell stays readable."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "'" + text + "'"


def fold_unicode(text: str) -> str:
    """Fold look-alike characters: full-width forms, non-ASCII digits (e.g. Devanagari) to ASCII."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text
    )


class ValueType(abc.ABC):
    """One kind of identifier: how to recognise it cheaply and how to clean it canonically."""

    name: ClassVar[str]
    label: ClassVar[str]
    hints: ClassVar[frozenset[str]] = frozenset()
    # URLs keep their path byte-for-byte, so only they opt out of Unicode folding.
    folds_unicode: ClassVar[bool] = True

    def clean(self, raw: str, **hints: str) -> Value:
        """Return the canonical Value for `raw`, or raise InvalidValue saying what is wrong."""
        unknown = hints.keys() - self.hints
        if unknown:
            allowed = ", ".join(sorted(self.hints)) or "none"
            raise TypeError(f"{self.name} takes no hint {sorted(unknown)}; allowed: {allowed}")
        return self.parse(self.prepare(raw), {k: v for k, v in hints.items() if v})

    @abc.abstractmethod
    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        """Clean text already stripped, length-checked and Unicode-folded."""

    @abc.abstractmethod
    def looks_like(self, raw: str) -> bool:
        """A cheap shape test used by `detect` before trying the full `clean`."""

    def prepare(self, raw: object) -> str:
        """Common guards: missing, non-text, over-long or blank input; Unicode folding."""
        if raw is None:
            raise self.invalid(f"no {self.label} given (the value is empty)", raw)
        # Spreadsheet readers hand over whole numbers as int; floats would have lost digits.
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise self.invalid(f"{self.label} must be text, not {type(raw).__name__}", raw)
        text = str(raw)
        if len(text) > MAX_LENGTH:
            raise self.invalid(
                f"{self.label} is {len(text):,} characters long; the limit is {MAX_LENGTH:,}, "
                "so this cannot be a single identifier",
                text[:100],
            )
        if not text.isascii():
            text = fold_unicode(text) if self.folds_unicode else text.translate(_INVISIBLE)
        text = text.strip()
        if not text:
            raise self.invalid(f"{self.label} is empty", raw)
        return text

    def invalid(self, message: str, value: object) -> InvalidValue:
        """An InvalidValue tagged with this kind."""
        return InvalidValue(message, kind=self.name, value=value)

    def make(self, value: str, display: str | None = None, **extra: str) -> Value:
        """Build this kind's Value."""
        return Value(self.name, value, value if display is None else display, Extra(extra))
