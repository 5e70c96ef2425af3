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


def project_url_patterns(patterns=None, namespace: str = "", route: str = ""):
    """(name, route, view) for every named URL of the project, the admin's left out."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            prefix = f"{entry.namespace}:" if entry.namespace else namespace
            yield from project_url_patterns(entry.url_patterns, prefix, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route + str(entry.pattern), entry.callback


def project_url_names() -> set[str]:
    return {name for name, _route, _view in project_url_patterns()}
