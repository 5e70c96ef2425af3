from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """The weekly ops meeting: reserved for its agenda and projector mode."""

    name = "opsreview.meetings"
    label = "meetings"
    verbose_name = "Ops meetings"
