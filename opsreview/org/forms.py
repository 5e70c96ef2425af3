from django import forms

from .models import AuditAction, AuditEvent, Team
from .pickers import people_field, person_field


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
