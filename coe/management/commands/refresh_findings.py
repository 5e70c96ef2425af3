from django.core.management.base import BaseCommand

from coe.findings import findings_refresh
from coe.models import Coe


class Command(BaseCommand):
    help = (
        "Check every COE's texts again with today's blameless rules and people, and store the "
        "findings that changed (after the rules change, or after rows were inserted in bulk)."
    )

    def handle(self, *args, **options):
        count = findings_refresh(Coe.objects.order_by("pk"))
        self.stdout.write(f"Stored new findings for {count} row{'s' if count != 1 else ''}.")
