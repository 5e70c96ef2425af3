from django.conf import settings

from .selectors import BANNER_SHOWN, banner_incidents, banner_token


def major_incidents(request):
    """Every page names the open Sev-1/Sev-2 incidents: a cue no one can miss.

    One indexed query (compiled once) of the five columns the banner shows, at most
    BANNER_SHOWN + 1 rows; nothing is cached but its SQL, so the banner is never stale.
    """
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    incidents = banner_incidents()
    return banner_context(incidents)


def banner_context(incidents: list) -> dict:
    return {
        "major_incidents": incidents[:BANNER_SHOWN],
        "more_major_incidents": len(incidents) > BANNER_SHOWN,
        "banner_token": banner_token(incidents),
        "live_seconds": settings.LIVE_POLL_SECONDS,
    }
