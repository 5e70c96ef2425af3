from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from opsreview.org.models import OutboxMessage
from opsreview.reports.models import DeliveryStatus, ReportDelivery, ReportKind
from tests.coe.factories import team_item
from tests.fuzz.checks import changed_tables, fingerprint
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

OUTBOX = {"default": {"BACKEND": "opsreview.org.mail.OutboxBackend"}}
STAFF_ONLY = "Only staff can see other people&#x27;s reports."


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=False)


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def manager():
    person = UserFactory(first_name="Morgan", email="morgan@bananastand.example")
    team = TeamFactory(name="Front Door", manager=person)
    team_item(team, due_date=datetime(2026, 11, 20).date(), title="Add a canary")
    return person


def test_staff_see_every_delivery_others_only_their_own(client, staff, manager):
    other = UserFactory()
    ReportDelivery.objects.create(recipient=manager, kind=ReportKind.WEEKLY, period="2026-W48")
    ReportDelivery.objects.create(recipient=other, kind=ReportKind.WEEKLY, period="2026-W48")
    assert len(client.get("/reports/").context["page"].object_list) == 2
    client.force_login(other)
    assert [d.recipient for d in client.get("/reports/").context["page"].object_list] == [other]


def test_failed_deliveries_are_visible_with_their_error(client, staff, manager):
    ReportDelivery.objects.create(
        recipient=manager,
        kind=ReportKind.WEEKLY,
        period="2026-W49",
        status=DeliveryStatus.FAILED,
        error="SMTPServerDisconnected: gone",
    )
    html = client.get("/reports/").text
    assert "1 failed" in html
    assert "SMTPServerDisconnected: gone" in html


def test_preview_shows_the_email_exactly_as_it_would_be_sent(client, staff, manager):
    query = f"recipient={manager.pk}&kind=weekly&period=2026-W49"
    response = client.get(f"/reports/preview/?{query}")
    assert response.status_code == 200
    email = response.context["email"]
    assert email.subject == "BananaStand: 1 overdue action item — week 2026-W49"
    assert "Add a canary" in email.text
    html = client.get(f"/reports/preview/html/?{query}")
    assert "Add a canary" in html.text
    assert "style-src 'unsafe-inline'" in html["Content-Security-Policy"]
    assert "script-src" not in html["Content-Security-Policy"]
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert not mail.outbox
    assert not ReportDelivery.objects.exists()


def test_a_malformed_period_is_refused_with_a_message(client, staff, manager):
    response = client.get(f"/reports/preview/?recipient={manager.pk}&kind=weekly&period=week 49")
    assert response.status_code == 422
    assert "Write the period like 2026-W48." in response.text
    assert response.context["email"] is None
    assert not ReportDelivery.objects.exists()


@pytest.mark.parametrize(
    "path", ["/reports/preview/?kind=weekly", "/reports/outbox/", "/reports/outbox/1/html/"]
)
def test_only_staff_preview_reports_and_read_the_outbox(client, path, settings):
    settings.MAILERS = OUTBOX
    EmailMultiAlternatives("Overdue", "Add a canary", "ops@example.com", ["a@example.com"]).send()
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 403
    assert STAFF_ONLY in response.text
    assert "Add a canary" not in response.text


def test_only_staff_send_now(client, manager, settings):
    settings.MAILERS = OUTBOX
    client.force_login(UserFactory())
    before = fingerprint()
    response = client.post("/reports/send/", {"kind": "weekly"})
    assert response.status_code == 403
    assert STAFF_ONLY in response.text
    assert changed_tables(before) == []
    assert not OutboxMessage.objects.exists()
    assert not mail.outbox


def test_send_now_runs_the_weekly_job_and_the_email_lands_in_the_outbox(
    client, staff, manager, settings
):
    settings.MAILERS = OUTBOX
    response = client.post("/reports/send/", {"kind": "weekly"}, follow=True)
    assert "Queued" in response.text
    message = OutboxMessage.objects.get()
    assert message.to == ["morgan@bananastand.example"]
    detail = client.get(f"/reports/outbox/{message.pk}/")
    assert "BananaStand: 1 overdue action item — week 2026-W49" in detail.text
    assert f'src="/reports/outbox/{message.pk}/html/"' in detail.text
    assert "sandbox" in detail.text
    assert "Add a canary" in client.get(f"/reports/outbox/{message.pk}/html/").text
    client.post("/reports/send/", {"kind": "weekly"})
    assert OutboxMessage.objects.count() == 1


def test_send_now_refuses_an_unknown_report(client, staff, manager, settings):
    settings.MAILERS = OUTBOX
    before = fingerprint()
    assert client.post("/reports/send/", {"kind": "daily"}).status_code == 404
    assert changed_tables(before) == []
    assert not OutboxMessage.objects.exists()


def test_the_outbox_backend_keeps_both_parts(settings):
    settings.MAILERS = OUTBOX
    message = EmailMultiAlternatives("Hi", "plain words", "ops@example.com", ["a@example.com"])
    message.attach_alternative("<p>html words</p>", "text/html")
    assert message.send() == 1
    kept = OutboxMessage.objects.get()
    assert (kept.text_body, kept.html_body, kept.to) == (
        "plain words",
        "<p>html words</p>",
        ["a@example.com"],
    )
    assert kept.message_id.startswith("<")


def test_empty_outbox_says_how_to_fill_it(client, staff):
    assert "The outbox is empty." in client.get("/reports/outbox/").text


def test_the_schedule_runs_mondays_at_nine_and_on_the_first_of_the_month(settings):
    weekly = settings.CELERY_BEAT_SCHEDULE["weekly-overdue-report"]
    monthly = settings.CELERY_BEAT_SCHEDULE["monthly-long-term-report"]
    assert weekly["task"] == "opsreview.reports.tasks.send_weekly_reports"
    assert (weekly["schedule"].minute, weekly["schedule"].hour) == ({0}, {9})
    assert weekly["schedule"].day_of_week == {1}
    assert monthly["task"] == "opsreview.reports.tasks.send_monthly_reports"
    assert (monthly["schedule"].day_of_month, monthly["schedule"].hour) == ({1}, {9})
