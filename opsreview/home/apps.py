from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The dashboard and the demo: the top floor, the only app that reads every other."""

    name = "opsreview.home"
    label = "home"
    verbose_name = "Home"
