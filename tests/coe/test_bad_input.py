"""Numbers and periods no column or calendar can hold are refused with a message, never a 500."""

import io
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from coe import services
from coe.models import Coe, CoeText, Status
from opsreview.actions.models import ItemStatus
from opsreview.org.fields import MAX_KEY
from opsreview.reports.models import ReportDelivery
from tests.org.factories import TeamFactory, UserFactory

from .factories import add_item, complete_coe, team_item

pytestmark = pytest.mark.django_db

UNPROCESSABLE = 422
HTMX = {"HTTP_HX_REQUEST": "true"}
URLENCODED = "application/x-www-form-urlencoded"


@pytest.fixture
def author(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def coe(author):
    return services.coe_create(title="Gateway outage", team=TeamFactory(), actor=author)


def _impact(**numbers) -> dict:
    data = {"impact-body": "Nobody could collect bananas.", "impact-version": 0}
    return data | {f"impact-{name}": value for name, value in numbers.items()}


def _impact_as_saved(coe: Coe) -> tuple:
    coe.refresh_from_db()
    text = CoeText.objects.get(coe=coe, key="impact")
    numbers = (coe.impact_duration_minutes, coe.customers_affected, coe.requests_affected)
    return text.body, text.version, numbers


# Impact numbers


@pytest.mark.parametrize("field", ["customers_affected", "requests_affected"])
@pytest.mark.parametrize("value", [2**63, 10**30])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_an_impact_count_beyond_a_64_bit_column_is_refused_on_its_field(
    client, coe, field, value, headers
):
    before = _impact_as_saved(coe)

    response = client.post(f"/coe/{coe.pk}/text/impact/", _impact(**{field: value}), **headers)

    assert response.status_code == UNPROCESSABLE
    assert f"Enter a count no larger than {MAX_KEY:,}." in response.text
    assert _impact_as_saved(coe) == before


def test_the_largest_count_a_column_holds_is_saved(client, coe):
    response = client.post(f"/coe/{coe.pk}/text/impact/", _impact(customers_affected=MAX_KEY))

    assert response.status_code == 302
    assert _impact_as_saved(coe) == ("Nobody could collect bananas.", 1, (None, MAX_KEY, None))


def test_an_impact_duration_beyond_the_form_limit_is_refused(client, coe):
    before = _impact_as_saved(coe)

    response = client.post(f"/coe/{coe.pk}/text/impact/", _impact(impact_duration_minutes=2**63))

    assert response.status_code == UNPROCESSABLE
    assert "less than or equal to 10000000" in response.text
    assert _impact_as_saved(coe) == before


@pytest.mark.parametrize(
    "numbers",
    [
        {"customers_affected": 2**63},
        {"requests_affected": 2**64},
        {"customers_affected": -1},
        {"impact_duration_minutes": 2**63},
        {"impact_duration_minutes": -5},
    ],
)
def test_coe_impact_save_refuses_numbers_no_column_holds_whoever_calls_it(coe, numbers):
    before = _impact_as_saved(coe)
    everything = {"impact_duration_minutes": 42, "customers_affected": 7, "requests_affected": None}

    with pytest.raises(ValidationError) as refused:
        services.coe_impact_save(
            coe=coe,
            actor=coe.created_by,
            body="Changed text that must not be kept either.",
            base_version=0,
            **(everything | numbers),
        )

    assert set(refused.value.message_dict) == set(numbers)
    assert _impact_as_saved(coe) == before


# Fields the page sends without a visible box


@pytest.mark.parametrize("version", [None, "", "x", "-1"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_text_save_without_a_valid_version_says_to_reload(client, coe, version, headers):
    data = {"summary-body": "Checkout failed."}
    if version is not None:
        data["summary-version"] = version

    response = client.post(f"/coe/{coe.pk}/text/summary/", data, **headers)

    assert response.status_code == UNPROCESSABLE
    assert "reload the page and try again" in response.text
    assert CoeText.objects.get(coe=coe, key="summary").body == ""


def test_a_factor_save_without_a_valid_version_says_to_reload(client, coe):
    factor = services.factor_add(coe=coe, actor=coe.created_by, title="Pool")

    response = client.post(
        f"/coe/{coe.pk}/factors/{factor.pk}/", {f"factor{factor.pk}-title": "Changed"}
    )

    assert response.status_code == UNPROCESSABLE
    assert "reload the page and try again" in response.text
    factor.refresh_from_db()
    assert factor.title == "Pool"


@pytest.mark.parametrize("decision", [None, "", "maybe"])
def test_a_review_without_a_decision_says_to_choose_one(client, decision):
    coe = complete_coe()
    services.coe_submit(coe=coe, actor=coe.created_by)
    client.force_login(UserFactory(is_staff=True))
    data = {"comment": "Looks fine."} | ({"decision": decision} if decision is not None else {})

    response = client.post(f"/coe/{coe.pk}/review/", data)

    assert response.status_code == UNPROCESSABLE
    assert "Choose Approve or Request changes." in response.text
    coe.refresh_from_db()
    assert coe.status == Status.IN_REVIEW


@pytest.mark.parametrize("data", [{}, {"decision": "approve"}, {"decision": "maybe"}])
def test_a_review_posted_by_an_author_is_refused_with_the_reason(client, data):
    coe = complete_coe()
    services.coe_submit(coe=coe, actor=coe.created_by)
    client.force_login(coe.created_by)

    response = client.post(f"/coe/{coe.pk}/review/", data)

    assert response.status_code == 403
    assert "not its author" in response.text
    coe.refresh_from_db()
    assert coe.status == Status.IN_REVIEW


@pytest.mark.parametrize("data", [{}, {"decision": "approve"}])
def test_a_review_of_a_coe_that_is_not_in_review_says_so(client, coe, data):
    client.force_login(UserFactory(is_staff=True))

    response = client.post(f"/coe/{coe.pk}/review/", data)

    assert response.status_code == UNPROCESSABLE
    assert "This COE is draft, not in review." in response.text
    coe.refresh_from_db()
    assert coe.status == Status.DRAFT


@pytest.mark.parametrize("data", [{}, {"item-title": "Add a canary"}])
def test_adding_an_item_to_someone_elses_coe_is_refused_with_the_reason(client, coe, data):
    Coe.objects.filter(pk=coe.pk).update(status=Status.IN_REVIEW)  # a draft: 404 to others
    client.force_login(UserFactory())

    response = client.post(f"/coe/{coe.pk}/actions/", data)

    assert response.status_code == 403
    assert (
        "Only the people working on the COE, incident or meeting can add its items."
        in response.text
    )
    assert not coe.action_items.exists()


# Numbers in addresses and field names


@pytest.mark.parametrize("incident", ["²", "①"])
def test_a_new_coe_for_an_incident_id_that_is_not_a_number_starts_unlinked(
    client, author, incident
):
    response = client.get(f"/coe/new/?incident={incident}")

    assert response.status_code == 200
    assert response.context["form"]["incident"].value() is None


@pytest.mark.parametrize("step", ["why_²", "why_①", "factor{pk}-why_²"])
def test_a_why_step_numbered_with_something_not_a_number_is_ignored(client, coe, step):
    factor = services.factor_add(coe=coe, actor=coe.created_by, title="Pool")
    data = {f"factor{factor.pk}-version": 0, f"factor{factor.pk}-category": "other"}

    response = client.post(
        f"/coe/{coe.pk}/factors/{factor.pk}/", data | {step.format(pk=factor.pk): "Why?"}
    )

    assert response.status_code == 302
    factor.refresh_from_db()
    assert factor.version == 1  # saved, without a step
    assert not factor.steps.exists()


def test_a_factor_keeps_whys_added_beyond_the_rows_the_page_showed(client, coe):
    factor = services.factor_add(coe=coe, actor=coe.created_by, title="Pool")
    data = {f"factor{factor.pk}-version": 0, f"factor{factor.pk}-category": "other"}
    for n in range(1, 8):
        data |= {f"factor{factor.pk}-why_{n}": f"Why {n}?", f"factor{factor.pk}-because_{n}": "So."}

    client.post(f"/coe/{coe.pk}/factors/{factor.pk}/", data)

    assert [(s.position, s.why) for s in factor.steps.all()] == [
        (n, f"Why {n}?") for n in range(1, 8)
    ]


@pytest.mark.parametrize("number", ["9" * 5000, "0021"])
def test_a_why_numbered_past_the_last_row_there_can_be_is_not_a_server_error(client, coe, number):
    factor = services.factor_add(coe=coe, actor=coe.created_by, title="Pool")
    data = {f"factor{factor.pk}-version": 0, f"factor{factor.pk}-category": "other"}

    data[f"factor{factor.pk}-why_{number}"] = "?"

    # Urlencoded, as browsers send it: multipart would refuse so long a field name itself.
    response = client.post(
        f"/coe/{coe.pk}/factors/{factor.pk}/", urlencode(data), content_type=URLENCODED
    )

    assert response.status_code == 302
    factor.refresh_from_db()
    assert factor.version == 1  # saved; a why past the last row there can be is dropped
    assert not factor.steps.exists()


# Where a plain form goes back to


@pytest.mark.parametrize("target", ["a b", "coe:coe_list", "actions", "javascript:alert(1)", "//x"])
@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("start", ItemStatus.IN_PROGRESS),
        ("complete", ItemStatus.DONE),
        ("wont-do", ItemStatus.WONT_DO),
    ],
)
def test_a_next_address_that_is_not_a_path_on_this_site_falls_back_to_the_item(
    client, coe, target, action, status
):
    item = add_item(coe)

    response = client.post(f"/actions/{item.pk}/{action}/", {"next": target, "reason": "Dropped"})

    assert response.status_code == 302
    assert response["Location"] == f"/actions/{item.pk}/"
    item.refresh_from_db()
    assert item.status == status


# Report periods


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True))


