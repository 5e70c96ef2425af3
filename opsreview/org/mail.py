"""An email backend that keeps messages in the database (see OutboxMessage)."""

from django.core.mail.backends.base import BaseEmailBackend


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, messages) -> int:
        from .models import OutboxMessage

        for message in messages:
            mime = message.message()  # validates the headers, as a real transport would
            html = next(
                (
                    content
                    for content, kind in getattr(message, "alternatives", [])
                    if kind == "text/html"
                ),
                "",
            )
            OutboxMessage.objects.create(
                subject=message.subject,
                from_email=message.from_email,
                to=list(message.to) + list(message.cc) + list(message.bcc),
                text_body=message.body,
                html_body=html,
                message_id=mime["Message-ID"] or "",
            )
        return len(messages)
