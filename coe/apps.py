from django.apps import AppConfig


class CoeConfig(AppConfig):
    name = "coe"
    verbose_name = "COEs and action items"

    def ready(self) -> None:
        from incidents.gate import register_blocker_source

        from .gate import open_short_term_items

        register_blocker_source(open_short_term_items)