@pytest.fixture
def manager(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=False)
    person = UserFactory()
    team_item(TeamFactory(manager=person), due_date=datetime(2026, 11, 20).date())
    return person


OUT_OF_RANGE = [
    ("weekly", "9999-W52", "Choose a week between 2000-W01 and 2099-W53."),
    ("weekly", "0001-W01", "Choose a week between 2000-W01 and 2099-W53."),
    ("weekly", "1999-W52", "Choose a week between 2000-W01 and 2099-W53."),
    ("monthly", "9999-12", "Choose a month between 2000-01 and 2099-12."),
    ("monthly", "0001-01", "Choose a month between 2000-01 and 2099-12."),
    ("monthly", "2100-01", "Choose a month between 2000-01 and 2099-12."),
]


@pytest.mark.parametrize(("kind", "period", "message"), OUT_OF_RANGE)
def test_a_preview_period_outside_the_supported_years_is_refused_with_the_range(
    client, staff, manager, kind, period, message
):
    query = f"recipient={manager.pk}&kind={kind}&period={period}"

    page = client.get(f"/reports/preview/?{query}")
    html_part = client.get(f"/reports/preview/html/?{query}")

    assert page.status_code == UNPROCESSABLE
    assert message in page.text
    assert html_part.status_code == UNPROCESSABLE
    assert message in html_part.text
    assert not ReportDelivery.objects.exists()


@pytest.mark.parametrize(
    ("kind", "period", "named"),
    [
        ("weekly", "2000-W01", "week 2000-W01"),
        ("weekly", "2099-W53", "week 2099-W53"),
        ("monthly", "2099-12", "December 2099"),
    ],
)
def test_the_first_and_last_supported_periods_can_be_previewed(
    client, staff, manager, kind, period, named
):
    query = f"recipient={manager.pk}&kind={kind}&period={period}"

    page = client.get(f"/reports/preview/?{query}")
    html_part = client.get(f"/reports/preview/html/?{query}")

    assert (page.status_code, html_part.status_code) == (200, 200)
    assert page.context["email"].subject.endswith(named)
    assert html_part.text == page.context["email"].html
    assert not ReportDelivery.objects.exists()


@pytest.mark.parametrize(("kind", "period", "message"), OUT_OF_RANGE)
def test_send_reports_refuses_a_period_outside_the_supported_years(manager, kind, period, message):
    with pytest.raises(CommandError, match=message):
        call_command("send_reports", "--kind", kind, "--period", period, stdout=io.StringIO())
    assert not ReportDelivery.objects.exists()
