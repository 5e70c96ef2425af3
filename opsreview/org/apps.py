from django.apps import AppConfig
from django.db.models.signals import post_migrate


def render_stale_markdown_after_migrate(**kwargs) -> None:
    from .stored_markdown import render_stale_markdown

    render_stale_markdown()


class OrgConfig(AppConfig):
    name = "opsreview.org"
    label = "org"
    verbose_name = "Teams and people"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
        # Stored HTML follows the sanitiser: a new RENDER_POLICY re-renders old rows on deploy.
        post_migrate.connect(render_stale_markdown_after_migrate, sender=self)
