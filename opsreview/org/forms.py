from datetime import UTC

from django import forms

from .models import AuditAction, AuditEvent, Team
from .pickers import people_field, person_field
from .zones import TimeToConfirm, unknown_zone_message, zone_choices


class TeamForm(forms.ModelForm):
    manager = person_field(required=False, help_text=Team._meta.get_field("manager").help_text)
    members = people_field(required=False)

    class Meta:
        model = Team
        fields = ["name", "description", "manager", "members", "dashboard_url", "runbook_url"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if not actor.is_staff:
            self.fields["manager"].disabled = True
            self.fields["manager"].help_text = "Only staff can change a team's manager."

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name != "members"}


class LockoutClearForm(forms.Form):
    """One locked account or one locked address to unlock."""

    username = forms.CharField(required=False, max_length=255)
    ip_address = forms.GenericIPAddressField(required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("username")) == bool(data.get("ip_address")):
            raise forms.ValidationError("Choose one account or one address to unlock.")
        return data


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    person = forms.CharField(
        required=False, max_length=AuditEvent.ACTOR_LABEL_MAX, label="Username"
    )


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=zone_choices,
        help_text="Every time is shown in this zone, and every time you type is read in it.",
        error_messages={"invalid_choice": unknown_zone_message("%(value)s")},
    )


class ConfirmsTime(forms.Form):
    """A form whose time a person types, and which may come back to be confirmed: its
    cleaned_data["ask_about_time"] has the service raise zones.TimeToConfirm for a doubtful
    time, after which the form holds that time in `confirmed_time`; sent again with the same
    time, the time is confirmed and "ask_about_time" is False."""

    time_field = "occurred_at"
    confirmed_time = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        confirmed = data.pop("confirmed_time", None)
        data["ask_about_time"] = confirmed is None or confirmed != data.get(self.time_field)
        return data

    def add_error(self, field, error):
        if isinstance(error, TimeToConfirm):
            self.data = self.data.copy()
            instant = error.instant.astimezone(UTC).isoformat()
            self.data[self.add_prefix("confirmed_time")] = instant
        super().add_error(field, error)
