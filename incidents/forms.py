import uuid

from django import forms

from opsreview.org.fields import WebURLFormField
from opsreview.org.forms import ConfirmsTime
from opsreview.org.models import Team
from opsreview.org.pickers import TEAMS, person_field, services_field, team_field, teams_field
from opsreview.org.zones import with_zone

from .models import (
    LINK_MAX,
    SEVERITY_MEANINGS,
    Incident,
    Role,
    Severity,
    Status,
    TimelineEntry,
)

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _moment_field(label: str, help_text: str = "", required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME_INPUT,
        help_text=with_zone(help_text),
        error_messages={"invalid": f"Enter the time {label.lower()} as a date and time."},
    )


def _link_field(label: str, help_text: str) -> WebURLFormField:
    return WebURLFormField(
        label=label,
        required=False,
        max_length=LINK_MAX,
        help_text=help_text,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        error_messages={
            "max_length": "Keep a link under %(limit_value)d characters (%(show_value)d now)."
        },
    )


SEVERITY_CHOICES = [(sev.value, f"{sev.label}: {SEVERITY_MEANINGS[sev]}") for sev in Severity]


class SeverityField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SEVERITY_CHOICES, coerce=int, widget=forms.RadioSelect, **kwargs)


class DeclareForm(forms.Form):
    declaration_key = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        initial=uuid.uuid4,  # a new one each time the form is shown
        error_messages={
            "invalid": "This form was damaged in transit: reload the page and declare."
        },
    )
    title = forms.CharField(
        max_length=Incident.TITLE_MAX,
        help_text="What customers see, in a few words: “Banana collection fails”.",
    )
    severity = SeverityField(initial=Severity.SEV3)
    call_leader = person_field(
        help_text="Sev-1 and Sev-2 incidents are led from the call-leader roster.",
    )
    teams = teams_field(
        required=False,
        help_text="Engaged teams' members are emailed straight away.",
    )
    services = services_field(required=False)
    impact_started_at = _moment_field("Impact started", "Leave empty if it started when detected.")
    detected_at = _moment_field("Detected", "Leave empty for now.")
    customer_impact = forms.CharField(
        label="Customer impact",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who is affected and how. Markdown.",
    )
    chat_url = _link_field("Chat channel", "A link to the channel the call talks in.")
    bridge_url = _link_field("Bridge", "A link to join the call.")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")
    person = person_field(label="Who", help_text="")


class IncidentEditForm(DeclareForm):
    declaration_key = None
    teams = None  # teams are engaged one at a time, so their members are told
    impact_started_at = _moment_field("Impact started", required=True)
    detected_at = _moment_field("Detected", required=True)

    @classmethod
    def initial_for(cls, incident: Incident) -> dict:
        return {
            "title": incident.title,
            "severity": incident.severity,
            "call_leader": incident.call_leader,
            "services": list(incident.services.all()),
            "impact_started_at": incident.impact_started_at,
            "detected_at": incident.detected_at,
            "customer_impact": incident.customer_impact,
            "chat_url": incident.chat_url,
            "bridge_url": incident.bridge_url,
        }

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name != "services"}


def _entry_text(label: str, *, rows: int, **kwargs) -> forms.CharField:
    """A box whose text goes on the timeline: the timeline's limit, in the service's words."""
    return forms.CharField(
        label=label,
        max_length=TimelineEntry.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": ENTRY_TOO_LONG},
        **kwargs,
    )


ENTRY_TOO_LONG = "Keep an entry under %(limit_value)d characters (%(show_value)d now)."


class MitigateForm(forms.Form):
    mitigated_at = _moment_field("Impact mitigated", "Leave empty for now.")
    note = _entry_text(
        "How", rows=2, required=False, help_text="Rolled back, failed over, throttled…"
    )


class ResolveForm(forms.Form):
    resolved_at = _moment_field("Resolved", "Leave empty for now.")


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why reopen?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TimelineEntry.TEXT_MAX,  # the reason goes on the timeline
    )


class TimelineEntryForm(ConfirmsTime):
    occurred_at = _moment_field("Time", "When it happened; leave empty for now.")
    text = _entry_text("What happened", rows=2)


class TimelineEntryEditForm(ConfirmsTime):
    occurred_at = _moment_field("Time", required=True)
    text = _entry_text("What happened", rows=3)


class EngageTeamForm(forms.Form):
    team = team_field(
        queryset=Team.objects.none(),
        placeholder="Choose a team",
        error_messages={"not_found": "No team that is not yet engaged is called “%(value)s”."},
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = TEAMS.queryset().exclude(incidents=incident)


STATUS_FILTER_CHOICES = [("", "Any status"), ("open", "Open"), *Status.choices]


SEARCH_MAX = 200


class IncidentFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=SEARCH_MAX,
        label="Search",
        error_messages={
            "max_length": "Search for at most %(limit_value)d characters (this is %(show_value)d)."
        },
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "INC-142 or title words"}),
    )
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    severity = forms.TypedChoiceField(
        choices=[("", "Any severity"), *Severity.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    team = team_field(required=False, placeholder="Any team")
