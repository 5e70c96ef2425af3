"""How form widgets become HTML.

Django's widget templates exist in two dialects that give the same HTML; the Jinja2 ones render
several times faster, which shows on pages with many forms (a COE's 5-whys, a list of action
items each with its controls). Templates only written for the template language (the admin's
widgets) are still found there.
"""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class FastFormRenderer(Jinja2):
    # A field with its label, help text and errors, as every form in the app lays it out.
    field_template_name = "org/field.html"

    @cached_property
    def fallback(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
