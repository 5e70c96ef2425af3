"""The weekly overdue report and the monthly long-term report: who gets one and what it says.

Time is frozen on Monday 30 November 2026, 09:00 in London (GMT, so UTC and local dates agree):
the weekly report of ISO week 2026-W49, sent when the beat runs. The monthly report is frozen on
the 1st of its month. Emails go to Django's in-memory outbox.
"""

import re
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from opsreview.actions import services
from opsreview.actions.models import Term
from opsreview.reports import tasks
from opsreview.reports.builder import report_recipients
from opsreview.reports.models import DeliveryStatus, ReportDelivery, ReportKind
from tests.coe.factories import team_item
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of week 2026-W49
TODAY = date(2026, 11, 30)
WEEK = "2026-W49"
LAST_WEEK = "2026-W48"
SITE_URL = "https://opsreview.example.com"


@pytest.fixture
def frozen(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.SITE_URL = SITE_URL
    return time_machine


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def in_days(days: int) -> date:
    return TODAY + timedelta(days=days)


def person(first_name: str, last_name: str, **fields):
    return UserFactory(first_name=first_name, last_name=last_name, **fields)


def send_weekly_reports() -> None:
    """What the beat does on Monday morning (tasks run in process in tests)."""
    tasks.send_weekly_reports.delay()


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def the_email_to(user):
    (message,) = emails_to(user)
    return message


def html_of(message) -> str:
    (html,) = [content for content, kind in message.alternatives if kind == "text/html"]
    return html


def in_order(text: str, *parts: str) -> bool:
    """Each part occurs in the text, after the one before it."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def link_to(item) -> str:
    return f"{SITE_URL}/actions/{item.pk}/"


@pytest.fixture
def morgan(frozen):
    """Morgan manages Payments and Checkout; the items below are theirs unless said otherwise."""
    return person("Morgan", "Reyes")


@pytest.fixture
def ada(frozen):
    return person("Ada", "Lovelace")


@pytest.fixture
def teams(morgan):
    # Created out of alphabetical order, so the report's order is its own.
    payments = TeamFactory(name="Payments", manager=morgan)
    checkout = TeamFactory(name="Checkout", manager=morgan)
    return payments, checkout


@pytest.fixture
def items(teams, ada):
    """Four overdue items over two teams and three terms, two due soon, one due later."""
    payments, checkout = teams
    incident = IncidentFactory(title="Card payments failing")
    return {
        "keys": team_item(
            payments, due_date=days_ago(20), term=Term.LONG, title="Rotate the payment keys"
        ),
        "rollback": team_item(
            payments,
            due_date=days_ago(10),
            term=Term.SHORT,
            title="Roll back the card config",
            owner=ada,
            incident=incident,
        ),
        "canary": team_item(
            payments, due_date=days_ago(5), term=Term.MEDIUM, title="Add a payments canary"
        ),
        "alert": team_item(
            checkout, due_date=days_ago(1), term=Term.MEDIUM, title="Alert on checkout errors"
        ),
        "runbook": team_item(
            checkout, due_date=TODAY, term=Term.SHORT, title="Write the checkout runbook"
        ),
        "load_test": team_item(
            checkout, due_date=in_days(6), term=Term.MEDIUM, title="Load-test the basket"
        ),
        "gateway": team_item(
            checkout, due_date=in_days(8), term=Term.LONG, title="Retire the old gateway"
        ),
    }


# The weekly email: subject


def test_the_subject_counts_the_overdue_items_and_names_the_week(morgan, items):
    send_weekly_reports()

    assert the_email_to(morgan).subject == "BananaStand: 4 overdue action items — week 2026-W49"


def test_one_overdue_item_is_an_item_not_items(morgan):
    team_item(TeamFactory(manager=morgan), due_date=days_ago(3))

    send_weekly_reports()

    assert the_email_to(morgan).subject == "BananaStand: 1 overdue action item — week 2026-W49"


def test_the_subject_names_the_site_as_configured(morgan, settings):
    settings.SITE_NAME = "Bananas & Sons"
    team_item(TeamFactory(manager=morgan), due_date=days_ago(3))

    send_weekly_reports()

    assert the_email_to(morgan).subject == "Bananas & Sons: 1 overdue action item — week 2026-W49"


# The weekly email: the overdue items


def test_overdue_items_are_grouped_by_team_alphabetically_then_by_term_short_first(morgan, items):
    send_weekly_reports()

    message = the_email_to(morgan)
    for body in (message.body, html_of(message)):
        assert in_order(
            body,
            "Checkout",
            "Medium term",
            "Alert on checkout errors",
            "Payments",
            "Short term",
            "Roll back the card config",
            "Medium term",
            "Add a payments canary",
            "Long term",
            "Rotate the payment keys",
        )
    assert in_order(message.body, "Checkout (1)", "Payments (3)")


def test_each_overdue_item_shows_title_owner_due_date_days_overdue_source_and_link(morgan, items):
    send_weekly_reports()

    rollback = items["rollback"]
    assert (
        "  - Roll back the card config\n"
        "      Owner: Ada Lovelace · due 20 Nov 2026 · 10 days overdue\n"
        '      From: incident "Card payments failing"\n'
        f"      {link_to(rollback)}\n"
    ) in the_email_to(morgan).body


def test_an_item_from_a_coe_names_the_coe_and_one_day_is_a_day(morgan, items):
    send_weekly_reports()

    alert = items["alert"]
    owner = alert.owner.get_full_name()
    assert (
        "  - Alert on checkout errors\n"
        f"      Owner: {owner} · due 29 Nov 2026 · 1 day overdue\n"
        f'      From: COE "{alert.coe.title}"\n'
        f"      {link_to(alert)}\n"
    ) in the_email_to(morgan).body


def test_the_html_part_links_each_item_absolutely_and_names_its_source(morgan, items):
    send_weekly_reports()

    html = html_of(the_email_to(morgan))
    for item in items.values():
        if item.title != "Retire the old gateway":
            assert f'href="{link_to(item)}"' in html
    assert "Incident: Card payments failing" in html
    assert "Ada Lovelace" in html
    assert f"COE: {items['alert'].coe.title}" in html
    assert re.search(r">\s*10\s*</td>", html)  # days overdue of the item due on 20 Nov


def test_items_due_in_the_next_seven_days_are_listed_apart_and_due_today_is_not_overdue(
    morgan, items
):
    send_weekly_reports()

    body = the_email_to(morgan).body
    overdue, due_soon = body.split("DUE IN THE NEXT 7 DAYS: 2\n")
    assert "Write the checkout runbook" not in overdue
    assert in_order(
        due_soon,
        "  - Write the checkout runbook (Checkout, short term)\n",
        "due Mon 30 Nov\n",
        f"{link_to(items['runbook'])}\n",
        "  - Load-test the basket (Checkout, medium term)\n",
        "due Sun 6 Dec\n",
    )
    assert "TOTALS: 4 overdue, 2 due this week." in body


def test_an_item_due_in_eight_days_is_not_in_this_weeks_report(morgan, items):
    send_weekly_reports()

    message = the_email_to(morgan)
    assert "Retire the old gateway" not in message.body
    assert "Retire the old gateway" not in html_of(message)


@pytest.mark.parametrize("finished", ["done", "won't do"])
def test_finished_items_never_appear(morgan, items, finished):
    item = team_item(TeamFactory(manager=morgan), due_date=days_ago(3), title="Finished business")
    if finished == "done":
        services.action_item_complete(item=item, actor=item.owner)
    else:
        services.action_item_wont_do(item=item, actor=item.owner, reason="Superseded.")

    send_weekly_reports()

    message = the_email_to(morgan)
    assert "Finished business" not in message.body
    assert "Finished business" not in html_of(message)
    assert message.subject.startswith("BananaStand: 4 overdue")


def test_another_managers_teams_never_appear(morgan, items):
    sam = person("Sam", "Okafor")
    team_item(TeamFactory(name="Search", manager=sam), due_date=days_ago(2), title="Reindex")

    send_weekly_reports()

    morgans = the_email_to(morgan)
    assert "Search" not in morgans.body
    assert "Reindex" not in morgans.body + html_of(morgans)
    sams = the_email_to(sam)
    assert sams.subject == "BananaStand: 1 overdue action item — week 2026-W49"
    assert "Payments" not in sams.body + html_of(sams)


# The weekly email: its HTML part


def test_the_html_part_uses_inline_styles_and_tables_without_scripts_or_remote_images(
    morgan, items
):
    send_weekly_reports()

    message = the_email_to(morgan)
    assert [kind for _, kind in message.alternatives] == ["text/html"]
    html = html_of(message)
    assert 'style="' in html
    assert "<table" in html
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()  # no external stylesheet either
    images = re.findall(r"<img\b[^>]*>", html, flags=re.IGNORECASE)
    assert all(re.search(r'src="data:', image) for image in images)


def test_the_html_and_text_parts_carry_the_same_facts(morgan, items):
    send_weekly_reports()

    message = the_email_to(morgan)
    html = html_of(message)
    for item in items.values():
        assert (item.title in message.body) == (item.title in html)
        assert (link_to(item) in message.body) == (link_to(item) in html)
    assert "OVERDUE: 4" in message.body
    assert "4 overdue action items" in html
    assert "2 due in the next 7 days" in html
    for team, count in (("Checkout", 1), ("Payments", 3)):
        assert f"{team} ({count})" in message.body
        assert re.search(rf"{team} <span[^>]*>\({count} overdue\)", html)


# The weekly email: the change since last week


def last_weeks_report(recipient, *, overdue_count, status=DeliveryStatus.SENT) -> ReportDelivery:
    return ReportDelivery.objects.create(
        recipient=recipient,
        kind=ReportKind.WEEKLY,
        period=LAST_WEEK,
        status=status,
        overdue_count=overdue_count,
    )


@pytest.mark.parametrize(
    ("last_week", "change"),
    [(5, "-2 since last week"), (1, "+2 since last week"), (3, "no change since last week")],
)
def test_the_report_says_how_the_overdue_count_changed_since_last_weeks_report(
    morgan, last_week, change
):
    team = TeamFactory(manager=morgan)
    for days in (1, 2, 3):
        team_item(team, due_date=days_ago(days))
    last_weeks_report(morgan, overdue_count=last_week)

    send_weekly_reports()

    message = the_email_to(morgan)
    assert f"OVERDUE: 3 ({change})" in message.body
    assert f"3 overdue ({change})" in html_of(message)


@pytest.mark.parametrize("last_week", [None, DeliveryStatus.FAILED, DeliveryStatus.CLAIMED])
def test_without_a_report_sent_last_week_there_is_no_change_line(morgan, last_week):
    team_item(TeamFactory(manager=morgan), due_date=days_ago(3))
    if last_week is not None:
        last_weeks_report(morgan, overdue_count=5, status=last_week)

    send_weekly_reports()

    message = the_email_to(morgan)
    assert "since last week" not in message.body
    assert "since last week" not in html_of(message)


def test_the_report_sent_records_its_counts_for_next_weeks_change(morgan, items):
    send_weekly_reports()

    delivery = ReportDelivery.objects.get(recipient=morgan, kind=ReportKind.WEEKLY, period=WEEK)
    assert delivery.status == DeliveryStatus.SENT
    assert (delivery.overdue_count, delivery.item_count) == (4, 6)
    assert delivery.subject == "BananaStand: 4 overdue action items — week 2026-W49"


# Who gets the weekly email


def test_a_manager_with_nothing_overdue_or_due_this_week_gets_no_email(morgan):
    team_item(TeamFactory(manager=morgan), due_date=in_days(30))

    send_weekly_reports()

    assert emails_to(morgan) == []
    assert not ReportDelivery.objects.exists()


def test_with_all_clear_on_a_manager_with_nothing_overdue_hears_that_nothing_is(morgan, settings):
    settings.REPORT_SEND_ALL_CLEAR = True
    team_item(TeamFactory(manager=morgan), due_date=in_days(30))
    quiet = person("Quinn", "Adair")
    TeamFactory(manager=quiet)  # no items at all

    send_weekly_reports()

    for manager in (morgan, quiet):
        message = the_email_to(manager)
        assert message.subject == "BananaStand: 0 overdue action items — week 2026-W49"
        assert "Nothing is overdue." in message.body
        assert "Nothing is overdue." in html_of(message)
        assert "Nothing due this week." in message.body


def test_recipients_are_the_active_managers_of_teams_with_open_items(morgan, frozen):
    team_item(TeamFactory(manager=morgan), due_date=in_days(60))
    finished_manager = person("Fin", "Ished")
    done = team_item(TeamFactory(manager=finished_manager), due_date=days_ago(2))
    services.action_item_complete(item=done, actor=done.owner)
    member = person("Mem", "Ber")
    TeamFactory(manager=None, members=[member])
    gone = person("Gone", "Away")
    team_item(TeamFactory(manager=gone), due_date=days_ago(2))
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    assert list(report_recipients(ReportKind.WEEKLY)) == [morgan]


def test_a_manager_of_two_teams_is_one_recipient(morgan, items):
    assert list(report_recipients(ReportKind.WEEKLY)) == [morgan]


def test_an_inactive_manager_gets_nothing(morgan, items):
    morgan.is_active = False
    morgan.save(update_fields=["is_active"])

    send_weekly_reports()

    assert mail.outbox == []
    assert not ReportDelivery.objects.exists()


# The monthly long-term report: run on Sunday 1 November 2026, in the fourth quarter

MONTH_NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
MONTH = "2026-11"


@pytest.fixture
def long_term_items(time_machine, settings, morgan):
    """Long-term work of Morgan's team in every state, and medium-term work that never shows."""
    settings.SITE_URL = SITE_URL
    team = TeamFactory(name="Payments", manager=morgan)

    def finished_on(moment: datetime, title: str):
        time_machine.move_to(moment, tick=False)
        item = team_item(team, due_date=moment.date(), term=Term.LONG, title=title)
        return services.action_item_complete(item=item, actor=item.owner)

    finished_on(datetime(2026, 9, 15, 12, 0, tzinfo=UTC), "Finished in September")
    finished_on(datetime(2026, 10, 15, 12, 0, tzinfo=UTC), "Finished in October")
    time_machine.move_to(MONTH_NOW, tick=False)
    long_term = {
        "overdue": team_item(team, due_date=date(2026, 10, 20), term=Term.LONG, title="Overdue"),
        "this_month": team_item(
            team, due_date=date(2026, 11, 15), term=Term.LONG, title="Due in November"
        ),
        "this_quarter": team_item(
            team, due_date=date(2026, 12, 10), term=Term.LONG, title="Due in December"
        ),
        "next_quarter": team_item(
            team, due_date=date(2027, 1, 10), term=Term.LONG, title="Due in January"
        ),
    }
    for due in (date(2026, 10, 20), date(2026, 11, 15)):
        team_item(team, due_date=due, term=Term.MEDIUM, title=f"Medium work due {due:%d %b}")
    return long_term


def send_monthly_reports() -> None:
    tasks.send_monthly_reports.delay()


def section(body: str, heading: str) -> str:
    """The lines under a heading such as "DUE THIS MONTH: 1", up to the next blank line."""
    return body.split(f"{heading}\n", 1)[1].split("\n\n", 1)[0]


def test_the_monthly_report_lists_long_term_items_by_when_they_are_due(morgan, long_term_items):
    send_monthly_reports()

    message = the_email_to(morgan)
    assert message.subject == "BananaStand: long-term action items — November 2026"
    body = message.body
    assert "  - Overdue (Payments)" in section(body, "OVERDUE: 1")
    assert "  - Due in November (Payments)" in section(body, "DUE THIS MONTH: 1")
    assert "  - Due in December (Payments)" in section(body, "DUE LATER THIS QUARTER: 1")
    assert "  - Finished in October (Payments)" in section(body, "COMPLETED LAST MONTH: 1")
    assert link_to(long_term_items["overdue"]) in body


def test_the_monthly_report_leaves_out_later_quarters_earlier_completions_and_medium_items(
    morgan, long_term_items
):
    send_monthly_reports()

    message = the_email_to(morgan)
    for body in (message.body, html_of(message)):
        assert "Due in January" not in body
        assert "Finished in September" not in body
        assert "Medium work" not in body


def test_the_monthly_html_part_carries_the_same_items(morgan, long_term_items):
    send_monthly_reports()

    html = html_of(the_email_to(morgan))
    for heading in (
        "Overdue (1)",
        "Due this month (1)",
        "Due later this quarter (1)",
        "Completed last month (1)",
    ):
        assert heading in html
    for title in ("Overdue", "Due in November", "Due in December", "Finished in October"):
        assert title in html
    assert "<script" not in html.lower()


def test_the_monthly_report_goes_only_to_managers_of_teams_with_open_long_term_items(
    morgan, long_term_items
):
    medium_only = person("Medi", "Um")
    team_item(TeamFactory(manager=medium_only), due_date=date(2026, 10, 20), term=Term.MEDIUM)

    send_monthly_reports()

    assert [message.to for message in mail.outbox] == [[morgan.email]]


def test_an_item_completed_just_after_midnight_london_time_counts_in_that_london_month(
    time_machine, morgan
):
    # Summer time: 00:30 on 1 July in London is still 30 June in UTC.
    team = TeamFactory(manager=morgan)
    time_machine.move_to(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), tick=False)
    item = team_item(team, due_date=date(2026, 7, 1), term=Term.LONG, title="Just after midnight")
    services.action_item_complete(item=item, actor=item.owner)
    team_item(team, due_date=date(2026, 8, 20), term=Term.LONG)  # keeps Morgan a recipient
    time_machine.move_to(datetime(2026, 8, 1, 8, 0, tzinfo=UTC), tick=False)

    send_monthly_reports()

    assert "  - Just after midnight" in section(
        the_email_to(morgan).body, "COMPLETED LAST MONTH: 1"
    )


