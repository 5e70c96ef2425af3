import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import OperationalError as BrokerUnavailable

from opsreview.org import emails
from opsreview.org.keyset import keyset_page
from opsreview.org.models import OutboxMessage

from . import forms, services, tasks
from .builder import build_report, report_context
from .models import (
    DeliveryStatus,
    ReportDelivery,
    ReportKind,
)

PAGE_SIZE = 50
# Newest first; served by the index on (claimed_at, id), read backwards.
DELIVERY_ORDER = ("-claimed_at", "-pk")
logger = logging.getLogger(__name__)
UNPROCESSABLE = 422


# Reports

# Email HTML carries inline styles, as mail clients need; it is shown in a sandboxed frame.
EMAIL_HTML_POLICY = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.SELF],
}


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can see other people's reports.")


def report_list(request: HttpRequest) -> HttpResponse:
    deliveries = ReportDelivery.objects.select_related("recipient")
    if not request.user.is_staff:
        deliveries = deliveries.filter(recipient=request.user)
    page = keyset_page(deliveries, ordering=DELIVERY_ORDER, size=PAGE_SIZE, query=request.GET)
    context = {
        "page": page,
        "preview_form": forms.ReportPreviewForm(),
        "failed_count": deliveries.filter(status=DeliveryStatus.FAILED).count(),
    }
    return render(request, "reports/report_list.html", context)


def _preview(request: HttpRequest):
    _staff_only(request)
    form = forms.ReportPreviewForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    report = build_report(data["recipient"], kind=data["kind"], period=data["period"])
    return form, emails.render(services.REPORT_TEMPLATES[data["kind"]], report_context(report))


@require_GET
def report_preview(request: HttpRequest) -> HttpResponse:
    """A manager's report for any period, exactly as it would be sent."""
    form, email = _preview(request)
    context = {"preview_form": form, "email": email, "query": request.GET.urlencode()}
    return render(
        request, "reports/report_preview.html", context, status=200 if email else UNPROCESSABLE
    )


@require_GET
@csp_override(EMAIL_HTML_POLICY)
@xframe_options_sameorigin
def report_preview_html(request: HttpRequest) -> HttpResponse:
    form, email = _preview(request)
    if email is None:
        refusal = " ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponse(refusal, content_type="text/plain", status=UNPROCESSABLE)
    return HttpResponse(email.html)


# The job beat runs for each report, which Send now runs for the current period.
SCHEDULED_TASKS = {
    ReportKind.WEEKLY: tasks.send_weekly_reports,
    ReportKind.MONTHLY: tasks.send_monthly_reports,
    ReportKind.ANNIVERSARY: tasks.send_anniversary_reports,
}


@require_POST
def report_send_now(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    task = SCHEDULED_TASKS.get(request.POST.get("kind", ReportKind.WEEKLY))
    if task is None:
        raise Http404("No such report.")
    try:
        task.delay()
    except BrokerUnavailable:
        logger.exception("Send now: the task queue is unavailable")
        messages.error(
            request,
            "The task queue is unavailable, so nothing was sent. Try again in a few minutes.",
        )
        return redirect("reports:report_list")
    messages.success(
        request,
        "Queued: each manager with something to report gets this period's email once. "
        "Locally, read them in the outbox.",
    )
    return redirect("reports:report_list")


def outbox_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    page = Paginator(OutboxMessage.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    local = settings.EMAIL_TRANSPORT == "outbox"
    return render(request, "reports/outbox_list.html", {"page": page, "local": local})


def outbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "reports/outbox_detail.html", {"message": message})


@require_GET
@csp_override(EMAIL_HTML_POLICY)
@xframe_options_sameorigin
def outbox_html(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    return HttpResponse(get_object_or_404(OutboxMessage, pk=pk).html_body)
