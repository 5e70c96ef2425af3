from django.core.management.base import BaseCommand
from django.db import transaction

from coe.demo import seed_coes
from incidents.demo import seed_incidents
from opsreview.cloudwatch.demo import seed_alarms
from opsreview.meetings.demo import seed_meetings
from opsreview.org import demo
from wheel.demo import seed_wheel


class Command(BaseCommand):
    help = "Create the BananaStand demo organisation. Idempotent: a second run changes nothing."

    @transaction.atomic
    def handle(self, *args, **options):
        seeded = demo.seed_people_and_teams()
        incidents = seed_incidents(seeded["users"], seeded["teams"])
        coes = seed_coes(seeded["users"], seeded["teams"])
        wheel = seed_wheel(seeded["teams"])
        seed_alarms(seeded["teams"])
        meetings = seed_meetings(seeded["users"], seeded["teams"], coes, wheel)
        self.stdout.write(
            self.style.SUCCESS(
                f"BananaStand demo ready: {len(seeded['users'])} users, "
                f"{len(seeded['teams'])} teams, {len(incidents)} incidents, {len(coes)} COEs, "
                f"{len(meetings)} ops meetings. "
                f"Demo password: {demo.DEMO_PASSWORD}"
            )
        )
