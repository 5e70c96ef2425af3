from django.apps import AppConfig


class CoeConfig(AppConfig):
    name = "coe"
    verbose_name = "COEs and action items"
