"""How long building every manager's weekly report takes, and how many SQL queries it needs.

    .venv/bin/python benchmarks/reports.py                      # 1,000 managers, 10,000 teams
    .venv/bin/python benchmarks/reports.py --items 10000,100000 # the item counts to compare

It builds a throwaway organisation in a fresh SQLite database under a temporary folder (never
the app's own database), then, for each item count, builds and renders every manager's email
exactly as the weekly task does (without sending), `--batch` managers at a time, and prints the
time (in all, its CPU part, which a busy machine disturbs less, and per manager), the queries
in all (a few per batch, whatever the items) and the process's peak resident memory.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django(var_dir: str, *, debug: bool = False) -> None:
    # As a worker runs in production (DEBUG off, so templates render without debug tracking)
    # unless --debug asks for the development set-up.
    os.environ.update(
        DJANGO_SETTINGS_MODULE="opsreview.settings",
        DEBUG="1" if debug else "0",
        SECRET_KEY="benchmark-only-throwaway-key",  # noqa: S106 (a throwaway database)
        VAR_DIR=var_dir,
        DATABASE_URL="",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_organisation(managers: int, teams: int) -> list:
    from django.contrib.auth import get_user_model

    from incidents.models import Incident, Severity
    from opsreview.org.models import Team

    User = get_user_model()
    people = User.objects.bulk_create(
        User(username=f"manager{n}", email=f"manager{n}@example.com", first_name=f"M{n}")
        for n in range(managers)
    )
    Team.objects.bulk_create(
        Team(name=f"Team {n}", slug=f"team-{n}", manager=people[n % managers]) for n in range(teams)
    )
    from django.utils import timezone

    Incident.objects.create(
        title="Benchmark incident",
        severity=Severity.SEV3,
        impact_started_at=timezone.now(),
        detected_at=timezone.now(),
        declared_by=people[0],
        call_leader=people[0],
    )
    return people


def add_items(count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from incidents.models import Incident
    from opsreview.actions.models import ActionItem, ItemStatus, Term
    from opsreview.org.models import Team

    incident = Incident.objects.get()
    team_ids = list(Team.objects.values_list("pk", "manager_id"))
    today = timezone.localdate()
    statuses = [ItemStatus.OPEN] * 6 + [ItemStatus.IN_PROGRESS] * 2 + [ItemStatus.DONE] * 2
    batch = []
    for n in range(count):
        team_id, manager_id = team_ids[n % len(team_ids)]
        batch.append(
            ActionItem(
                title=f"Corrective action {n}",
                owner_id=manager_id,
                team_id=team_id,
                term=rng.choice(Term.values),
                due_date=today + timedelta(days=rng.randint(-60, 60)),
                status=rng.choice(statuses),
                incident=incident,
                created_by_id=manager_id,
            )
        )
        if len(batch) == 5000:
            ActionItem.objects.bulk_create(batch)
            batch = []
    ActionItem.objects.bulk_create(batch)


def measure(people: list, batch: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from opsreview.actions.models import ActionItem
    from opsreview.org import emails
    from opsreview.reports.builder import build_reports, report_context, week_period
    from opsreview.reports.models import ReportKind
    from opsreview.reports.services import REPORT_TEMPLATES

    period = week_period(timezone.localdate())
    emails_built = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        for first in range(0, len(people), batch):
            chunk = people[first : first + batch]
            for report in build_reports(chunk, kind=ReportKind.WEEKLY, period=period):
                if not report.is_empty:
                    emails.render(REPORT_TEMPLATES[ReportKind.WEEKLY], report_context(report))
                    emails_built += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "items": ActionItem.objects.count(),
        "emails": emails_built,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "ms_per_manager": elapsed * 1000 / len(people),
        "queries": len(queries.captured_queries),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=1000)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--items", default="10000,100000", help="cumulative item counts")
    parser.add_argument("--seed", type=int, default=48)
    parser.add_argument("--batch", type=int, default=100, help="managers built per batch")
    parser.add_argument("--debug", action="store_true", help="with DEBUG on, as in development")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir, debug=args.debug)
        people = build_organisation(args.managers, args.teams)
        print(f"{args.managers} managers, {args.teams} teams; building every weekly report")
        print(
            f"{'items':>8} {'emails':>7} {'seconds':>8} {'cpu s':>6} {'ms/manager':>10}"
            f" {'queries':>8} {'peak RSS MB':>11}"
        )
        have = 0
        for target in (int(n) for n in args.items.split(",")):
            add_items(target - have, rng)
            have = target
            result = measure(people, args.batch)
            print(
                f"{result['items']:>8} {result['emails']:>7} {result['seconds']:>8.1f} "
                f"{result['cpu_seconds']:>6.1f} "
                f"{result['ms_per_manager']:>10.1f} {result['queries']:>8} "
                f"{result['peak_mb']:>11.0f}"
            )


if __name__ == "__main__":
    main()