# The command


def run_send_reports(*args: str) -> str:
    out = StringIO()
    call_command("send_reports", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_says_who_would_get_what_and_sends_nothing(morgan, items):
    quiet = person("Quinn", "Adair", email="")
    team_item(TeamFactory(manager=quiet), due_date=in_days(30))

    output = run_send_reports("--dry-run")

    assert output.splitlines() == [
        f"Morgan Reyes <{morgan.email}>: 4 overdue, 6 items in all",
        "Quinn Adair <no address>: nothing to report",
    ]
    assert mail.outbox == []
    assert not ReportDelivery.objects.exists()


def test_a_dry_run_of_another_week_counts_as_of_that_weeks_monday(morgan, items):
    output = run_send_reports("--dry-run", "--period", LAST_WEEK)

    # On Monday 23 November the items due on the 10th and the 20th were overdue; two more fell
    # due that week (on the 25th and the 29th).
    assert output.splitlines() == [f"Morgan Reyes <{morgan.email}>: 2 overdue, 4 items in all"]
    assert mail.outbox == []


def test_a_monthly_dry_run_counts_long_term_items(morgan, long_term_items):
    output = run_send_reports("--kind", "monthly", "--dry-run")

    assert output.splitlines() == [f"Morgan Reyes <{morgan.email}>: 1 overdue, 4 items in all"]
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("kind", "period"),
    [
        ("weekly", "2026-W54"),
        ("weekly", "next week"),
        ("weekly", "2026-11"),
        ("monthly", "2026-13"),
        ("monthly", "2026-W48"),
    ],
)
def test_a_period_that_is_not_one_is_refused(frozen, kind, period):
    with pytest.raises(CommandError, match="is not a"):
        run_send_reports("--kind", kind, "--period", period)
    assert mail.outbox == []


def test_the_command_sends_the_reports_of_the_week_and_says_what_happened(morgan, items):
    output = run_send_reports()

    assert output.splitlines() == ["Morgan Reyes: sent"]
    assert the_email_to(morgan).subject.endswith("— week 2026-W49")
