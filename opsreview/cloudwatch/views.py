"""/integrations/sns/: where Amazon SNS delivers the CloudWatch alarms' topic.

SNS cannot sign in or send a CSRF token; what is believed is the message's signature, which
alarm_intake checks before anything is written. Refusals are logged, not audited: anyone can
send them, and a table row for each would let them fill the audit log.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from opsreview.org.audit import client_address

from .alarm_intake import sns_delivery_receive
from .sns import BODY_MAX, MalformedMessage, SnsUnavailable, UntrustedMessage, sns_message_parse

logger = logging.getLogger(__name__)


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _body(request: HttpRequest) -> bytes | None:
    """The request's body, or None when it is longer than SNS ever sends."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > BODY_MAX:
        return None
    body = request.read(BODY_MAX + 1)
    return None if len(body) > BODY_MAX else body


@csrf_exempt
@login_not_required
@require_POST
def sns_receive(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    if body is None:
        return _plain(f"The body is over {BODY_MAX // 1024} KB.", 413)
    try:
        message = sns_message_parse(body)
    except MalformedMessage as error:
        logger.info("SNS: refused a malformed message from %s: %s", client_address(request), error)
        return _plain(str(error), 400)
    try:
        delivery, new = sns_delivery_receive(message=message)
    except UntrustedMessage as error:
        logger.warning(
            "SNS: refused %s %r of topic %r from %s: %s",
            message.type,
            message.message_id,
            message.topic_arn,
            client_address(request),
            error,
        )
        return _plain(f"Refused: {error}", 403)
    except SnsUnavailable as error:
        logger.warning("SNS: %s %r not handled yet: %s", message.type, message.message_id, error)
        return _plain(f"Try again: {error}", 503)
    if not new:
        return _plain("Already received.")
    logger.info("SNS: %s %r: %s", message.type, message.message_id, delivery.detail)
    return _plain(delivery.get_outcome_display() + ".")
