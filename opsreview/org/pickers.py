"""People, teams and services picked by typing, not from a list of every row.

Each picker is a text box. Without JavaScript the person types a username, full name or email
(people), a slug or name (teams), a name (services), and the form resolves it here; with htmx
the box asks /people/search, /teams/search or /services/search for at most
SUGGESTIONS_MAX matches, shown as an ARIA combobox's listbox (arrow keys, Enter, Escape).
Fields that take several accept a comma-separated list. A bare number is taken as an id when no
name matches, so links and scripts that sent ids keep working.
"""

import re
from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse_lazy

from .fields import MAX_KEY
from .models import Service, Team
from .people import active_people

SUGGESTIONS_MAX = 20
TEXT_MAX = 150  # longer than any username, email, name or slug we store
NAME_WORDS_MAX = 8  # a full name split at each space into first and last name
CHOSEN_MAX = 100  # rows one multiple field takes
SHOWN_MAX = 60  # characters of a typed value quoted back in an error
LISTED_MAX = 5  # matches named in an "several are called" error

WHITESPACE = re.compile(r"\s+")


def _clean_text(text: str) -> str:
    return WHITESPACE.sub(" ", text).strip()


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def _as_key(text: str) -> int | None:
    """A primary key when the text is a number a key column can hold."""
    if text.isdecimal() and text.isascii() and len(text) <= len(str(MAX_KEY)):
        key = int(text)
        return key if 0 < key <= MAX_KEY else None
    return None


@dataclass(frozen=True)
class Lookup:
    """How one kind of row is typed, found and suggested."""

    noun: str  # "person"
    plural: str  # "people"
    not_found: str  # "No active person is called “%(value)s”."
    ambiguous: str  # "… %(count)d … %(value)s … %(names)s"
    placeholder: str
    search_url: str

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def typed(self, row) -> str:
        """What the box shows for a row, and what picking a suggestion types."""
        raise NotImplementedError

    def label(self, row) -> str:
        raise NotImplementedError

    def exact_tiers(self, text: str) -> list[Q]:
        """Exact (case-insensitive) matches, most specific first: the first tier that matches
        anything decides."""
        raise NotImplementedError

    def prefix(self, text: str) -> Q:
        raise NotImplementedError

    def search(self, queryset: QuerySet, text: str) -> list:
        """The first SUGGESTIONS_MAX rows whose name starts with the text (all rows' first
        when nothing is typed yet)."""
        text = _clean_text(text)
        if len(text) > TEXT_MAX or "\x00" in text:  # PostgreSQL refuses NUL in a string
            return []
        matching = queryset.filter(self.prefix(text)) if text else queryset
        return list(matching[:SUGGESTIONS_MAX])


class PersonLookup(Lookup):
    def queryset(self) -> QuerySet:
        return active_people()

    def typed(self, row) -> str:
        return row.get_username()

    def label(self, row) -> str:
        name = row.get_full_name()
        return f"{name} ({row.get_username()})" if name else row.get_username()

    def exact_tiers(self, text: str) -> list[Q]:
        return [Q(username__iexact=text), Q(email__iexact=text), self._full_name(text)]

    @staticmethod
    def _full_name(text: str) -> Q:
        words = text.split(" ")
        if len(words) > NAME_WORDS_MAX:
            return Q(pk__in=[])
        names = Q(first_name__iexact=text, last_name="")
        for i in range(1, len(words)):
            first, last = " ".join(words[:i]), " ".join(words[i:])
            names |= Q(first_name__iexact=first, last_name__iexact=last)
        return names

    def prefix(self, text: str) -> Q:
        match = (
            Q(username__istartswith=text)
            | Q(first_name__istartswith=text)
            | Q(last_name__istartswith=text)
            | Q(email__istartswith=text)
        )
        first, _, last = text.partition(" ")
        if last:
            match |= Q(first_name__iexact=first, last_name__istartswith=last)
        return match


class TeamLookup(Lookup):
    def queryset(self) -> QuerySet:
        return Team.objects.order_by("name")

    def typed(self, row) -> str:
        return row.slug

    def label(self, row) -> str:
        return row.name

    def exact_tiers(self, text: str) -> list[Q]:
        return [Q(slug__iexact=text), Q(name__iexact=text)]

    def prefix(self, text: str) -> Q:
        return Q(name__istartswith=text) | Q(slug__istartswith=text)


