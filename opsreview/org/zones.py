"""Time zones. Each person reads and types times in their own zone (their profile's, else the
site's), which TimeZoneMiddleware makes the current one for their requests; the organisation's
calendar (due dates, overdue, ISO weeks, report periods) stays the site's, whoever looks."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import lazy

from .templatetags.org import duration

ZONE_NAME_MAX = 64
# In the zone database but no place: the server's own setting, and "zone unknown".
NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
CONFIRM_HINT = "check the time zone; submit again to confirm."


@cache
def zone_names() -> frozenset[str]:
    """The IANA time-zone names this server knows."""
    return frozenset(available_timezones() - NOT_PLACES)


def unknown_zone_message(name: str) -> str:
    return f"“{name}” is not a time zone we know: choose one from the list, such as Europe/London."


def validate_zone_name(value: str) -> None:
    if value not in zone_names():
        raise ValidationError(unknown_zone_message(value), code="unknown_zone")


@cache
def zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every zone for a select, grouped by region (Africa, America, …; "Other" for the rest)."""
    regions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in sorted(zone_names()):
        region, _, place = name.partition("/")
        if place:
            regions[region].append((name, name.replace("_", " ")))
        else:
            regions["Other"].append((name, name))
    return [(region, regions[region]) for region in sorted(regions, key=lambda r: r == "Other")]


def zone_or_site(name: str) -> tzinfo:
    """The zone called `name`, or the site's if `name` is empty or names none."""
    return ZoneInfo(name) if name in zone_names() else site_zone()


# The organisation's calendar


def site_zone() -> tzinfo:
    return timezone.get_default_timezone()


def site_today() -> date:
    """Today where the organisation is (settings.TIME_ZONE), not where the viewer is."""
    return timezone.localdate(timezone=site_zone())


def site_date(value: datetime) -> date:
    """The organisation's calendar day of an instant."""
    return timezone.localdate(value, timezone=site_zone())


def site_datetime(day: date, at: time = time.min) -> datetime:
    """The instant a day and time of the organisation's calendar name."""
    return timezone.make_aware(datetime.combine(day, at), site_zone())


# Times as people read them, in the current zone


def zone_label() -> str:
    """The current zone, as a person recognises it: "Europe/London (GMT)"."""
    return f"{timezone.get_current_timezone_name()} ({timezone.localtime().tzname()})"


def _with_zone(help_text: str) -> str:
    return " ".join(part for part in (help_text, f"Time zone: {zone_label()}.") if part)


# Help text for a date-time input, naming the zone it is read in as the form is shown.
with_zone = lazy(_with_zone, str)


def clock(value: datetime, *, beside: datetime | None = None) -> str:
    """A time of day in the current zone, "02:30 PST", with its day ("26 Nov 02:30 PST")
    unless `beside` (by default now) falls on the same day."""
    local = timezone.localtime(value)
    other = timezone.localtime(beside or timezone.now())
    return date_format(local, "H:i T" if local.date() == other.date() else "j M H:i T")


def apart(earlier: datetime, later: datetime) -> str:
    """How far apart two instants are, in the two largest units: "8 h", "1 d 2 h"."""
    return duration(abs(later - earlier))


class TimeToConfirm(ValidationError):
    """A time that may be typed in the wrong zone (before the impact began, in the future): the
    form comes back asking for it to be sent again, which confirms it. `instant` is that time."""

    def __init__(self, *, field: str, doubt: str, instant: datetime):
        self.instant = instant
        super().__init__({field: f"{doubt} — {CONFIRM_HINT}"}, code="time_to_confirm")


def ask_if_future(
    when: datetime | None, *, field: str, allowance: timedelta = timedelta(0)
) -> None:
    """Raises TimeToConfirm for a time later than now (give or take `allowance`, for clocks a
    little ahead of the server's)."""
    now = timezone.now()
    if when is not None and when > now + allowance:
        doubt = (
            f"{clock(when, beside=now)} is {apart(now, when)} in the future "
            f"(it is {clock(now, beside=when)} now)"
        )
        raise TimeToConfirm(field=field, doubt=doubt, instant=when)
