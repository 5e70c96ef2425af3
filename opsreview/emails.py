"""Every email is three templates: emails/<name>-subject.txt, -body-text.txt, -body-html.html."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render(name: str, context: dict) -> RenderedEmail:
    """The email exactly as it is sent; previews use this too."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=render_to_string(f"emails/{name}-body-text.txt", context),
        html=render_to_string(f"emails/{name}-body-html.html", context),
    )


def send(name: str, to: Sequence[str], context: dict) -> RenderedEmail:
    email = render(name, context)
    message = EmailMultiAlternatives(subject=email.subject, body=email.text, to=list(to))
    message.attach_alternative(email.html, "text/html")
    message.send()
    return email


def incident_team_engaged(to: str, context: dict) -> None:
    send("incident-team-engaged", [to], context)
