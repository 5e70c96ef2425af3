"""What the project itself is made of, for tests that must cover all of it."""

from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings


def project_app_configs() -> list[AppConfig]:
    """Every installed app whose code is in this repository: a new app is covered the day it
    is added to INSTALLED_APPS, with no list to keep."""
    root = Path(settings.BASE_DIR).resolve()
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(root)
        and ".venv" not in Path(config.path).relative_to(root).parts
    ]


def project_app_labels() -> tuple[str, ...]:
    return tuple(config.label for config in project_app_configs())
