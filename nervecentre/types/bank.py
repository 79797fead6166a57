"""Indian bank accounts: an account number and, when known, the branch IFSC."""

from __future__ import annotations

import re
from collections.abc import Mapping

from nervecentre.types.value import Value, ValueType, quote

IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
# Anything IFSC-shaped (4 letters + 7 characters) so a mistyped IFSC is reported, not ignored.
_IFSC_LIKE = re.compile(r"(?<![A-Z0-9])([A-Z]{4}[A-Z0-9]{7})(?![A-Z0-9])")
_LABELS = re.compile(
    r"\b(?:A\s*/\s*C|ACC(?:OUN)?T?|AC|IFSC|CODE|NO|NUMBER|NUM|BANK)\b\.?", re.IGNORECASE
)
_SEPARATORS = re.compile(r"[/,;|:()\[\]]")
_GROUP = re.compile(r"^[\d\s.\-]*$")


class BankAccountType(ValueType):
    """Bank accounts, canonical `IFSC:ACCOUNT`, or `:ACCOUNT` when the IFSC is not known.

    The leading colon keeps one shape for the key; the same account seen with and without an
    IFSC stays two keys here and is linked by entity resolution on the account part.
    """

    name = "bank_account"
    label = "bank account"
    hints = frozenset({"ifsc"})

    def looks_like(self, raw: str) -> bool:
        # Without an IFSC a bare 9-18 digit number is as likely a phone or an ID number.
        upper = raw.upper()
        digits = sum(c.isdigit() for c in upper)  # at least 9 + the IFSC's 0
        return digits >= 10 and _IFSC_LIKE.search(upper) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        body = _LABELS.sub(" ", text.upper())
        ifscs = _IFSC_LIKE.findall(body)
        if len(ifscs) > 1:
            raise self.invalid(f"bank account {quote(text)} has more than one IFSC", text)
        ifsc = ifscs[0] if ifscs else None
        if ifsc is not None:
            body = body.replace(ifsc, " ")
        hinted = hints.get("ifsc", "").strip().upper() or None
        if hinted is not None:
            if ifsc is not None and ifsc != hinted:
                raise self.invalid(
                    f"bank account {quote(text)} names IFSC {ifsc} but {hinted} was given", text
                )
            ifsc = hinted
        if ifsc is not None:
            self._check_ifsc(ifsc, text)
        groups = [g.strip() for g in _SEPARATORS.split(body) if g.strip()]
        if not groups:
            raise self.invalid(f"bank account {quote(text)} has no account number", text)
        if not all(_GROUP.match(group) for group in groups):
            raise self.invalid(
                f"bank account {quote(text)} has letters or symbols that are neither the account "
                "number nor a well-formed IFSC",
                text,
            )
        if len(groups) > 1:
            raise self.invalid(
                f"bank account {quote(text)} holds more than one number; give one account", text
            )
        account = "".join(c for c in groups[0] if c.isdigit())
        if not 9 <= len(account) <= 18:
            raise self.invalid(
                f"bank account number {quote(account)} has {len(account)} digits; Indian account "
                "numbers have 9 to 18",
                text,
            )
        if not account.strip("0"):
            raise self.invalid(f"bank account number {quote(account)} is all zeros", text)
        if ifsc is None:
            return self.make(f":{account}", f"A/c {account}", account=account)
        return self.make(
            f"{ifsc}:{account}",
            f"A/c {account} (IFSC {ifsc})",
            account=account,
            ifsc=ifsc,
            bank=ifsc[:4],
        )

    def _check_ifsc(self, ifsc: str, text: str) -> None:
        if IFSC.match(ifsc):
            return
        if len(ifsc) == 11 and ifsc[:4].isalpha() and ifsc[4] != "0":
            reason = "its fifth character must be the digit 0"
        else:
            reason = "an IFSC is 4 letters, the digit 0, then 6 letters or digits"
        raise self.invalid(f"IFSC {quote(ifsc)} in {quote(text)} is not valid: {reason}", text)
