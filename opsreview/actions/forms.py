from django import forms

from opsreview.org.fields import WebURLFormField
from opsreview.org.pickers import person_field, team_field

from .models import TERM_MEANINGS, ActionItem, ItemCategory, ItemStatus, Priority, Term
from .services import ITEM_EDITABLE_FIELDS


class ItemDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=ActionItem.TITLE_MAX)
    owner = person_field()
    team = team_field()
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
    reason = forms.CharField(label="Why not?", max_length=ActionItem.WONT_DO_REASON_MAX)


ITEM_STATUS_FILTERS = [("", "Open or in progress"), ("all", "Any status"), *ItemStatus.choices]


class ActionFilterForm(forms.Form):
    team = team_field(required=False, placeholder="Any team")
    owner = person_field(required=False, placeholder="Anyone")
    term = forms.ChoiceField(choices=[("", "Any term"), *Term.choices], required=False)
    status = forms.ChoiceField(choices=ITEM_STATUS_FILTERS, required=False)
    overdue = forms.BooleanField(required=False, label="Overdue only")
    due_before = forms.DateField(required=False, widget=ItemDateInput(), label="Due before")
