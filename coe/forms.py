from django import forms
from django.utils import timezone

from incidents.forms import DATETIME_INPUT
from incidents.models import Incident, Severity
from opsreview.fields import MAX_KEY, WebURLFormField
from opsreview.models import Service, Team
from opsreview.people import PersonChoiceField, active_people

from .models import (
    TERM_MEANINGS,
    FactorCategory,
    ItemCategory,
    ItemStatus,
    Priority,
    ReportKind,
    ReviewDecision,
    Status,
    Term,
)
from .reports import PeriodOutOfRange, month_start, week_period, week_start
from .services import ITEM_EDITABLE_FIELDS

MAX_WHY_STEPS = 20
RELOAD = "This form was not sent as its page made it: reload the page and try again."


class UnshownFieldsForm(forms.Form):
    """A form whose page shows no box for some fields (a hidden version, decision buttons):
    their errors are told at the top of the form instead, so a refusal always says why."""

    unshown_errors: dict[str, str] = {}

    def clean(self):
        data = super().clean()
        for name, message in self.unshown_errors.items():
            if name in self.errors:
                self.add_error(None, message)
        return data


class CoeCreateForm(forms.Form):
    title = forms.CharField(
        max_length=200, help_text="What happened, e.g. “BananaStand unavailable for 90 minutes”."
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), label="Owning team")
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.filter(coe__isnull=True),
        required=False,
        help_text="Link the incident this COE is about (one COE per incident).",
    )


class TitleForm(forms.Form):
    title = forms.CharField(max_length=200)


class TextForm(UnshownFieldsForm):
    unshown_errors = {"version": RELOAD}
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8}))
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def _count_field() -> forms.IntegerField:
    """A count stored in a 64-bit column: larger numbers are refused here, not by the database."""
    return forms.IntegerField(
        min_value=0,
        max_value=MAX_KEY,
        required=False,
        error_messages={"max_value": f"Enter a count no larger than {MAX_KEY:,}."},
    )


class ImpactForm(TextForm):
    impact_duration_minutes = forms.IntegerField(
        label="Impact duration (minutes)", min_value=0, max_value=10_000_000, required=False
    )
    customers_affected = _count_field()
    requests_affected = _count_field()


class CoeTimelineEntryForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label="Time", widget=DATETIME_INPUT, error_messages={"invalid": "Enter a date and time."}
    )
    text = forms.CharField(label="What happened", max_length=5000)


class FactorForm(UnshownFieldsForm):
    """A factor and its chain: why_1/because_1 … up to MAX_WHY_STEPS pairs."""

    unshown_errors = {"version": RELOAD}

    title = forms.CharField(max_length=200, required=False, label="Factor")
    category = forms.ChoiceField(choices=FactorCategory.choices)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, rows: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        rows = min(max(rows, self._posted_rows()), MAX_WHY_STEPS)
        for n in range(1, rows + 1):
            self.fields[f"why_{n}"] = forms.CharField(
                label=f"Why {n}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            self.fields[f"because_{n}"] = forms.CharField(
                label=f"Because {n}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def _posted_rows(self) -> int:
        """The highest why number sent, so rows added on the page are kept (prefix and all)."""
        start = self.add_prefix("why_")
        numbers = [name.removeprefix(start) for name in self.data if name.startswith(start)]
        # Past two digits a number is past MAX_WHY_STEPS, however long it is.
        return max(
            (int(n) if len(n) <= 2 else MAX_WHY_STEPS for n in numbers if n.isdecimal()),
            default=0,
        )

    def step_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        count = sum(1 for name in self.fields if name.startswith("why_"))
        return [(self[f"why_{n}"], self[f"because_{n}"]) for n in range(1, count + 1)]

    def steps(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [(data[why.name], data[because.name]) for why, because in self.step_pairs()]


class AcknowledgeForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=500)
    reason = forms.CharField(label="Why keep it?", max_length=2000)


class CoeFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Any team", to_field_name="slug"
    )
    severity = forms.TypedChoiceField(
        choices=[("", "Any severity"), *Severity.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.all(), required=False, empty_label="Any service"
    )
    category = forms.ChoiceField(
        choices=[("", "Any factor category"), *FactorCategory.choices], required=False
    )


class ItemDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = PersonChoiceField(queryset=active_people())
    team = forms.ModelChoiceField(queryset=Team.objects.all())
    term = forms.ChoiceField(
        choices=[(term.value, f"{term.label}: {TERM_MEANINGS[term]}") for term in Term],
        widget=forms.RadioSelect,
        initial=Term.MEDIUM,
    )
    due_date = forms.DateField(
        required=False,
        widget=ItemDateInput(),
        help_text="Leave empty for the term's default.",
        error_messages={"invalid": "Enter a date."},
    )
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.P3)
    category = forms.ChoiceField(choices=ItemCategory.choices, initial=ItemCategory.TECHNICAL)
    ticket_url = WebURLFormField(label="Ticket URL", required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm_past_due = forms.BooleanField(
        label="The due date is in the past on purpose", required=False
    )

    def item_fields(self) -> dict:
        return dict(self.cleaned_data)


class ShortTermItemForm(ActionItemForm):
    """Raised during an incident: always short-term, due before the incident resolves."""

    term = None
    priority = None
    category = None
    ticket_url = None
    description = None

    def item_fields(self) -> dict:
        return {**self.cleaned_data, "term": Term.SHORT}


class ActionItemEditForm(ActionItemForm):
    confirm_past_due = None

    @classmethod
    def initial_for(cls, item) -> dict:
        return {name: getattr(item, name) for name in ITEM_EDITABLE_FIELDS}


class WontDoForm(forms.Form):
    reason = forms.CharField(label="Why not?", max_length=2000)


ITEM_STATUS_FILTERS = [("", "Open or in progress"), ("all", "Any status"), *ItemStatus.choices]


class ActionFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Any team", to_field_name="slug"
    )
    owner = PersonChoiceField(queryset=active_people(), required=False, empty_label="Anyone")
    term = forms.ChoiceField(choices=[("", "Any term"), *Term.choices], required=False)
    status = forms.ChoiceField(choices=ITEM_STATUS_FILTERS, required=False)
    overdue = forms.BooleanField(required=False, label="Overdue only")
    due_before = forms.DateField(required=False, widget=ItemDateInput(), label="Due before")


class ReportPreviewForm(forms.Form):
    recipient = PersonChoiceField(queryset=active_people(), label="Manager")
    kind = forms.ChoiceField(choices=ReportKind.choices, initial=ReportKind.WEEKLY)
    period = forms.CharField(
        max_length=10,
        help_text="2026-W48 for a week, 2026-11 for a month.",
        initial=lambda: week_period(timezone.localdate()),
    )

    def clean(self):
        data = super().clean()
        kind, period = data.get("kind"), data.get("period", "")
        parse = week_start if kind == ReportKind.WEEKLY else month_start
        try:
            parse(period)
        except PeriodOutOfRange as error:
            self.add_error("period", str(error))
        except ValueError:
            example = "2026-W48" if kind == ReportKind.WEEKLY else "2026-11"
            self.add_error("period", f"Write the period like {example}.")
        return data


class ReviewForm(UnshownFieldsForm):
    unshown_errors = {"decision": "Choose Approve or Request changes."}
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    comment = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What is good, what is missing; required to request changes.",
    )
