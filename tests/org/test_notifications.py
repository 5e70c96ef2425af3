"""Each step that needs someone reaches them once: in their inbox, and by email after the
change commits, unless they turned that kind of email off."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from opsreview.org.models import EmailOptOut, Notification, NotificationKind
from opsreview.org.notifications import email_notification
from opsreview.org.services import notify, notify_each

from .factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/coe/7/"


def _notify(recipient, *, key="coe:7:review", actor=None, kind=NotificationKind.REVIEW_REQUESTED):
    return notify(
        recipient=recipient,
        kind=kind,
        key=key,
        text="Priya asks for your review of “Checkout failing”.",
        url=URL,
        actor=actor,
    )


def test_a_notification_is_listed_once_and_emailed_once_after_the_change_commits(
    django_capture_on_commit_callbacks, settings
):
    reviewer = UserFactory(email="rae@example.com", first_name="Rae")
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(reviewer)
        again = _notify(reviewer)  # a retry or a double click
        assert mail.outbox == []  # nothing leaves before the commit

    assert first is not None and again is None
    assert Notification.objects.filter(recipient=reviewer).count() == 1
    [message] = mail.outbox
    assert message.to == ["rae@example.com"]
    assert "Your review is requested" in message.subject
    assert "Checkout failing" in message.subject
    assert f"{settings.SITE_URL}{URL}" in message.body
    assert "Hello Rae" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and f"{settings.SITE_URL}{URL}" in html
    first.refresh_from_db()
    assert first.emailed_at is not None
    # The task running again (a redelivery) sends nothing more.
    assert email_notification(first.pk) is False
    assert len(mail.outbox) == 1


def test_a_change_rolled_back_leaves_no_notification_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    reviewer = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify(reviewer)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_nobody_is_told_of_their_own_doing_nor_anyone_who_cannot_sign_in():
    author = UserFactory()
    gone = UserFactory(is_active=False)
    assert _notify(author, actor=author) is None
    assert _notify(gone) is None
    assert not Notification.objects.exists()


def test_each_person_listed_twice_is_told_once():
    ana, bo = UserFactory(), UserFactory()
    made = notify_each(
        [ana, bo, ana],
        kind=NotificationKind.APPROVED,
        key="coe:7:approved",
        text="“Checkout failing” is approved.",
        url=URL,
    )
    assert sorted(n.recipient_id for n in made) == sorted([ana.pk, bo.pk])


def test_an_opted_out_kind_stays_in_the_inbox_but_sends_no_email(
    django_capture_on_commit_callbacks,
):
    reviewer = UserFactory()
    EmailOptOut.objects.create(person=reviewer, kind=NotificationKind.REVIEW_REQUESTED)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(reviewer)
        _notify(reviewer, key="coe:7:mention", kind=NotificationKind.MENTION)
    assert Notification.objects.filter(recipient=reviewer).count() == 2
    [message] = mail.outbox  # the mention only
    assert "You are mentioned" in message.subject


def test_a_person_without_an_address_gets_the_inbox_line_only(
    django_capture_on_commit_callbacks,
):
    reviewer = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(reviewer)
    assert Notification.objects.filter(recipient=reviewer).exists()
    assert mail.outbox == []


def test_a_failed_send_is_tried_again_and_sent_once(flaky_transport, eager_retries):
    reviewer = UserFactory()
    with transaction.atomic():
        notification = _notify(reviewer)
    flaky_transport(2)
    # The task retries with backoff on a transient error; eager mode runs the retries in turn.
    from opsreview.org.tasks import send_notification_email

    assert send_notification_email.delay(notification_id=notification.pk).get() is True
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert len(mail.outbox) == 1


def test_long_or_hostile_text_is_clipped_and_shown_as_text(client: Client):
    reviewer = UserFactory()
    hostile = '<img src=x onerror=alert(1)> hx-post="/admin/" ' + "x" * 100_000
    notify(recipient=reviewer, kind="mention", key="k", text=hostile, url="//evil.example/")
    notification = Notification.objects.get()
    assert len(notification.text) == Notification.TEXT_MAX
    client.force_login(reviewer)
    page = client.get(reverse("inbox")).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # A link off the site is never followed: opening it goes to the inbox.
    response = client.post(reverse("notification_read", args=[notification.pk]))
    assert response["Location"] == reverse("inbox")


# The inbox


def test_the_header_counts_unread_notifications_without_another_query(
    client: Client, django_assert_num_queries
):
    reviewer = UserFactory()
    for n in range(3):
        _notify(reviewer, key=f"k{n}")
    Notification.objects.filter(key="k0").update(read_at="2026-11-01T00:00:00Z")
    client.force_login(reviewer)
    page = client.get(reverse("team_list")).content.decode()
    assert 'data-testid="unread-count">2<' in page

    Notification.objects.update(read_at="2026-11-01T00:00:00Z")
    page = client.get(reverse("team_list")).content.decode()
    assert 'data-testid="unread-count"' not in page


def test_opening_a_notification_reads_it_and_goes_to_its_page(client: Client):
    reviewer = UserFactory()
    notification = _notify(reviewer)
    client.force_login(reviewer)

    response = client.post(reverse("notification_read", args=[notification.pk]))

    assert response.status_code == 302 and response["Location"] == URL
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_nobody_opens_or_learns_of_someone_elses_notification(client: Client):
    reviewer, other = UserFactory(), UserFactory()
    notification = _notify(reviewer)
    client.force_login(other)

    response = client.post(reverse("notification_read", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    assert notification.text not in client.get(reverse("inbox")).content.decode()


def test_mark_all_read_reads_only_ones_own(client: Client):
    reviewer, other = UserFactory(), UserFactory()
    _notify(reviewer, key="a")
    _notify(reviewer, key="b")
    _notify(other, key="a")
    client.force_login(reviewer)

    response = client.post(reverse("inbox_read_all"), follow=True)

    assert "Marked 2 notifications read." in response.content.decode()
    assert not Notification.objects.filter(recipient=reviewer, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


def test_an_empty_inbox_says_so(client: Client):
    client.force_login(UserFactory())
    assert "Nothing needs you." in client.get(reverse("inbox")).content.decode()


def test_the_inbox_pages_newest_first(client: Client):
    reviewer = UserFactory()
    for n in range(30):
        _notify(reviewer, key=f"k{n:02}")
    client.force_login(reviewer)
    page = client.get(reverse("inbox")).content.decode()
    assert page.count('data-testid="notification"') == 25
    assert 'rel="next"' in page


# Email settings


def test_email_settings_turn_kinds_off_and_on_again(client: Client):
    person = UserFactory()
    client.force_login(person)
    kinds = [NotificationKind.REVIEW_REQUESTED, NotificationKind.APPROVED]

    response = client.post(reverse("email_settings"), {"kinds": kinds})

    assert response.status_code == 302
    off = set(EmailOptOut.objects.filter(person=person).values_list("kind", flat=True))
    assert off == set(NotificationKind) - set(kinds)
    page = client.get(reverse("email_settings")).content.decode()
    assert 'value="review_requested" checked' in page.replace("\n", " ") or (
        "checked" in page and 'value="review_requested"' in page
    )

    client.post(reverse("email_settings"), {"kinds": list(NotificationKind)})
    assert not EmailOptOut.objects.filter(person=person).exists()


def test_an_unknown_kind_is_refused_with_a_message(client: Client):
    person = UserFactory()
    client.force_login(person)
    response = client.post(reverse("email_settings"), {"kinds": ["everything"]})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not EmailOptOut.objects.filter(person=person).exists()
