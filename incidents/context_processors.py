from .selectors import BANNER_SHOWN, open_major_incidents


def major_incidents(request):
    """Every page names the open Sev-1/Sev-2 incidents: a cue no one can miss.

    One indexed query of the five columns the banner shows, at most BANNER_SHOWN + 1 rows.
    """
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    incidents = list(open_major_incidents()[: BANNER_SHOWN + 1])
    return {
        "major_incidents": incidents[:BANNER_SHOWN],
        "more_major_incidents": len(incidents) > BANNER_SHOWN,
    }
