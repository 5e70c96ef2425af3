from django.apps import AppConfig


def follow_item(sender, item, **kwargs) -> None:
    """A COE's state follows its action items: closed once approved and all are finished."""
    from . import services

    if item.coe_id is None:
        return
    if item.is_open:
        services.coe_reopen_if_items_open(coe=item.coe)
    else:
        services.coe_close_if_done(coe=item.coe)


class CoeConfig(AppConfig):
    name = "coe"
    verbose_name = "COEs"

    def ready(self) -> None:
        from opsreview.actions.signals import item_status_changed

        item_status_changed.connect(follow_item, dispatch_uid="coe.follow_item")
