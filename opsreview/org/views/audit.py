"""/audit/: who did what, and the refusals it records."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.http import require_GET

from .. import selectors
from ..audit import audit_record
from ..forms import AuditFilterForm
from ..models import AuditAction, AuditEvent
from ..pagination import page_newest_first
from ..people import require_staff

AUDIT_PAGE_SIZE = 50
UNPROCESSABLE = 422


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: every refusal is audited, then answered with the usual 403 page."""
    audit_record(
        AuditAction.PERMISSION_DENIED,
        detail=f"{request.method} {request.path[:300]}: {exception}",
        request=request,
    )
    return defaults.permission_denied(request, exception)


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what and when, newest first, by action and by person (staff)."""
    require_staff(request.user, "Only staff can read the audit log.")
    filters = AuditFilterForm(request.GET)
    valid = filters.is_valid()
    events = selectors.audit_events(**filters.cleaned_data) if valid else AuditEvent.objects.none()
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "filters": filters,
        "page": page_newest_first(events, request.GET, AUDIT_PAGE_SIZE, field="when"),
        "query": query.urlencode(),
    }
    status = 200 if valid else UNPROCESSABLE
    return render(request, "org/audit_log.html", context, status=status)
