from django import forms
from django.utils.text import slugify

from opsreview.org.fields import WebURLFormField
from opsreview.org.pickers import TEAMS, team_field, teams_field

from .models import WEIGHT_NEGATIVE, WEIGHT_TOO_HEAVY, Participant, Rig, Wheel
from .selection import MAX_WEIGHT

WEIGHT_DECIMALS_SHOWN = 4
WEIGHT_ERRORS = {
    "required": "Give a weight: 0 or more.",
    "invalid": "Enter a number, like 1 or 0.5.",
    "min_value": WEIGHT_NEGATIVE,
    "max_value": WEIGHT_TOO_HEAVY,
}


class WheelForm(forms.ModelForm):
    class Meta:
        model = Wheel
        fields = ["name", "slug", "show_weights", "proportional_slices", "allow_rigging",
                  "require_rig_reason"]  # fmt: skip
        help_texts = {"slug": "The wheel's address: /wheel/<slug>/. Leave empty to use the name."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean_slug(self) -> str:
        return self.cleaned_data.get("slug") or slugify(self.data.get("name", ""))

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class WheelCreateForm(WheelForm):
    every_team = forms.BooleanField(
        label="Every team joins", required=False, initial=True,
        help_text="Each joins at weight 1. Add more, or people who are not a team, later.",
    )  # fmt: skip
    teams = teams_field(
        required=False, label="Or only these teams",
        help_text="Used when “Every team joins” is not ticked.",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("every_team"):
            data["teams"] = TEAMS.queryset()
        return data

    def settings(self) -> dict:
        chosen = {"teams", "every_team"}
        return {name: self.cleaned_data[name] for name in self.fields if name not in chosen}


class ParticipantForm(forms.Form):
    """A team in one click, or a free-form name and web address."""

    team = team_field(required=False, label="Team")
    name = forms.CharField(max_length=Participant.NAME_MAX, required=False)
    url = WebURLFormField(label="URL", required=False, help_text="Opened when chosen.")

    def clean(self):
        data = super().clean()
        if self.errors or data.get("team"):
            return data
        if not data.get("name", "").strip():
            self.add_error("name", "Name the participant, or add a team.")
        if not data.get("url"):
            self.add_error("url", "Give the web address opened when this participant is chosen.")
        return data


class ParticipantEditForm(forms.Form):
    weight = forms.FloatField(min_value=0, max_value=MAX_WEIGHT, error_messages=WEIGHT_ERRORS)
    name = forms.CharField(max_length=Participant.NAME_MAX)
    url = WebURLFormField(label="URL")

    def __init__(self, *args, participant: Participant, **kwargs):
        initial = {
            "weight": round(participant.weight, WEIGHT_DECIMALS_SHOWN),
            "name": participant.name,
            "url": participant.url,
        }
        super().__init__(*args, prefix=f"p{participant.pk}", initial=initial, **kwargs)
        self.fields["weight"].widget.attrs.update(
            {"step": "any", "min": "0", "inputmode": "decimal"}
        )
        self.participant = participant
        if participant.team_id:
            del self.fields["name"], self.fields["url"]

    def clean_weight(self) -> float:
        weight = self.cleaned_data["weight"]
        # The box shows a rounded weight; sending it back unchanged keeps the exact one.
        if weight == round(self.participant.weight, WEIGHT_DECIMALS_SHOWN):
            return self.participant.weight
        return weight


class RigForm(forms.Form):
    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        label="Next spin lands on",
        empty_label="Choose a participant",
    )
    reason = forms.CharField(
        required=False, max_length=Rig.REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit log.",
    )  # fmt: skip
    hidden = forms.BooleanField(
        label="Hide from the room", required=False,
        help_text="Only wheel admins see a hidden rig, in the audit log.",
    )  # fmt: skip

    def __init__(self, *args, wheel: Wheel, **kwargs):
        super().__init__(*args, **kwargs)
        participant = self.fields["participant"]
        participant.queryset = wheel.participants.select_related("team").order_by("pk")
        participant.label_from_instance = lambda p: p.display_name
        if wheel.require_rig_reason:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = (
                "Say why: this wheel requires a reason for rigging."
            )
