from .selectors import open_major_incidents


def major_incidents(request):
    """Every page names the open Sev-1/Sev-2 incidents: a cue no one can miss."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"major_incidents": list(open_major_incidents())}
