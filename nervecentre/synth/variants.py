"""Writing one true name the way a particular register clerk might: the variant rules.

The rules themselves (spelling groups, slips, shapes, weights) are data in
``data/variants.yaml``; this module only knows how to apply each kind of rule.
"""

from __future__ import annotations

import random

from nervecentre.synth._data import VariantRules, variants
from nervecentre.synth._random import between, pick
from nervecentre.synth.names import Name


def clean(text: str) -> str:
    """Collapse spaces and strip stray punctuation at the ends, as the importer reads a name."""
    return " ".join(text.split()).strip(" ,.-:")


class NameWriter:
    """Renders names, with spelling variants, slips, initials, order and aliases."""

    def __init__(self, rules: VariantRules | None = None) -> None:
        self.rules = rules or variants()

    def _slip(self, rng: random.Random, token: str) -> str:
        """One slip of the pen in a token: a listed rewrite, else nothing."""
        low = token.lower()
        found = [(f, r) for f, r in self.rules.typos if f in low]
        if not found:
            return token
        find, replace = pick(rng, found)
        at = low.find(find)
        out = token[:at] + replace + token[at + len(find) :]
        return out[:1].upper() + out[1:] if out else token

    @staticmethod
    def _transpose(rng: random.Random, token: str) -> str:
        if len(token) < 4 or not token.isalpha():
            return token
        at = between(rng, 1, len(token) - 2)
        return token[:at] + token[at + 1] + token[at] + token[at + 2 :]

    def write(self, rng: random.Random, name: Name) -> str:
        """One written form of ``name``: 'Md Salim Shaikh', 'SHAIKH SALIM', 'R. K. Patil'."""
        r = self.rules
        rnd = rng.random
        groups, spelling = r.groups, r.spelling
        parts = [name.prefix, name.given, name.middle, name.surname]
        for i, token in enumerate(parts):
            group = groups.get(token) if token else None
            if group is not None and rnd() < spelling:
                parts[i] = group[int(rnd() * len(group))]
        prefix, given, middle, surname = parts
        roll = rnd()
        if roll < r.typo:
            if rnd() < 0.5:
                surname = self._slip(rng, surname)
            else:
                given = self._slip(rng, given)
        elif roll < r.typo + r.transpose:
            surname = self._transpose(rng, surname)
        shape = r.shapes.pick(rng)
        if shape == "full":
            text = " ".join([p for p in (prefix, given, middle, surname) if p])
        elif shape == "initials":
            style = pick(rng, r.initial_styles)
            heads = "".join([style.format(i=t[0]) for t in (prefix, given, middle) if t])
            text = f"{heads.strip()} {surname}"
        elif shape == "given_only_initial":
            text = " ".join([p for p in (prefix, given[0] + ".", middle, surname) if p])
        elif shape == "surname_first":
            keep_middle = middle if rnd() < 0.5 else ""
            text = " ".join([p for p in (surname, prefix, given, keep_middle) if p])
        elif shape == "drop_middle":
            text = " ".join([p for p in (prefix, given, surname) if p])
        else:  # drop_prefix
            text = " ".join([p for p in (given, middle, surname) if p])
        if rnd() < r.upper_case:
            text = text.upper()
        return clean(text)

    def aliases(self, rng: random.Random, aliases: tuple[str, ...], upper: bool) -> list[str]:
        """The aliases this case mentions (often none)."""
        if not aliases or rng.random() >= self.rules.alias:
            return []
        count = 2 if len(aliases) > 1 and rng.random() < self.rules.alias_two else 1
        chosen = list(aliases[:count]) if count == 2 else [pick(rng, aliases)]
        return [a.upper() for a in chosen] if upper else chosen
