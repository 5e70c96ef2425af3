"""The layout's rules that a reader relies on: each view module answers one URL space."""

from collections import defaultdict
from pathlib import Path

from tests.project import project_app_configs, project_url_patterns


def _space(route: str) -> str:
    return route.split("/", 1)[0] or "/"


def test_no_view_module_mixes_url_spaces():
    spaces = defaultdict(set)
    for _name, route, view in project_url_patterns():
        module = getattr(view, "view_class", view).__module__
        if module.startswith("django."):
            continue  # Django's own sign-in views, mounted under /accounts/
        spaces[module].add(_space(route))

    mixed = {module: found for module, found in spaces.items() if len(found) > 1}
    assert not mixed
    assert spaces["coe.views"] == {"coe"}
    assert spaces["opsreview.actions.views"] == {"actions"}
    assert spaces["opsreview.reports.views"] == {"reports"}


def test_coe_holds_under_a_third_of_the_application_code():
    def lines(config) -> int:
        files = [p for p in Path(config.path).rglob("*.py") if "migrations" not in p.parts]
        return sum(len(p.read_text().splitlines()) for p in files)

    sizes = {config.label: lines(config) for config in project_app_configs()}
    assert sizes["coe"] < sum(sizes.values()) / 3
