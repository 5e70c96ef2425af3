from django import forms

from .models import (
    ACCOUNT_ID_MESSAGE,
    ALARM_NAME_MAX,
    DIMENSIONS_MAX,
    PREFIXES_MAX,
    AlarmScope,
    MetricQuery,
)
from .services import METRIC_FIELDS, SCOPE_FIELDS

# Every prefix, one a line, with its line break: a field no longer than this can hold no more.
PREFIXES_TEXT_MAX = PREFIXES_MAX * (ALARM_NAME_MAX + 2)


class AlarmPrefixesField(forms.CharField):
    """Alarm name prefixes, one a line, as a list; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class AlarmScopeForm(forms.ModelForm):
    """A scope's settings; the model's validation says what a region, an account, a role ARN
    and the prefixes may be, and its errors are the form's."""

    alarm_prefixes = AlarmPrefixesField(
        label="Alarm name prefixes",
        max_length=PREFIXES_TEXT_MAX,
        error_messages={"required": f"Give between 1 and {PREFIXES_MAX} alarm name prefixes."},
        help_text=f"One a line, up to {PREFIXES_MAX}: the team's alarms are those whose names "
        "start with one of them, such as BananaStand-Distributor-.",
    )

    class Meta:
        model = AlarmScope
        fields = SCOPE_FIELDS
        labels = {
            "account_id": "AWS account",
            "role_arn": "Role to assume (optional)",
            "severity": "Default severity",
        }
        help_texts = {
            "region": "The AWS region the alarms are in, such as us-east-1.",
            "account_id": "Optional: the account the alarms are in, such as 123456789012. "
            "When given, an alarm that arrives through SNS matches this scope only if it is "
            "that account's.",
            "role_arn": "Read the alarms as this IAM role, through STS; left empty, with "
            "opsreview's own credentials.",
        }
        # Thirteen digits are no more an account id than twelve letters: one message for both.
        error_messages = {"account_id": {"max_length": ACCOUNT_ID_MESSAGE}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["account_id"].widget.attrs.update(
            autocomplete="off", spellcheck="false", inputmode="numeric"
        )
        self.fields["role_arn"].widget = forms.TextInput(attrs={"spellcheck": "false"})

    def clean_region(self) -> str:
        return self.cleaned_data["region"].strip()

    def clean_role_arn(self) -> str:
        return self.cleaned_data["role_arn"].strip()

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in SCOPE_FIELDS}


class DimensionsField(forms.CharField):
    """A metric's dimensions, one Name=Value a line, as a dict; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 2, "spellcheck": "false"})
    default_error_messages = {"pair": "Write each dimension as Name=Value, one a line: “%(line)s”."}

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{name}={value}" for name, value in value.items())
        return value

    def to_python(self, value):
        pairs = {}
        for line in super().to_python(value).splitlines():
            if not line.strip():
                continue
            name, equals, item = line.partition("=")
            if not equals or not name.strip() or not item.strip():
                raise forms.ValidationError(
                    self.error_messages["pair"], code="pair", params={"line": line[:80]}
                )
            pairs[name.strip()] = item.strip()
        return pairs


class MetricQueryForm(forms.ModelForm):
    """A metric the team reviews in the ops meeting, read through one of its scopes."""

    dimensions = DimensionsField(
        required=False,
        max_length=DIMENSIONS_MAX * 1300,
        help_text="One Name=Value a line, such as ApiName=BananaStand.",
    )

    class Meta:
        model = MetricQuery
        fields = METRIC_FIELDS
        labels = {
            "scope": "Read through",
            "metric_name": "Metric",
            "period_seconds": "Period (seconds)",
            "threshold": "Line at (optional)",
        }
        help_texts = {
            "label": "What the meeting calls it, such as Gateway errors.",
            "namespace": "Such as AWS/ApiGateway.",
            "statistic": "Percentiles such as p99 suit latency; Sum suits error counts.",
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = AlarmScope.objects.filter(team=team).order_by("region")
        self.fields["scope"].empty_label = None

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in METRIC_FIELDS}
