"""/inbox/: the steps that need the signed-in person, newest first; and which of them they
also want by email."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import Notification, NotificationKind
from ..pagination import page_newest_first
from ..selectors import unwanted_email_kinds
from ..services import email_preferences_save, notification_open, notifications_read_all

PER_PAGE = 25
UNPROCESSABLE = 422


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient=request.user).select_related("actor")
    page = page_newest_first(mine, request.GET, PER_PAGE, field="created_at")
    return render(request, "org/inbox.html", {"page": page, "notifications": page.object_list})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is read, and its page opens (the inbox, if it has none)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_open(notification=notification, actor=request.user)
    return redirect(notification.link or "inbox")


@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_read_all(actor=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("inbox")


class EmailSettingsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Email me when",
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Your inbox lists every kind either way.",
    )


@require_http_methods(["GET", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmailSettingsForm(request.POST)
        if form.is_valid():
            email_preferences_save(actor=request.user, wanted=form.cleaned_data["kinds"])
            messages.success(request, "Email settings saved.")
            return redirect("email_settings")
        status = UNPROCESSABLE
    else:
        unwanted = unwanted_email_kinds(request.user)
        form = EmailSettingsForm(
            initial={"kinds": [k for k in NotificationKind if k not in unwanted]}
        )
        status = 200
    context = {"form": form, "has_email": bool(request.user.email)}
    return render(request, "org/email_settings.html", context, status=status)
