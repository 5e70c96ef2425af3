import logging
import socket
import threading

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opsreview.org.models import Team

from ... import aws, services
from ...demo import (
    COMPOSITE,
    DEMO_SCOPES,
    REGION,
    demo_scopes,
    put_demo_alarms,
    put_demo_metric_data,
)
from ...models import AlarmScope


class Command(BaseCommand):
    help = (
        "Put BananaStand's CloudWatch alarms, the composite BananaStand-Overall-Health and two "
        "weeks of the metrics the demo teams chart in a moto server, give the demo teams their "
        "scopes and read the alarms. --serve PORT runs the moto server here until interrupted; "
        "--endpoint URL uses one already running. Run seed_demo first. Never against AWS itself."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--serve",
            type=int,
            metavar="PORT",
            help="Run moto on 127.0.0.1:PORT in this command, until Ctrl-C (0: any free port).",
        )
        where.add_argument(
            "--endpoint",
            default=settings.AWS_ENDPOINT_URL,
            help="A moto server already running, e.g. http://127.0.0.1:5000 "
            "(default: AWS_ENDPOINT_URL).",
        )
        parser.add_argument(
            "--once", action="store_true", help="With --serve: stop moto when done, not on Ctrl-C."
        )

    def handle(self, *args, serve: int | None, endpoint: str, once: bool, **options):
        teams = {team.slug: team for team in Team.objects.filter(slug__in=DEMO_SCOPES)}
        if not teams:
            raise CommandError("No demo teams: run `manage.py seed_demo` first.")
        if serve is None:
            if not endpoint:
                raise CommandError("Give --serve PORT, or --endpoint with a moto server's URL.")
            self._load(teams, endpoint, moto_in_process=False)
            return
        from moto.server import ThreadedMotoServer  # a dev dependency: demos only

        _require_free(serve)

        server_log = logging.getLogger("werkzeug")  # moto's request log: no line per call
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=serve, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        try:
            # Loading, moto answers PutCompositeAlarm with a traceback; the composite is made
            # in its backend instead, so the load's own log would only mislead.
            server_log.setLevel(logging.CRITICAL)
            self._load(teams, endpoint, moto_in_process=True)
            server_log.setLevel(logging.WARNING)
            if not once:
                self.stdout.write(
                    f"moto serves CloudWatch at {endpoint}: run the app and beat with "
                    f"AWS_ENDPOINT_URL={endpoint}. Ctrl-C stops it."
                )
                threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()

    def _load(self, teams: dict, endpoint: str, *, moto_in_process: bool) -> None:
        scope = AlarmScope(region=REGION)
        client = aws.client_for(scope, "cloudwatch", endpoint=endpoint)
        try:
            made = put_demo_alarms(client, moto_in_process=moto_in_process)
            values = put_demo_metric_data(client)
        except (BotoCoreError, ClientError) as error:
            raise CommandError(
                f"Nothing loaded into {endpoint}: {aws.describe_error(error, scope)}"
            ) from None
        if COMPOSITE not in made:
            self.stderr.write(
                f"{COMPOSITE} was not made: this moto server has no PutCompositeAlarm "
                "(use --serve, which puts it in moto's backend directly)."
            )
        read = failed = 0
        for scope in demo_scopes(teams):
            if services.alarm_scope_sync(scope=scope, endpoint=endpoint):
                read += 1
            else:
                failed += 1
                self.stderr.write(f"{scope}: {scope.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(made)} alarms and {values} metric values in {endpoint}; {read} scopes read"
                + (f", {failed} failed." if failed else ".")
            )
        )


def _require_free(port: int) -> None:
    """moto's server thread only prints a busy port and waits forever: say so, and stop."""
    if not port:
        return
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise CommandError(
                f"Port {port} is in use: give another with --serve PORT "
                "(make run: CLOUDWATCH_DEMO_PORT=PORT)."
            ) from None
