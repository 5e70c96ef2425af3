"""What the places items come from hear about them: a hook, so actions imports none of them."""

from django.dispatch import Signal

# Sent inside the transaction that added an item or changed its status, with item=. The COE
# app listens: an approved COE closes when its last item is finished, and opens again when one
# is reopened or added.
item_status_changed = Signal()
