"""Widgets render through Jinja2 where they can: the HTML a browser gets is what Django's
template-language widgets give, and widgets only written for the template language still work."""

import html
import re

import pytest
from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.renderers import DjangoTemplates

from opsreview.org.form_renderer import FastFormRenderer
from opsreview.org.pickers import PEOPLE, LookupInput


class Everything(forms.Form):
    title = forms.CharField(max_length=200, initial='"Quoted" <b>& bold</b>')
    body = forms.CharField(widget=forms.Textarea, initial="line one\n<script>x</script>")
    count = forms.IntegerField(min_value=0, initial=3)
    when = forms.DateTimeField(required=False)
    link = forms.URLField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="7")
    agree = forms.BooleanField(required=False, initial=True)
    choice = forms.ChoiceField(choices=[("a", "Won't do"), ("b", "B <b>")], initial="b")
    term = forms.ChoiceField(choices=[("s", "Short"), ("m", "Medium")], widget=forms.RadioSelect)
    owner = forms.CharField(widget=LookupInput(PEOPLE), initial="ada")


def normalised(markup: str) -> str:
    """What a browser shows: entities decoded, runs of whitespace as one, none between tags."""
    collapsed = re.sub(r"\s+", " ", html.unescape(markup))
    return re.sub(r">\s+<", "><", collapsed).strip()


# The lookup widget exists only for Jinja2 (its own test is below).
@pytest.mark.parametrize("name", [name for name in Everything.base_fields if name != "owner"])
def test_each_widget_gives_the_template_language_html(name):
    fast = Everything(renderer=FastFormRenderer())[name]
    reference = Everything(renderer=DjangoTemplates())[name]

    assert normalised(str(fast)) == normalised(str(reference))


def test_user_text_in_a_widget_is_escaped():
    form = Everything(renderer=FastFormRenderer())

    assert "<b>" not in str(form["title"])
    assert "&lt;b&gt;" in str(form["title"])
    assert "<script>" not in str(form["body"])
    assert "&lt;script&gt;" in str(form["body"])
    assert "B <b>" not in str(form["choice"])


def test_the_lookup_widget_keeps_its_combobox_attributes():
    markup = str(Everything(renderer=FastFormRenderer())["owner"])

    assert 'role="combobox"' in markup
    assert 'aria-controls="id_owner-suggestions"' in markup
    assert 'id="id_owner-suggestions"' in markup
    assert 'hx-get="/people/search?field=owner"' in markup


def test_a_widget_only_written_for_the_template_language_still_renders(admin_user):
    from django.contrib import admin

    from opsreview.org.models import Team

    field = Team._meta.get_field("manager")
    wrapper = RelatedFieldWidgetWrapper(forms.Select(), field.remote_field, admin.site)

    markup = wrapper.render("manager", None, renderer=FastFormRenderer())

    assert 'class="related-widget-wrapper"' in markup


class Laid(forms.Form):
    name = forms.CharField(help_text="As <people> say it.")
    term = forms.ChoiceField(choices=[("s", "Short")], widget=forms.RadioSelect)
    note = forms.CharField(required=False, label="Note & more")


def test_a_field_comes_with_its_label_help_and_errors():
    form = Laid({"name": "", "term": "x"}, renderer=FastFormRenderer())
    form.is_valid()

    name = form["name"].as_field_group()
    assert '<div class="field field-invalid">' in name
    assert (
        '<label for="id_name">Name <span class="required" aria-hidden="true">*</span></label>'
        in name
    )
    assert '<p class="help" id="id_name_helptext">As &lt;people&gt; say it.</p>' in name
    assert '<p class="field-error" role="alert">This field is required.</p>' in name

    term = form["term"].as_field_group()
    assert term.lstrip().startswith(
        '<fieldset class="field field-invalid" aria-describedby="id_term_error">'
    )
    assert "<legend>Term" in term
    assert "Select a valid choice. x is not one of the available choices." in term

    note = form["note"].as_field_group()
    assert '<label for="id_note">Note &amp; more</label>' in note
    assert "required" not in note
    assert "field-error" not in note


@pytest.mark.parametrize("name", ["count", "term"])
def test_a_refused_fields_errors_are_what_it_is_described_by(name):
    form = Everything({"count": "-1", "term": "x"}, renderer=FastFormRenderer())
    assert not form.is_valid()
    group = str(form[name].as_field_group())
    described = re.search(r'aria-describedby="([^"]*)"', group).group(1).split()
    errors = re.search(
        r'<div id="([^"]+)">(<p class="field-error" role="alert">[^<]+</p>)+</div>', group
    )
    assert errors and errors.group(1) in described
