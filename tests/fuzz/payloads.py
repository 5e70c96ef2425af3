"""Hostile form data built from an endpoint's real field names (hypothesis strategies)."""

import re

from hypothesis import strategies as st

HUGE = 200_000
# Repeated to build huge strings cheaply: ASCII, accents, RTL, combining marks, emoji, joiners.
FILLERS = [
    "a", "é", "\U0001d518", "\u202eevil", "שלום", "مرحبا", "e\u0301\u0302", "🍌",
    "👩\u200d👩\u200d👧", "\ufeff", " ",
]  # fmt: skip
SPECIAL_TEXT = [
    "", " ", "\x00", "a\x00b", "\r\n", "\t", "\u200b", "\u202e", "\U0010ffff", "null", "None",
    "undefined", "true", "[]", "{}", "<b>x</b>", "javascript:alert(1)", "' OR 1=1 --", "%s%n",
    "{{ 7*7 }}", "../../etc/passwd", "https://example.com/" + "a" * 3000,
]  # fmt: skip
NUMBERS = [
    "0", "-0", "1", "-1", "0.5", "1e308", "-1e308", "1e309", "nan", "NaN", "inf", "-inf",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "2147483648", "1" * 5000, "0x10", "1_000", "1e-400",
    "\uff11\uff12", "²", "①",
]  # fmt: skip
DATES = [
    "0001-01-01", "9999-12-31", "2026-02-30", "2026-13-45T99:99", "0001-01-01T00:00",
    "9999-12-31T23:59", "10000-01-01", "2026-11-30T09:00", "2026-11-30", "yesterday", "0",
    "2026-W48", "2026-W54", "9999-W52", "0001-W01", "9999-12", "0001-01", "2026-11",
]  # fmt: skip
IDS = ["0", "-1", "9223372036854775808", "abc", "1.5", "1e3", " 1", "1 ", "²", "-³"]
EXTRA_NAMES = [
    "id", "pk", "status", "is_staff", "is_superuser", "created_by", "version", "present",
    "next", "csrfmiddlewaretoken", "\x00", "a" * 300, "é", "body", "summary-body",
    "impact-customers_affected", "decision", "weight",
]  # fmt: skip
# Numbers put into a real field's name: why_3 becomes why_21, why_², why_999…
NAME_NUMBERS = ["0", "21", "²", "①", "9" * 30, "9" * 5000]


def huge_text() -> st.SearchStrategy[str]:
    """Up to HUGE bytes of UTF-8."""
    return st.builds(lambda unit, size: unit * (size // len(unit.encode())),
                     st.sampled_from(FILLERS), st.integers(1_000, HUGE))  # fmt: skip


def unicode_text() -> st.SearchStrategy[str]:
    # Surrogates cannot be encoded into a request; everything else can.
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


def value(shown: list[str]) -> st.SearchStrategy[str]:
    """One value for a field: what the page showed (to get past validation) or something bad."""
    choices = [
        st.sampled_from(SPECIAL_TEXT),
        st.sampled_from(NUMBERS),
        st.sampled_from(DATES),
        st.sampled_from(IDS),
        st.integers(1, 60).map(str),  # rows that exist, often someone else's
        unicode_text(),
        huge_text(),
    ]
    if shown:
        choices = [st.sampled_from(shown)] * 3 + choices
    return st.one_of(*choices)


def field_values(shown: list[str]) -> st.SearchStrategy[list[str] | None]:
    """None (the field is left out), one value, or several (a list where one is expected)."""
    return st.one_of(
        st.none(),
        value(shown).map(lambda v: [v]),
        value(shown).map(lambda v: [v]),
        st.lists(value(shown), min_size=2, max_size=3),
    )


# What a person would type into an empty box of each kind.
TYPED = {
    "text": "Bananas ran out", "textarea": "Bananas ran out at the EU stand.",
    "date": "2026-12-31", "datetime-local": "2026-11-30T09:00", "number": "1",
    "url": "https://dashboards.example.com/bananas", "email": "ops@example.com", "search": "banana",
}  # fmt: skip


def _typed(kind: str, shown: list[str]) -> str:
    return next((value for value in shown if value), TYPED.get(kind, ""))


@st.composite
def form_data(draw, fields: dict[str, dict[str, None]], kinds: dict[str, str]):
    """Data for a form with these field names, as {name: [values]}. Half the time it is the
    form filled in as a person would, with up to two fields made hostile (so validation is
    passed and the service is reached); otherwise every field is hostile, left out or
    repeated. Either way a couple of fields the form does not have may come along."""
    names = sorted(fields)
    if draw(st.booleans()):
        data = {name: [_typed(kinds.get(name, "text"), list(fields[name]))] for name in names}
        spoilt = draw(st.lists(st.sampled_from(names), max_size=2, unique=True)) if names else []
    else:
        data, spoilt = {}, names
    for name in spoilt:
        data.pop(name, None)
        values = draw(field_values(list(fields[name])))
        if values is not None:
            data[name] = values
    for name in draw(st.lists(extra_name(names), max_size=2)):
        data.setdefault(name, [draw(value([]))])
    return data


def extra_name(names: list[str]) -> st.SearchStrategy[str]:
    """A field the form does not have: a usual suspect, noise, or a real name renumbered."""
    strategies = [st.sampled_from(EXTRA_NAMES), unicode_text()]
    numbered = [name for name in names if re.search(r"\d", name)]
    if numbered:
        renumber = st.builds(
            lambda name, number: re.sub(r"\d+", number, name),
            st.sampled_from(numbered),
            st.sampled_from(NAME_NUMBERS),
        )
        strategies.append(renumber)
    return st.one_of(*strategies)
