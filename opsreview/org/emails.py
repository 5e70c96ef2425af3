"""Every email is three templates: emails/<name>-subject.txt, -body-text.txt, -body-html.html."""

from collections.abc import Sequence
from dataclasses import dataclass
from smtplib import SMTPException

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string

# Worth trying again later: the mail server or SES was unreachable or refused for now.
TRANSIENT_EMAIL_ERRORS = (SMTPException, OSError, BotoCoreError, ClientError)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str  # plain text: a page that shows it escapes it
    text: str  # plain text, likewise
    html: str


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template, unescaped, returned as a plain str (never marked safe for HTML)."""
    template = get_template(template_name).template
    return str.__str__(template.render(Context(context, autoescape=False)))


def render(name: str, context: dict) -> RenderedEmail:
    """The email exactly as it is sent; previews use this too."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_text(f"emails/{name}-subject.txt", context)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=render_text(f"emails/{name}-body-text.txt", context),
        html=render_to_string(f"emails/{name}-body-html.html", context),
    )


def send(name: str, to: Sequence[str], context: dict, *, mailer=None) -> RenderedEmail:
    """`mailer`, an open mail connection, sends many emails over one connection."""
    email = render(name, context)
    message = EmailMultiAlternatives(subject=email.subject, body=email.text, to=list(to))
    message.attach_alternative(email.html, "text/html")
    if mailer is None:
        message.send()
    else:
        mailer.send_messages([message])
    return email


def incident_team_engaged(to: str, context: dict) -> None:
    send("incident-team-engaged", [to], context)
