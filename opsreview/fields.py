"""Model and form fields shared by every app."""

from django import forms
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
