from django.core.management import call_command
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

    def add_arguments(self, parser):
        parser.add_argument(
            "--cloudwatch",
            metavar="URL",
            help="Then load the demo's CloudWatch alarms and metrics into the moto server at URL "
            "(e.g. http://127.0.0.1:5000) and read them, as `cloudwatch_demo --endpoint URL` does.",
        )

    def handle(self, *args, cloudwatch: str | None = None, **options):
        self._seed()
        if cloudwatch:
            call_command(
                "cloudwatch_demo", endpoint=cloudwatch, stdout=self.stdout, stderr=self.stderr
            )

    @transaction.atomic
    def _seed(self):
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
