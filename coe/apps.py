from django.apps import AppConfig

from opsreview.org.rendering import allow_local_images

# The path of an attached image (coe/urls.py), as markdown written by the editor refers to it.
IMAGE_PATH = r"/coe/\d+/images/\d+/"


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
        # Sections show the images attached to COEs, and no others (coe.views.coe_image).
        allow_local_images(IMAGE_PATH)