class ServiceLookup(Lookup):
    def queryset(self) -> QuerySet:
        return Service.objects.order_by("name")

    def typed(self, row) -> str:
        return row.name

    def label(self, row) -> str:
        return row.name

    def exact_tiers(self, text: str) -> list[Q]:
        return [Q(name__iexact=text)]

    def prefix(self, text: str) -> Q:
        return Q(name__istartswith=text)


PEOPLE = PersonLookup(
    noun="person",
    plural="people",
    not_found="No active person is called “%(value)s”.",
    ambiguous="%(count)s people match “%(value)s”: type the username instead (%(names)s).",
    placeholder="Username, name or email",
    search_url=reverse_lazy("people_search"),
)
TEAMS = TeamLookup(
    noun="team",
    plural="teams",
    not_found="No team is called “%(value)s”.",
    ambiguous="%(count)s teams match “%(value)s”: type the slug instead (%(names)s).",
    placeholder="Team name",
    search_url=reverse_lazy("team_search"),
)
SERVICES = ServiceLookup(
    noun="service",
    plural="services",
    not_found="No service is called “%(value)s”.",
    ambiguous="%(count)s services match “%(value)s” (%(names)s).",
    placeholder="Service name",
    search_url=reverse_lazy("service_search"),
)


class LookupInput(forms.TextInput):
    """A text box whose listbox htmx fills with suggestions as the person types; the
    combobox keys are static/js/picker.js's."""

    template_name = "org/widgets/lookup.html"

    def __init__(self, lookup: Lookup, *, many: bool = False, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.lookup = lookup
        self.many = many

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        query = f"field={name}" + ("&many=1" if self.many else "")
        context["widget"]["search_url"] = f"{self.lookup.search_url}?{query}"
        context["widget"]["list_id"] = f"{context['widget']['attrs'].get('id', name)}-suggestions"
        return context

    def value_from_datadict(self, data, files, name):
        if not self.many or not hasattr(data, "getlist"):
            return super().value_from_datadict(data, files, name)
        # Several values sent under one name (a script's or an old form's) are one list.
        values = data.getlist(name)
        return ", ".join(str(value) for value in values) if values else None


class PickerField(forms.Field):
    """One row, typed: exact match (case-insensitive) first, then a bare id; else a form error
    that says what was not found or asks for the unambiguous name."""

    lookup: Lookup = PEOPLE
    many = False
    default_error_messages = {
        "too_long": f"Type at most {TEXT_MAX} characters.",
    }

    def __init__(
        self,
        *,
        queryset: QuerySet | None = None,
        lookup: Lookup | None = None,
        placeholder: str = "",
        **kwargs,
    ):
        self.lookup = lookup or self.lookup
        self.queryset = self.lookup.queryset() if queryset is None else queryset
        widget = kwargs.pop("widget", None) or LookupInput(self.lookup, many=self.many)
        widget.attrs.setdefault("placeholder", placeholder or self.placeholder())
        super().__init__(widget=widget, **kwargs)
        self.error_messages.setdefault("not_found", self.lookup.not_found)
        self.error_messages.setdefault("ambiguous", self.lookup.ambiguous)

    def placeholder(self) -> str:
        return self.lookup.placeholder

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.queryset = self.queryset.all()
        return result

    # Reading what was typed

    def resolve(self, text: str):
        if len(text) > TEXT_MAX:
            raise forms.ValidationError(self.error_messages["too_long"], code="too_long")
        if "\x00" in text:  # no name holds one, and PostgreSQL refuses it in a query
            return self._by_key(None, text.replace("\x00", "\\x00"))
        for tier in self.lookup.exact_tiers(text):
            rows = list(self.queryset.filter(tier)[: LISTED_MAX + 1])
            if len(rows) == 1:
                return rows[0]
            if rows:
                exact = [row for row in rows if self.lookup.typed(row) == text]
                if len(exact) == 1:
                    return exact[0]
                raise self._ambiguous(text, rows)
        return self._by_key(_as_key(text), text)

    def _ambiguous(self, text: str, rows: list) -> forms.ValidationError:
        names = ", ".join(self.lookup.typed(row) for row in rows[:LISTED_MAX])
        count = f"{LISTED_MAX} or more" if len(rows) > LISTED_MAX else str(len(rows))
        return forms.ValidationError(
            self.error_messages["ambiguous"],
            code="ambiguous",
            params={"value": _shown(text), "count": count, "names": names},
        )

    def to_python(self, value):
        if isinstance(value, self.queryset.model):  # a disabled field's initial row
            value = value.pk
        if isinstance(value, int):
            return self._by_key(value, str(value))
        text = _clean_text(str(value or ""))
        return self.resolve(text) if text else None

    def _by_key(self, key: int | None, text: str):
        row = self.queryset.filter(pk=key).first() if key else None
        if row is None:
            raise forms.ValidationError(
                self.error_messages["not_found"],
                code="not_found",
                params={"value": _shown(text)},
            )
        return row

    # Showing the current choice

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return self._typed(value)

    def _typed(self, value) -> str:
        model = self.queryset.model
        if not isinstance(value, model):
            value = model._default_manager.filter(pk=value).first()
        return self.lookup.typed(value) if value is not None else ""

    def has_changed(self, initial, data) -> bool:
        return (self.prepare_value(initial) or "") != (_clean_text(data or ""))


class MultiplePickerField(PickerField):
    """Several rows, comma-separated; duplicates count once; the result is a queryset."""

    many = True
    default_error_messages = {
        "too_many": f"Choose at most {CHOSEN_MAX}.",
    }

    def placeholder(self) -> str:
        return f"{self.lookup.placeholder}; comma-separated"

    def to_python(self, value):
        texts = [_clean_text(part) for part in str(value or "").split(",")]
        texts = [text for text in texts if text]
        if len(texts) > CHOSEN_MAX:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        keys, errors = [], []
        for text in dict.fromkeys(text.casefold() for text in texts):
            original = next(t for t in texts if t.casefold() == text)
            try:
                keys.append(self.resolve(original).pk)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return self.queryset.filter(pk__in=keys)

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return ", ".join(self._typed_many(list(value)))

    def _typed_many(self, values: list) -> list[str]:
        model = self.queryset.model
        keys = [value for value in values if not isinstance(value, model)]
        rows = {row.pk: row for row in model._default_manager.filter(pk__in=keys)} if keys else {}
        typed = []
        for value in values:
            row = value if isinstance(value, model) else rows.get(value)
            if row is not None:
                text = self.lookup.typed(row)
                # A name with a comma in it would split in two: its id reads back as the row.
                typed.append(str(row.pk) if "," in text else text)
        return typed

    def has_changed(self, initial, data) -> bool:
        return (self.prepare_value(initial or []) or "") != _clean_text(data or "")


def person_field(**kwargs) -> PickerField:
    return PickerField(lookup=PEOPLE, **kwargs)


def people_field(**kwargs) -> MultiplePickerField:
    return MultiplePickerField(lookup=PEOPLE, **kwargs)


def team_field(**kwargs) -> PickerField:
    return PickerField(lookup=TEAMS, **kwargs)


def teams_field(**kwargs) -> MultiplePickerField:
    return MultiplePickerField(lookup=TEAMS, **kwargs)


def service_field(**kwargs) -> PickerField:
    return PickerField(lookup=SERVICES, **kwargs)


def services_field(**kwargs) -> MultiplePickerField:
    return MultiplePickerField(lookup=SERVICES, **kwargs)


def suggestions(lookup: Lookup, text: str, *, many: bool) -> list[tuple[str, str]]:
    """The (value, label) options for what is typed so far; with many, the last name typed is
    completed and the ones before it kept."""
    if len(text) > CHOSEN_MAX * TEXT_MAX:
        return []
    before, last = "", text
    if many and "," in text:
        head, _, last = text.rpartition(",")
        before = ", ".join(_clean_text(part) for part in head.split(",") if part.strip()) + ", "
    rows = lookup.search(lookup.queryset(), last)
    return [(before + lookup.typed(row), lookup.label(row)) for row in rows]


class NumberPickerField(forms.ModelChoiceField):
    """A row typed by its number (123 or #123), for tables too big to list or search by name
    here, such as incidents; numbers no key column holds are simply no row."""

    def __init__(self, *, queryset: QuerySet, **kwargs):
        attrs = {"inputmode": "numeric", "autocomplete": "off", "placeholder": "Number"}
        super().__init__(queryset=queryset, widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        if isinstance(value, self.queryset.model):
            return value
        text = str(value if value is not None else "").strip().removeprefix("#").strip()
        if text in self.empty_values:
            return None
        if _as_key(text) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": _shown(text)},
            )
        return super().to_python(text)
