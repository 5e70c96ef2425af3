from django.apps import AppConfig


class OpsreviewConfig(AppConfig):
    name = "opsreview"
    verbose_name = "Teams and people"

    def ready(self):
        from . import receivers

        receivers.connect()
