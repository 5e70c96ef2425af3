"""Emailing a notification (see services.notify): once, after the change that made it
commits, unless its recipient turned that kind of email off."""

from django.db import transaction
from django.utils import timezone

from . import emails
from .models import EmailOptOut, Notification
from .people import display_name
from .selectors import time_zone_of


def email_notification(notification_id: int) -> bool:
    """Email a notification if it was not emailed yet, its recipient has an address and wants
    this kind of email; True when it was sent now. The row is locked while it is sent, so two
    workers never send it both; a failed send leaves it unsent, to be tried again."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        recipient = notification.recipient
        wanted = not EmailOptOut.objects.filter(person=recipient, kind=notification.kind).exists()
        if not (recipient.is_active and recipient.email and wanted):
            return False
        context = {
            "notification": notification,
            "recipient": recipient,
            "kind": notification.get_kind_display(),
            "actor_name": display_name(notification.actor) if notification.actor else "",
        }
        emails.send("notification", [recipient.email], context, zone=time_zone_of(recipient))
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True
