from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from opsreview.org.people import display_name
from opsreview.org.zones import site_today
from opsreview.reports import services
from opsreview.reports.builder import (
    build_reports,
    current_period,
    month_start,
    report_batches,
    week_start,
)
from opsreview.reports.models import ReportDelivery, ReportKind


class Command(BaseCommand):
    help = (
        "Send the weekly overdue (or monthly long-term, or anniversary) reports now, through the "
        "same delivery records as the schedule: nobody gets a second email for a period already "
        "sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=ReportKind.values, default=ReportKind.WEEKLY)
        parser.add_argument(
            "--period", help="2026-W48 (weekly) or 2026-11 (monthly, anniversary); default now"
        )
        parser.add_argument("--dry-run", action="store_true", help="say who would get what")

    def handle(self, *args, kind, period, dry_run, **options):
        period = period or current_period(kind, site_today())
        try:
            start = (week_start if kind == ReportKind.WEEKLY else month_start)(period)
        except ValueError as error:
            raise CommandError(f"{period!r} is not a {kind} period: {error}") from error
        # One spelling per period (2026-W9 is 2026-W09), or the unique delivery cannot match.
        period = current_period(kind, start)
        failures = 0
        for recipient_ids in report_batches(kind, period):
            recipients = get_user_model().objects.filter(pk__in=recipient_ids).order_by("pk")
            if dry_run:
                for report in build_reports(recipients, kind=kind, period=period):
                    recipient = report.recipient
                    self.stdout.write(
                        f"{display_name(recipient)} <{recipient.email or 'no address'}>: "
                        f"{_summary(report)}"
                    )
                continue
            recipients = list(recipients)
            outcomes = services.report_deliver_many(recipients=recipients, kind=kind, period=period)
            errors = dict(
                ReportDelivery.objects.filter(
                    recipient__in=[pk for pk, outcome in outcomes.items() if outcome == "failed"],
                    kind=kind,
                    period=period,
                ).values_list("recipient_id", "error")
            )
            for recipient in recipients:
                outcome = outcomes[recipient.pk]
                if outcome == "failed":
                    failures += 1
                    outcome = f"failed ({errors.get(recipient.pk, '')}); run again to retry"
                self.stdout.write(f"{display_name(recipient)}: {outcome}")
        if failures:
            raise CommandError(f"{failures} report(s) failed; they are marked failed on /reports/.")


def _summary(report) -> str:
    if report.is_empty:
        return "all clear" if settings.REPORT_SEND_ALL_CLEAR else "nothing to report"
    return f"{report.overdue_count} overdue, {report.item_count} items in all"
