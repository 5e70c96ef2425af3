"""Every email is three templates: emails/<name>-subject.txt, -body-text.txt, -body-html.html.

An email to one person states its times in their zone: pass `zone` (selectors.time_zone_of)."""

import binascii
import email.policy
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import tzinfo
from email.contentmanager import ContentManager, raw_data_manager, set_text_content
from smtplib import SMTPException

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

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


def render(name: str, context: dict, *, zone: tzinfo | None = None) -> RenderedEmail:
    """The email exactly as it is sent; previews use this too. Times are in `zone`, if given."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    with timezone.override(zone) if zone is not None else nullcontext():
        subject = render_text(f"emails/{name}-subject.txt", context)
        return RenderedEmail(
            subject=" ".join(subject.split()),
            text=render_text(f"emails/{name}-body-text.txt", context),
            html=render_to_string(f"emails/{name}-body-html.html", context),
        )


def _set_text(msg, string: str, subtype="plain", charset="utf-8", cte=None, **kwargs) -> None:
    """A text part as the email package writes it, but a body with lines too long to send as
    they are is encoded by binascii (C) rather than by the package's encoder in Python (a third
    of the cost of a weekly report): quoted-printable, or base64 where that is shorter (text
    that is mostly not ASCII), as the package itself would choose."""
    lines = string.splitlines()
    if cte is not None or max(map(len, lines), default=0) <= msg.policy.max_line_length:
        set_text_content(msg, string, subtype, charset, cte, **kwargs)
        return
    body = "\n".join(lines).encode(charset) + b"\n"
    quoted = binascii.b2a_qp(body, istext=True)
    if len(quoted) > len(body) * 4 / 3:
        set_text_content(msg, string, subtype, charset, "base64", **kwargs)
        return
    # The headers (type, charset, transfer encoding) as the package sets them, then the body.
    set_text_content(msg, "", subtype, charset, "quoted-printable", **kwargs)
    msg.set_payload(quoted.decode("ascii"))


_CONTENT = ContentManager()
_CONTENT.get_handlers = dict(raw_data_manager.get_handlers)
_CONTENT.set_handlers = dict(raw_data_manager.set_handlers)
_CONTENT.add_set_handler(str, _set_text)
MAIL_POLICY = email.policy.default.clone(content_manager=_CONTENT)


class Email(EmailMultiAlternatives):
    def message(self, *, policy=MAIL_POLICY):
        return super().message(policy=policy)


def send(
    name: str, to: Sequence[str], context: dict, *, mailer=None, zone: tzinfo | None = None
) -> RenderedEmail:
    """`mailer`, an open mail connection, sends many emails over one connection; `zone` is the
    recipient's, which the email's times are stated in."""
    email = render(name, context, zone=zone)
    message = Email(subject=email.subject, body=email.text, to=list(to))
    message.attach_alternative(email.html, "text/html")
    if mailer is None:
        message.send()
    else:
        mailer.send_messages([message])
    return email


def incident_team_engaged(to: str, context: dict, *, zone: tzinfo | None = None) -> None:
    send("incident-team-engaged", [to], context, zone=zone)
