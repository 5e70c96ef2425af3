"""The anniversary digest: once a month, each manager hears of their teams' COEs written in the
same month a year earlier whose action items are not all done.

Time is frozen on Monday 1 June 2026, 09:00 in London (BST, an hour ahead of UTC): the digest of
2026-06 lists the COEs written in June 2025, as London's calendar reads it.
"""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coe.models import CoeKind
from opsreview.actions.services import (
    action_item_complete,
    action_item_start,
    action_item_wont_do,
)
from opsreview.reports import services, tasks
from opsreview.reports.builder import anniversary_recipients, build_reports
from opsreview.reports.models import DeliveryStatus, ReportDelivery, ReportKind
from tests.coe.factories import CoeFactory, add_item
from tests.concurrency import run_at_once
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 in London
PERIOD = "2026-06"
ANNIVERSARY = ReportKind.ANNIVERSARY
SITE_URL = "https://opsreview.example.com"
# Moments of the year before, in UTC.
MID_JUNE_2025 = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)
FIRST_HOUR_OF_JUNE_2025 = datetime(2025, 5, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 June in London
LAST_HOUR_OF_JUNE_2025 = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)  # 23:30 on 30 June in London
FIRST_HOUR_OF_JULY_2025 = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London


@pytest.fixture
def frozen(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.SITE_URL = SITE_URL
    return time_machine


def coe_written(
    frozen, team, *, at: datetime, title="Checkout unavailable in the EU", items=(), **fields
):
    """A COE of `team` written at `at`, with items given as (title, owner, due date), made then;
    the clock goes back to NOW afterwards."""
    frozen.move_to(at, tick=False)
    author = UserFactory()
    coe = CoeFactory(team=team, actor=author, title=title, **fields)
    made = [
        add_item(coe, title=item_title, owner=owner or author, due_date=due)
        for item_title, owner, due in items
    ]
    frozen.move_to(NOW, tick=False)
    return coe, made


@pytest.fixture
def manager():
    return UserFactory(first_name="Morgan", last_name="Lee", username="morgan")


@pytest.fixture
def team(manager):
    return TeamFactory(name="Banana Distributor", manager=manager)


@pytest.fixture
def coe_of_june(frozen, team):
    """A COE of June 2025 with an item overdue since last summer and one due later this month."""
    owner = UserFactory(first_name="Ada", last_name="Byron")
    return coe_written(
        frozen,
        team,
        at=MID_JUNE_2025,
        title="Bananas were not distributed",
        items=[
            ("Alarm on the distributor's queue depth", owner, date(2025, 8, 1)),
            ("Load test the distributor yearly", owner, date(2026, 6, 20)),
        ],
    )


def the_report(recipient):
    (report,) = build_reports([recipient], kind=ANNIVERSARY, period=PERIOD)
    return report


def listed(report) -> dict[str, list[str]]:
    return {coe.title: [item.title for item in coe.items] for coe in report.coes}


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def html_of(message) -> str:
    (html,) = [content for content, kind in message.alternatives if kind == "text/html"]
    return html


# Which COEs and items


def test_the_digest_lists_the_coes_written_in_the_same_month_a_year_ago(frozen, team, manager):
    for when, title in [
        (FIRST_HOUR_OF_JUNE_2025, "First hour of June"),
        (LAST_HOUR_OF_JUNE_2025, "Last hour of June"),
        (FIRST_HOUR_OF_JULY_2025, "First hour of July"),
        (datetime(2025, 5, 20, 12, 0, tzinfo=UTC), "May"),
        (datetime(2024, 6, 12, 12, 0, tzinfo=UTC), "June, two years ago"),
        (datetime(2026, 5, 12, 12, 0, tzinfo=UTC), "Last month"),
    ]:
        coe_written(frozen, team, at=when, title=title, items=[(title, None, date(2026, 9, 1))])

    assert list(listed(the_report(manager))) == ["First hour of June", "Last hour of June"]


def test_only_the_coes_of_the_managers_own_teams_are_listed(frozen, coe_of_june, manager):
    second_team = TeamFactory(name="Banana Orchestrator", manager=manager)
    coe_written(
        frozen,
        second_team,
        at=MID_JUNE_2025,
        title="Orchestrator stalled",
        items=[("Timeouts on every call", None, date(2026, 9, 1))],
    )
    other_manager = UserFactory()
    coe_written(
        frozen,
        TeamFactory(manager=other_manager),
        at=MID_JUNE_2025,
        title="Someone else's COE",
        items=[("Theirs", None, date(2026, 9, 1))],
    )

    assert list(listed(the_report(manager))) == [
        "Bananas were not distributed",
        "Orchestrator stalled",
    ]
    assert list(listed(the_report(other_manager))) == ["Someone else's COE"]


def test_a_near_miss_of_a_year_ago_is_listed_as_any_coe_is(frozen, coe_of_june, team, manager):
    coe_written(
        frozen,
        team,
        at=datetime(2025, 6, 20, 12, 0, tzinfo=UTC),
        title="Disk almost full",
        items=[("Alarm on stopped jobs", None, date(2026, 9, 1))],
        kind=CoeKind.NEAR_MISS,
    )

    assert list(listed(the_report(manager))) == ["Bananas were not distributed", "Disk almost full"]


def test_only_the_items_not_done_are_listed(frozen, team, manager):
    _, (done, dropped, started, _) = coe_written(
        frozen,
        team,
        at=MID_JUNE_2025,
        items=[(title, None, date(2025, 9, 1)) for title in ("Done", "Dropped", "Started", "Left")],
    )
    action_item_complete(item=done, actor=done.owner)
    action_item_wont_do(item=dropped, actor=dropped.owner, reason="The service was retired.")
    action_item_start(item=started, actor=started.owner)

    assert listed(the_report(manager)) == {"Checkout unavailable in the EU": ["Started", "Left"]}


def test_a_coe_whose_items_are_all_done_or_dropped_is_not_listed(frozen, coe_of_june, manager):
    _, items = coe_of_june
    action_item_complete(item=items[0], actor=items[0].owner)
    action_item_wont_do(item=items[1], actor=items[1].owner, reason="Covered by the alarm.")

    assert the_report(manager).is_empty
    assert list(anniversary_recipients(PERIOD)) == []


def test_each_item_says_its_owner_due_date_and_whether_it_is_overdue(coe_of_june, manager):
    (coe,) = the_report(manager).coes
    overdue, due_later = coe.items

    assert (overdue.owner_name, overdue.due, overdue.days_late) == ("Ada Byron", "1 Aug 2025", 304)
    assert (due_later.owner_name, due_later.due, due_later.days_late) == (
        "Ada Byron",
        "20 Jun 2026",
        0,
    )
    assert (the_report(manager).overdue_count, the_report(manager).item_count) == (1, 2)


def test_the_recipients_are_the_active_managers_with_something_to_hear(
    frozen, coe_of_june, manager
):
    gone = UserFactory(is_active=False)
    coe_written(
        frozen,
        TeamFactory(manager=gone),
        at=MID_JUNE_2025,
        items=[("Theirs", None, date(2026, 9, 1))],
    )
    coe_written(
        frozen,
        TeamFactory(manager=UserFactory()),
        at=datetime(2025, 7, 2, tzinfo=UTC),
        items=[("July's", None, date(2026, 9, 1))],
    )
    TeamFactory(manager=UserFactory())  # no COE at all

    assert list(anniversary_recipients(PERIOD)) == [manager]


# Sending: once per manager and month


def test_the_beat_sends_each_manager_with_a_year_old_coe_one_digest(frozen, coe_of_june, manager):
    quiet_manager = UserFactory()
    TeamFactory(manager=quiet_manager)

    assert tasks.send_anniversary_reports.delay().get() == 1

    (message,) = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == "BananaStand: a year on, 1 COE from June 2025 with items not done"
    delivery = ReportDelivery.objects.get()
    assert (delivery.recipient, delivery.kind, delivery.period) == (manager, ANNIVERSARY, PERIOD)
    assert (delivery.status, delivery.overdue_count, delivery.item_count) == (
        DeliveryStatus.SENT,
        1,
        2,
    )


def test_the_beat_run_twice_sends_one_digest(coe_of_june, manager):
    tasks.send_anniversary_reports.delay()
    tasks.send_anniversary_reports.delay()

    assert len(emails_to(manager)) == 1
    assert ReportDelivery.objects.get().attempts == 1


def test_the_command_after_the_beat_sends_nothing_more(coe_of_june, manager):
    tasks.send_anniversary_reports.delay()
    out = StringIO()

    call_command("send_reports", "--kind", "anniversary", stdout=out)

    assert out.getvalue().splitlines() == ["Morgan Lee: already"]
    assert len(emails_to(manager)) == 1


def test_the_next_month_is_a_digest_of_its_own(frozen, coe_of_june, team, manager):
    coe_written(
        frozen,
        team,
        at=datetime(2025, 7, 8, tzinfo=UTC),
        title="July's COE",
        items=[("July's item", None, date(2026, 9, 1))],
    )
    tasks.send_anniversary_reports.delay()
    frozen.move_to(NOW + timedelta(days=30), tick=False)  # 1 July 2026

    tasks.send_anniversary_reports.delay()

    assert [message.subject for message in emails_to(manager)] == [
        "BananaStand: a year on, 1 COE from June 2025 with items not done",
        "BananaStand: a year on, 1 COE from July 2025 with items not done",
    ]
    assert sorted(ReportDelivery.objects.values_list("period", flat=True)) == ["2026-06", "2026-07"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_digest_at_once_send_one_email(coe_of_june, manager):
    def deliver():
        return services.report_deliver(recipient=manager, kind=ANNIVERSARY, period=PERIOD)

    outcomes, errors = run_at_once(deliver, deliver)

    assert errors == []
    assert sorted(outcomes) == ["already", "sent"]
    assert len(emails_to(manager)) == 1


def test_the_weekly_and_monthly_reports_do_not_stand_in_for_the_digest(coe_of_june, manager):
    """Each report has its own delivery: a month's long-term report does not use up the digest."""
    ReportDelivery.objects.create(
        recipient=manager, kind=ReportKind.MONTHLY, period=PERIOD, status=DeliveryStatus.SENT
    )

    assert services.report_deliver(recipient=manager, kind=ANNIVERSARY, period=PERIOD) == "sent"


def test_staff_preview_the_digest_and_send_it_now_from_the_reports_page(
    client, coe_of_june, manager
):
    client.force_login(UserFactory(is_staff=True))

    preview = client.get(
        f"/reports/preview/?recipient={manager.pk}&kind=anniversary&period={PERIOD}"
    )
    sent = client.post("/reports/send/", {"kind": "anniversary"})

    assert "Bananas were not distributed" in preview.context["email"].text
    assert sent.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "BananaStand: a year on, 1 COE from June 2025 with items not done"
    assert ReportDelivery.objects.get().kind == ANNIVERSARY


# Nothing to say, nothing sent


def test_a_manager_with_no_coe_of_a_year_ago_gets_no_digest_even_all_clear(
    frozen, team, manager, settings
):
    settings.REPORT_SEND_ALL_CLEAR = True
    coe_written(
        frozen,
        team,
        at=datetime(2025, 5, 12, tzinfo=UTC),
        items=[("May's", None, date(2026, 9, 1))],
    )

    assert tasks.send_anniversary_reports.delay().get() == 0
    assert services.report_deliver(recipient=manager, kind=ANNIVERSARY, period=PERIOD) == "nothing"

    assert mail.outbox == []
    assert not ReportDelivery.objects.exists()


def test_a_manager_whose_year_old_items_are_all_done_gets_no_digest(coe_of_june, manager):
    for item in coe_of_june[1]:
        action_item_complete(item=item, actor=item.owner)

    tasks.send_anniversary_reports.delay()

    assert mail.outbox == []


# What the email says


def test_the_text_part_lists_each_coe_with_its_items_not_done(coe_of_june, manager):
    coe, (overdue, due_later) = coe_of_june
    tasks.send_anniversary_reports.delay()

    (message,) = emails_to(manager)
    assert message.body == (
        "Hello Morgan,\n"
        "\n"
        "A year ago, in June 2025, your teams wrote these COEs. Their lessons are learned when "
        "their action items are done; 2 are not yet, 1 of them overdue.\n"
        "\n"
        "Bananas were not distributed\n"
        "  Banana Distributor · written 12 June 2025\n"
        f"  {SITE_URL}/coe/{coe.pk}/\n"
        "  - Alarm on the distributor's queue depth\n"
        "      Owner: Ada Byron · due 1 Aug 2025 · OVERDUE by 304 days\n"
        f"      {SITE_URL}/actions/{overdue.pk}/\n"
        "  - Load test the distributor yearly\n"
        "      Owner: Ada Byron · due 20 Jun 2026\n"
        f"      {SITE_URL}/actions/{due_later.pk}/\n"
        "\n"
        "-- \n"
        "opsreview · BananaStand\n"
    )


def test_the_html_part_links_the_coe_and_flags_the_overdue_item(coe_of_june, manager):
    coe, (overdue, due_later) = coe_of_june
    tasks.send_anniversary_reports.delay()

    html = html_of(emails_to(manager)[0])
    assert "COEs of June 2025 with items not done</h1>" in html
    link = f'<a href="{SITE_URL}/coe/{coe.pk}/" style="color:#0b5cad;">'
    assert f"{link}Bananas were not distributed</a>" in html
    assert "Banana Distributor · written 12 June 2025" in html
    link = f'<a href="{SITE_URL}/actions/{overdue.pk}/" style="color:#0b5cad;">'
    assert f"{link}Alarm on the distributor&#x27;s queue depth</a>" in html
    assert f'<a href="{SITE_URL}/actions/{due_later.pk}/"' in html
    assert html.count("Overdue by") == 1
    assert (
        '1 Aug 2025<br><span style="color:#b3261e;font-weight:bold;">Overdue by 304 days</span>'
        in html
    )
    assert html.count("Ada Byron") == 2


def test_a_coe_title_is_escaped_in_the_html_part(frozen, team, manager):
    coe_written(
        frozen,
        team,
        at=MID_JUNE_2025,
        title='<b hx-get="/x">Bold</b>',
        items=[("Item", None, date(2026, 9, 1))],
    )
    tasks.send_anniversary_reports.delay()

    html = html_of(emails_to(manager)[0])
    assert "<b hx-get" not in html
    assert "&lt;b hx-get=&quot;/x&quot;&gt;Bold&lt;/b&gt;" in html


# Queries


def queries_to_build(recipients) -> int:
    with CaptureQueriesContext(connection) as captured:
        build_reports(recipients, kind=ANNIVERSARY, period=PERIOD)
    return len(captured.captured_queries)


def managers_with_year_old_coes(frozen, count: int) -> list:
    managers = UserFactory.create_batch(count)
    for manager in managers:
        for team in TeamFactory.create_batch(2, manager=manager):
            coe_written(
                frozen,
                team,
                at=MID_JUNE_2025,
                items=[
                    ("First", UserFactory(), date(2025, 8, 1)),
                    ("Second", UserFactory(), date(2026, 8, 1)),
                ],
            )
    return managers


def test_building_twelve_managers_digests_takes_the_queries_that_three_take(frozen):
    few = queries_to_build(managers_with_year_old_coes(frozen, 3))
    many = queries_to_build(managers_with_year_old_coes(frozen, 12))
    assert few == many == 3


def test_the_beat_sends_the_digest_on_the_first_of_the_month_at_nine(settings):
    digest = settings.CELERY_BEAT_SCHEDULE["anniversary-digest"]

    assert digest["task"] == "opsreview.reports.tasks.send_anniversary_reports"
    assert (digest["schedule"].day_of_month, digest["schedule"].hour) == ({1}, {9})
    assert digest["schedule"].minute == {0}
