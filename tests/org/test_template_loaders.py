"""Pages go out without their templates' indentation, and lose nothing else."""

from django.template import engines

from opsreview.org.template_loaders import without_indentation


def test_the_spaces_that_start_a_templates_lines_are_left_out():
    source = '<ul>\n    <li>\n      <a href="/">Home</a> ·\n      next\n    </li>\n\n</ul>\n'
    assert (
        without_indentation(source) == '<ul>\n<li>\n<a href="/">Home</a> ·\nnext\n</li>\n\n</ul>\n'
    )


def test_a_users_text_keeps_every_space():
    engine = engines["django"]
    template = engine.from_string(without_indentation("  <pre>\n    {{ code }}</pre>"))
    code = "def f():\n    return 1\n\n        indented"
    assert template.render({"code": code}) == f"<pre>\n{code.replace('>', '&gt;')}</pre>"


def test_html_templates_load_without_indentation_and_text_templates_as_written():
    engine = engines["django"].engine
    page = engine.get_template("base.html").source
    assert page.startswith("{% load") and "\n  " not in page and "\n<body" in page
    text = engine.get_template("emails/incident-team-engaged-body-text.txt").source
    assert "\n  " in text  # a plain-text email's indentation is its layout
