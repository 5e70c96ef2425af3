"""Every email's text and HTML parts reach the reader exactly as rendered, whichever transfer
encoding their lines need: a part parsed back from the bytes sent is the text that was put in."""

import email
import email.policy

import pytest

from opsreview.org.emails import Email

LONG_HTML = (
    '<table role="presentation" style="margin:0;padding:0;background:#f6f7f9;'
    'font-family:Arial,Helvetica,sans-serif;color:#1b1f24;">'
    "<tr><td>Lisbon · Zürich — 64 overdue, 100% = done; a=b</td></tr></table>\n"
) * 20


def sent(text: str, html: str | None = None) -> list[email.message.EmailMessage]:
    message = Email(subject="Weekly", body=text, to=["manager@example.com"])
    if html is not None:
        message.attach_alternative(html, "text/html")
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    return [part for part in parsed.walk() if part.get_content_maintype() == "text"]


@pytest.mark.parametrize(
    "text",
    [
        "Hello Alba,\n\nNothing overdue.\n",  # short ASCII lines
        "Owner: Zoë Ångström · due 15 May\n",  # short lines, not ASCII
        "  - " + "Run load tests on a production-sized data set " * 4 + "\n",  # one long line
        "trailing spaces   \n\ttabs\t\n.a line starting with a dot\nFrom the start\n=3D\n" * 3
        + "x" * 200
        + "\n",
        "日本語のテキスト、" * 40 + "\n",  # long and mostly not ASCII: base64 is shorter
        "no newline at the end " * 10,
    ],
)
def test_a_text_part_reads_back_as_it_was_written(text):
    (part,) = sent(text)

    assert part.get_content() == text if text.endswith("\n") else text + "\n"
    assert part.get_content_charset() == "utf-8"


def test_short_lines_go_as_they_are_and_long_ones_quoted_printable_within_76_columns():
    plain, html = sent("Hello Alba,\n\nNothing overdue.\n", LONG_HTML)

    assert plain["Content-Transfer-Encoding"] == "7bit"
    assert html["Content-Transfer-Encoding"] == "quoted-printable"
    assert html.get_content() == LONG_HTML
    assert max(len(line) for line in html.get_payload().splitlines()) <= 76


def test_text_that_is_mostly_not_ascii_goes_as_base64():
    (part,) = sent("日本語のテキスト、" * 40 + "\n")

    assert part["Content-Transfer-Encoding"] == "base64"
