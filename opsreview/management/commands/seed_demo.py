from django.core.management.base import BaseCommand
from django.db import transaction

from opsreview import demo


class Command(BaseCommand):
    help = "Create the BananaStand demo organisation. Idempotent: a second run changes nothing."

    @transaction.atomic
    def handle(self, *args, **options):
        seeded = demo.seed_people_and_teams()
        self.stdout.write(
            self.style.SUCCESS(
                f"BananaStand demo ready: {len(seeded['users'])} users, "
                f"{len(seeded['teams'])} teams. Demo password: {demo.DEMO_PASSWORD}"
            )
        )
