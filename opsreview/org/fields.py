"""Model and form fields shared by every app."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

WEB_URL_SCHEMES = ["http", "https"]


class WebURLFormField(forms.URLField):
    default_validators = [URLValidator(schemes=WEB_URL_SCHEMES)]
    default_error_messages = {
        "invalid": "Enter a web address that starts with http:// or https://."
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class WebURLField(models.URLField):
    """A URL a browser may open from our pages: http or https only, never javascript: or data:."""

    default_validators = [URLValidator(schemes=WEB_URL_SCHEMES)]
    default_error_messages = {"invalid": WebURLFormField.default_error_messages["invalid"]}

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebURLFormField, **kwargs})


# The largest key a 64-bit integer column holds; larger ones are no row, not a crash.
MAX_KEY = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses keys no integer column can hold with a form error, before the database sees
    them (SQLite raises OverflowError for them in `pk__in`, which would be a 500)."""

    def _check_values(self, value):
        for key in value:
            text = str(key).strip()
            digits = text.lstrip("-")
            # Compared by length first: int() refuses strings of more than 4,300 digits.
            too_long = len(digits) > len(str(MAX_KEY))
            if digits.isdecimal() and (too_long or int(digits) > MAX_KEY):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text},
                )
        return super()._check_values(value)


def require_at_most(text: str, limit: int, *, field: str, what: str) -> None:
    """A service's own check of a text limit (a text column does not enforce max_length), in
    the words the forms use: "Keep the reason under 2000 characters (2001 now)."."""
    if len(text) > limit:
        raise ValidationError({field: f"Keep {what} under {limit} characters ({len(text)} now)."})
