"""The audit log: one function every app calls to record who did what, when and from where."""

import ipaddress
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.http import HttpRequest
from simple_history.models import HistoricalRecords

from .models import AuditEvent

logger = logging.getLogger("opsreview.org.audit")


def _address(text: str | None) -> str | None:
    """An IP address from a header entry or REMOTE_ADDR ("[::1]:443" and "1.2.3.4:80" too)."""
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from; django-axes and the audit log both ask this.

    REMOTE_ADDR unless TRUSTED_PROXY_COUNT is set: then the entry the outermost trusted proxy
    appended to CLIENT_ADDRESS_HEADER. Entries left of it are whatever the client sent.
    """
    remote = _address(request.META.get("REMOTE_ADDR"))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    key = "HTTP_" + settings.CLIENT_ADDRESS_HEADER.upper().replace("-", "_")
    hops = [hop for hop in request.META.get(key, "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote  # not through every proxy: REMOTE_ADDR is the client itself
    return _address(hops[-count]) or remote


def current_request() -> HttpRequest | None:
    """The request being served on this thread (simple_history's middleware keeps it)."""
    return getattr(HistoricalRecords.context, "request", None)


def _actor_and_label(actor, request) -> tuple[AbstractBaseUser | None, str]:
    if isinstance(actor, str):
        return None, actor
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is None or not actor.is_authenticated:
        return None, ""
    return actor, actor.get_username()


def _plain(text: str, length: int) -> str:
    return str(text).replace("\x00", "")[:length]


def audit_record(
    action: str,
    *,
    actor: AbstractBaseUser | str | None = None,
    target: models.Model | None = None,
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record an event in the audit log and log one line to the `opsreview.org.audit` logger.

    actor: who acted; a string is the username someone not signed in typed. By default the
    signed-in user of `request`, or of the request being served. target: what it concerns.
    Never pass a password or a secret in `detail`.
    """
    request = request or current_request()
    user, label = _actor_and_label(actor, request)
    target_url = getattr(target, "get_absolute_url", None)
    event = AuditEvent.objects.create(
        action=action,
        actor=user,
        actor_label=_plain(label, AuditEvent.ACTOR_LABEL_MAX),
        target_label=_plain(target, AuditEvent.TARGET_LABEL_MAX) if target is not None else "",
        target_url=_plain(target_url(), AuditEvent.TARGET_URL_MAX) if target_url else "",
        detail=_plain(detail, AuditEvent.DETAIL_MAX),
        ip_address=client_address(request) if request is not None else None,
    )
    # %r keeps attacker-chosen text on one line: no forged log entries.
    logger.info(
        "audit %s by %r concerning %r from %s: %r",
        event.action,
        event.actor_label or "-",
        event.target_label,
        event.ip_address or "-",
        event.detail,
    )
    return event
