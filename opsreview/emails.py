"""Every email is three templates: emails/<name>-subject.txt, -body-text.txt, -body-html.html."""

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send(name: str, to: Sequence[str], context: dict) -> None:
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{name}-body-text.txt", context),
        to=list(to),
    )
    message.attach_alternative(
        render_to_string(f"emails/{name}-body-html.html", context), "text/html"
    )
    message.send()


def incident_team_engaged(to: str, context: dict) -> None:
    send("incident-team-engaged", [to], context)
