"""The editor: five-whys answers save as they are typed, a refused submit comes back to the
COE's own page, the submit button heads the checklist, and readers see the question labels."""

import pytest
from django.test import Client

from coe import services
from coe.models import CoeTemplateSettings, ContributingFactor, Status
from tests.org.factories import TeamFactory, UserFactory

from .factories import complete_coe

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def author(client: Client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def factor(author):
    CoeTemplateSettings.load()
    coe = services.coe_create(title="Gateway outage", team=TeamFactory(), actor=author)
    return services.factor_add(coe=coe, actor=author)


def _autosave(client: Client, factor, version: int, **answers) -> object:
    prefix = f"factor{factor.pk}"
    data = {f"{prefix}-category": "deployment", f"{prefix}-version": version, "autosave": "1"}
    data |= {f"{prefix}-{name}": value for name, value in answers.items()}
    return client.post(f"/coe/{factor.coe_id}/factors/{factor.pk}/", data, **HTMX)


def test_an_answer_saves_as_it_is_typed_and_hands_back_the_new_version(client: Client, factor):
    response = _autosave(client, factor, 0, why_1="Why did it fail?", because_1="No canary.")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="version-factor{factor.pk}" value="1" hx-swap-oob="true"' in page
    assert f'id="status-factor{factor.pk}"' in page and "Saved at" in page
    assert "coe-changed" in response["HX-Trigger"]  # the checklist refreshes itself
    factor.refresh_from_db()
    assert factor.version == 1
    assert [(s.why, s.because) for s in factor.steps.all()] == [("Why did it fail?", "No canary.")]


def test_an_autosave_over_someone_elses_save_says_so_and_keeps_theirs(
    client: Client, factor, author
):
    services.factor_save(
        factor=factor, actor=author, base_version=0, title="Theirs", category="other", steps=[]
    )

    response = _autosave(client, factor, 0, why_1="Mine")

    assert response.status_code == 409
    assert response["HX-Reswap"] == "none"
    assert "someone saved this factor meanwhile" in response.content.decode()
    factor.refresh_from_db()
    assert (factor.title, factor.version) == ("Theirs", 1)


def test_an_answer_too_long_is_not_saved_and_says_why(client: Client, factor):
    response = _autosave(client, factor, 0, why_1="x" * 5_000)

    assert response.status_code == 422
    assert "Not saved: Ensure this value has at most" in response.content.decode()
    assert ContributingFactor.objects.get(pk=factor.pk).version == 0


def test_the_factor_form_autosaves_and_guards_unsaved_text(client: Client, factor):
    page = client.get(f"/coe/{factor.coe_id}/").content.decode()
    form = page[page.index(f'id="form-factor{factor.pk}"') :]
    form = form[: form.index("</form>")]
    assert "data-unsaved-guard" in form
    # One element around every answer saves them as they are typed.
    fields = form[form.index('<div class="factor-fields"') :]
    assert fields.startswith(
        f'<div class="factor-fields" hx-post="/coe/{factor.coe_id}/factors/{factor.pk}/" '
        'hx-trigger="input delay:1500ms, change"'
    )
    assert """hx-vals='{"autosave": "1"}' hx-swap="none\"""" in fields
    for name in ("title", "category", "why_1", "because_1", "why_5", "because_5"):
        assert f'name="factor{factor.pk}-{name}"' in fields
    assert 'class="grows"' in form


def test_a_refused_submit_comes_back_to_the_coes_page_with_the_button_on_top(
    client: Client, factor
):
    response = client.post(f"/coe/{factor.coe_id}/submit/", follow=True)

    url, status = response.redirect_chain[-1]
    assert (url, status) == (f"/coe/{factor.coe_id}/?submit=refused#checklist", 302)
    page = response.content.decode()
    checklist = page[page.index('id="checklist"') :]
    assert checklist.index("Submit for review") < checklist.index('data-testid="checklist"')
    assert 'data-testid="submit-refused"' in checklist


def test_a_reader_is_shown_no_refusal_whatever_the_address_says(client: Client, factor):
    client.force_login(UserFactory())
    page = client.get(f"/coe/{factor.coe_id}/?submit=refused").content.decode()
    assert 'data-testid="submit-refused"' not in page


def test_a_reader_sees_the_detection_diagnosis_and_mitigation_labels(client: Client):
    coe = complete_coe()
    services.coe_submit(coe=coe, actor=coe.created_by)
    client.force_login(UserFactory())

    page = client.get(coe.get_absolute_url()).content.decode()

    assert coe.__class__.objects.get(pk=coe.pk).status == Status.IN_REVIEW
    for label in ("Detection", "Diagnosis", "Mitigation"):
        assert f'<h3 class="text-label">{label}' in page
