from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "opsreview.actions"
    label = "actions"
    verbose_name = "Action items"

    def ready(self) -> None:
        from incidents.gate import register_blocker_source

        from .gate import open_short_term_items

        register_blocker_source(open_short_term_items)
