"""detect()'s shortcut for bare phone numbers gives exactly what the full detection gives."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from nervecentre.errors import InvalidValue
from nervecentre.types.registry import _detect_cached, detect_slowly

detect_fresh = _detect_cached.__wrapped__  # the shortcut, without the cache


def outcome(detector: object, raw: str) -> tuple[object, ...]:
    try:
        value = detector(raw)  # type: ignore[operator]
    except InvalidValue as exc:
        return ("refused", str(exc), exc.kind)
    return (value.kind, value.value, value.display, tuple(sorted(value.extra.items())))


def agree(raw: str) -> tuple[object, ...]:
    fast = outcome(detect_fresh, raw)
    assert fast == outcome(detect_slowly, raw), raw
    return fast


def luhn_complete(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


@settings(max_examples=4000, deadline=None)
@given(st.text(alphabet="0123456789 -+", min_size=1, max_size=28))
def test_any_text_of_digits_spaces_hyphens_and_plus(raw: str) -> None:
    agree(raw)


@settings(max_examples=2000, deadline=None)
@given(
    st.integers(min_value=1_000_000_000, max_value=9_999_999_999),
    st.sampled_from(
        [
            "{n}", "0{n}", "+91{n}", "+91 {a} {b}", "91-{n}", "0091 {n}", "0{a}-{b}", "91{n}",
            "+91-{n}", "{a} {b}", "{a}-{b}", "+{n}", "00{n}", "+910{n}", "+91  {a}  {b}",
            "+91 {a}{b}0", "{n}0000", "{a}", "+44 {a} {b}", "+1 {n}", "0091-{a}-{b}",
        ]
    ),
)  # fmt: skip
def test_generated_numbers_in_the_shapes_registers_use(number: int, fmt: str) -> None:
    n = str(number)
    agree(fmt.format(n=n, a=n[:5], b=n[5:]))


def test_hostile_and_edge_cases() -> None:
    rng = random.Random(17)
    cases = [
        "98765 43210", "+91 98765 43210", "098765-43210", "0091-98765-43210", "9876543210",
        "+919876543210", "+9198765 43210", "2223456789", "022-2345-6789", "+44 20 7946 0958",
        "+1 212 555 0100", "+-9876543210", "++919876543210", "9876543210+", "98765+43210",
        "-9876543210", "9876543210-", "98765--43210", "1234567", "123456", "000000000000",
        "0000000000", "5555555555", "+0 98765 43210", "+999 98765 43210",
        "98765 43210 98765", "9876543210 9876543210", "+91 98765 4321", "+91 98765 432109",
        "१२३४५६७८९०", "９８７６５４３２１０", "98765\u00a043210", "98765\t43210", " 9876543210",
        "9876543210 ", "98765 43210\n", "(+91) 98765 43210", "98765.43210", "Mob: 9876543210",
        "+91 (0) 98765-43210", "9876543210/11",
    ]  # fmt: skip
    # 15 digits: an IMEI when its Luhn digit is right, whatever the separators.
    for _ in range(200):
        body = "".join(rng.choice("0123456789") for _ in range(14))
        imei = luhn_complete(body)
        cases += [imei, f"{imei[:6]}-{imei[6:8]}-{imei[8:14]}-{imei[14]}", f"+{imei}"]
        cases.append(imei[:-1] + str((int(imei[-1]) + 1) % 10))  # a wrong check digit
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 17)))
        cut = rng.randint(0, len(digits))
        sep = rng.choice(["", " ", "-", "  ", " - "])
        cases.append(rng.choice(["", "+", "0", "+91", "91"]) + digits[:cut] + sep + digits[cut:])
    kinds = {agree(raw)[0] for raw in cases}
    assert {"phone", "imei", "refused"} <= kinds  # every branch was taken


def test_the_shortcut_keeps_the_reasons() -> None:
    refused = agree("+91 98765 4321")
    assert refused[0] == "refused" and "+91" in str(refused[1])
    assert agree("98765 43210")[:3] == ("phone", "+919876543210", "+91 98765 43210")
