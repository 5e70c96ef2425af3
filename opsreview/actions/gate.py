"""What the action items tell the incidents' resolution gate."""

from incidents.gate import ResolutionBlocker
from incidents.models import Incident
from opsreview.org.people import display_name

from .models import ActionItem, Term
from .selectors import incident_items_q


def open_short_term_items(incident: Incident) -> list[ResolutionBlocker]:
    """Short-term items not yet done, raised on the incident or in its COE, block resolution."""
    items = (
        ActionItem.objects.open()
        .filter(term=Term.SHORT)
        .filter(incident_items_q(incident))
        .select_related("owner")
    )
    return [
        ResolutionBlocker(
            title=item.title,
            url=item.get_absolute_url(),
            reason=f"short-term, {item.get_status_display().lower()}, "
            f"owner {display_name(item.owner)}",
        )
        for item in items
    ]
