"""A row's path, reversed once and filled in per row, is exactly what reverse() gives: for any
id, under a script prefix, and never for something that is not an id."""

import pytest
from django.urls import reverse, set_script_prefix

from opsreview.org.links import path_for

NAMES = [
    "actions:action_detail",
    "coe:coe_detail",
    "incidents:incident_detail",
    "meetings:meeting_detail",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 42, 987654321, 2**63 - 1])
def test_a_path_is_what_reverse_gives(name, pk):
    assert path_for(name, pk) == reverse(name, args=[pk])


def test_a_script_prefix_is_kept():
    try:
        set_script_prefix("/ops/")
        assert path_for("coe:coe_detail", 7) == "/ops/coe/7/" == reverse("coe:coe_detail", args=[7])
    finally:
        set_script_prefix("/")
    assert path_for("coe:coe_detail", 7) == "/coe/7/"


@pytest.mark.parametrize("pk", ["7/../admin", "", None])
def test_anything_but_an_id_is_refused(pk):
    with pytest.raises((TypeError, ValueError)):
        path_for("coe:coe_detail", pk)
