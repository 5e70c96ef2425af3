from django import forms

from incidents.forms import DATETIME_INPUT
from incidents.models import Incident, Severity
from opsreview.org.fields import MAX_KEY
from opsreview.org.forms import ConfirmsTime
from opsreview.org.pickers import NumberPickerField, person_field, service_field, team_field
from opsreview.org.zones import with_zone

from .models import (
    TEXTS,
    BlamelessAcknowledgement,
    Coe,
    CoeComment,
    CoeKind,
    CoeReview,
    CoeThread,
    CoeTimelineEntry,
    ContributingFactor,
    FactorCategory,
    ReviewDecision,
    Status,
    WhyStep,
)

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
        max_length=Coe.TITLE_MAX,
        help_text="What happened, e.g. “BananaStand unavailable for 90 minutes”.",
    )
    team = team_field(label="Owning team")
    kind = forms.TypedChoiceField(
        label="What happened",
        choices=CoeKind.choices,
        initial=CoeKind.INCIDENT,
        required=False,  # not chosen: a COE of customer impact, as before near misses
        empty_value=CoeKind.INCIDENT,
        widget=forms.RadioSelect,
        help_text="A near miss almost hurt customers: it is worth the same learning, and has no "
        "incident.",
    )
    incident = NumberPickerField(
        queryset=Incident.objects.filter(coe__isnull=True),
        required=False,
        label="Incident number",
        help_text="Link the incident this COE is about (one COE per incident): its number, "
        "as in /incidents/<number>/.",
        error_messages={"invalid_choice": "No incident numbered “%(value)s” is waiting for a COE."},
    )


class TitleForm(forms.Form):
    title = forms.CharField(max_length=Coe.TITLE_MAX)


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


class CoeTimelineEntryForm(ConfirmsTime):
    occurred_at = forms.DateTimeField(
        label="Time",
        widget=DATETIME_INPUT,
        help_text=with_zone(""),
        error_messages={"invalid": "Enter a date and time."},
    )
    text = forms.CharField(label="What happened", max_length=CoeTimelineEntry.TEXT_MAX)


class FactorForm(UnshownFieldsForm):
    """A factor and its chain: why_1/because_1 … up to MAX_WHY_STEPS pairs."""

    unshown_errors = {"version": RELOAD}

    title = forms.CharField(max_length=ContributingFactor.TITLE_MAX, required=False, label="Factor")
    category = forms.ChoiceField(choices=FactorCategory.choices)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, rows: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        rows = min(max(rows, self._posted_rows()), MAX_WHY_STEPS)
        for n in range(1, rows + 1):
            self.fields[f"why_{n}"] = forms.CharField(
                label=f"Why {n}",
                required=False,
                max_length=WhyStep.TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 1, "class": "grows"}),
            )
            self.fields[f"because_{n}"] = forms.CharField(
                label=f"Because {n}",
                required=False,
                max_length=WhyStep.TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 1, "class": "grows"}),
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
    fingerprint = forms.CharField(
        widget=forms.HiddenInput, max_length=BlamelessAcknowledgement.FINGERPRINT_MAX
    )
    reason = forms.CharField(label="Why keep it?", max_length=BlamelessAcknowledgement.REASON_MAX)


class CoeFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        error_messages={
            "max_length": "Search for at most %(limit_value)d characters (this is %(show_value)d)."
        },
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    team = team_field(required=False, placeholder="Any team")
    severity = forms.TypedChoiceField(
        choices=[("", "Any severity"), *Severity.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    service = service_field(required=False, placeholder="Any service")
    category = forms.ChoiceField(
        choices=[("", "Any factor category"), *FactorCategory.choices], required=False
    )
    kind = forms.ChoiceField(
        label="Kind", choices=[("", "Any kind"), *CoeKind.choices], required=False
    )


class ReviewForm(UnshownFieldsForm):
    unshown_errors = {"decision": "Choose Approve or Request changes."}
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    comment = forms.CharField(
        required=False,
        max_length=CoeReview.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "What is good, what is missing. To request changes, sum them up here or leave them "
            "in comments on the sections."
        ),
    )


class ReviewerForm(forms.Form):
    reviewer = person_field(
        label="Ask for a review from", help_text="A bar raiser: someone who wrote none of it."
    )


class ReassignForm(forms.Form):
    to = person_field(label="Reassign to")


class ThreadForm(forms.Form):
    section = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in TEXTS.items()], widget=forms.HiddenInput
    )
    quote = forms.CharField(
        label="Passage you comment on",
        required=False,
        max_length=CoeThread.QUOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional. Select words in the section to fill it in.",
    )
    body = forms.CharField(
        label="Comment",
        max_length=CoeComment.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown. @username tells that person.",
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply", max_length=CoeComment.BODY_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
