"""The BananaStand demo organisation: people, teams and services.

Every function here is idempotent: it creates what is missing and leaves what exists alone,
so running `seed_demo` twice (or after someone edited the demo data) changes nothing.
"""

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from .models import Profile, Service, Team

# For local use only; the README states it next to the demo usernames.
DEMO_PASSWORD = "bananastand-demo"  # noqa: S105

DEMO_USERS = [
    # username, first name, last name, is_staff, is_superuser
    ("admin", "Ada", "Admin", True, True),
    ("manager", "Morgan", "Mendes", False, False),
    ("engineer", "Eli", "Engel", False, False),
    ("callleader", "Cleo", "Carter", False, False),
]
# Demo people who chose a time zone other than the site's: their pages show times in it.
DEMO_TIME_ZONES = {"callleader": "America/Los_Angeles"}

DEMO_TEAMS = [
    # slug, name, description, members, services (name, description)
    (
        "front-door",
        "API Gateway Front Door",
        "Owns the API Gateway in front of all of BananaStand: routing, throttling, auth.",
        ["engineer"],
        [
            (
                "BananaStand API Gateway",
                "Public entry point: every banana request comes through here.",
            )
        ],
    ),
    (
        "banana-distributor",
        "Banana Distributor",
        "Hands out bananas to customers, within each customer's distribution limit.",
        ["engineer"],
        [("Banana Distributor", "Allocates bananas and enforces distribution limits.")],
    ),
    (
        "banana-requesthandler",
        "Banana RequestHandler",
        "Validates and queues customers' banana requests.",
        ["callleader"],
        [("Banana RequestHandler", "Validates requests and queues them for the orchestrator.")],
    ),
    (
        "banana-orchestrator",
        "Banana Orchestrator",
        "Coordinates a request from arrival to the banana in the customer's hand.",
        ["callleader"],
        [("Banana Orchestrator", "Workflow engine for banana collection.")],
    ),
    (
        "banana-storage",
        "Banana Storage",
        "The storage layer: banana inventory and request state.",
        ["engineer", "callleader"],
        [("Banana Inventory Store", "Inventory and request state tables.")],
    ),
]


def _demo_url(kind: str, slug: str) -> str:
    return f"https://{kind}.bananastand.example/{slug}"


def seed_people_and_teams() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, first, last, is_staff, is_superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@bananastand.example",
                "is_staff": is_staff,
                "is_superuser": is_superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    for username, zone in DEMO_TIME_ZONES.items():
        Profile.objects.get_or_create(person=users[username], defaults={"time_zone": zone})

    teams = {}
    for slug, name, description, member_names, services in DEMO_TEAMS:
        team, created = Team.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "manager": users["manager"],
                "dashboard_url": _demo_url("dashboards", slug),
                "runbook_url": _demo_url("runbooks", slug),
            },
        )
        if created:
            team.members.set([users[username] for username in member_names])
        for service_name, service_description in services:
            Service.objects.get_or_create(
                name=service_name,
                defaults={
                    "team": team,
                    "description": service_description,
                    "dashboard_url": _demo_url("dashboards", f"{slug}/{slugify(service_name)}"),
                },
            )
        teams[slug] = team
    return {"users": users, "teams": teams}
