from datetime import timedelta

from django import forms
from django.utils import timezone

from coe.models import Coe
from opsreview.org.pickers import people_field, person_field, team_field
from opsreview.org.stored_markdown import MARKDOWN_MAX_CHARS
from opsreview.org.zones import site_today, with_zone

from .models import MAX_LENGTH_MINUTES, MeetingSection, SectionKey, Win, iso_week, week_monday

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
WEEKS_AHEAD = 8  # how far ahead a meeting can be prepared, or a COE queued for one
WEEK_REFUSED = {"invalid_choice": "Choose this week or one of the next few."}


def time_box_field_name(key: str) -> str:
    return f"time_box_{key}"


class MeetingSettingsForm(forms.Form):
    """When, who, and each section's time box; the meeting lasts as long as they add up to."""

    starts_at = forms.DateTimeField(
        label="Starts",
        widget=DATETIME_INPUT,
        help_text=with_zone(""),
        error_messages={"invalid": "Enter a date and time."},
    )
    facilitator = person_field()
    attendees = people_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in SectionKey:
            self.fields[time_box_field_name(key)] = forms.IntegerField(
                label=f"{key.label} (minutes)",
                min_value=1,
                max_value=MAX_LENGTH_MINUTES,
            )

    @classmethod
    def initial_for(cls, meeting) -> dict:
        initial = {
            "starts_at": timezone.localtime(meeting.starts_at),
            "facilitator": meeting.facilitator,
            "attendees": list(meeting.attendees.all()),
        }
        for section in meeting.sections.all():
            initial[time_box_field_name(section.key)] = section.time_box_minutes
        return initial

    def time_box_fields(self):
        return [self[time_box_field_name(key)] for key in SectionKey]

    def update_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "facilitator": data["facilitator"],
            "attendees": data["attendees"],
            "time_boxes": {key.value: data[time_box_field_name(key)] for key in SectionKey},
        }


class SectionForm(forms.Form):
    """A section's notes (markdown) and decisions, saved against the version they were read at."""

    notes = forms.CharField(
        required=False,
        strip=False,
        max_length=MARKDOWN_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown; saved as you type.",
        error_messages={"max_length": f"Notes can hold at most {MARKDOWN_MAX_CHARS:,} characters."},
    )
    decisions = forms.CharField(
        required=False,
        max_length=MeetingSection.DECISIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One decision a line.",
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    @classmethod
    def for_section(cls, section: MeetingSection, data=None) -> "SectionForm":
        initial = {
            "notes": section.notes,
            "decisions": section.decisions,
            "version": section.version,
        }
        return cls(data, prefix=section.key, initial=initial)


class WinForm(forms.Form):
    text = forms.CharField(
        label="What went well?",
        max_length=Win.TEXT_MAX,
        error_messages={"required": "Say what went well."},
    )
    team = team_field(required=False, placeholder="No team in particular")


def week_choices(today=None) -> list[tuple[str, str]]:
    """This week and the next few, each named by its Monday."""
    today = today or site_today()
    choices = []
    for n in range(WEEKS_AHEAD):
        week = iso_week(today + timedelta(weeks=n))
        monday = week_monday(week)
        label = f"Week of {monday:%-d %b}" + (" (this week)" if n == 0 else f", {week}")
        choices.append((week, label))
    return choices


class DeepDiveForm(forms.Form):
    coe = forms.ModelChoiceField(
        queryset=Coe.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Say which COE to queue.",
            "invalid_choice": "That COE does not exist.",
        },
    )
    week = forms.ChoiceField(label="Meeting", choices=week_choices, error_messages=WEEK_REFUSED)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].initial = iso_week(site_today())


class PrepareForm(forms.Form):
    """Which week to prepare: this week's by default, or one of the next few."""

    week = forms.ChoiceField(
        label="Week", choices=week_choices, required=False, error_messages=WEEK_REFUSED
    )
