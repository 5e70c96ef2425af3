from .selectors import BANNER_SHOWN, banner_incidents


def major_incidents(request):
    """Every page names the open Sev-1/Sev-2 incidents: a cue no one can miss.

    One indexed query (compiled once) of the five columns the banner shows, at most
    BANNER_SHOWN + 1 rows; nothing is cached but its SQL, so the banner is never stale.
    """
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    incidents = banner_incidents()
    return {
        "major_incidents": incidents[:BANNER_SHOWN],
        "more_major_incidents": len(incidents) > BANNER_SHOWN,
    }
