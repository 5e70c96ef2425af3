"""COEs built the way users build them: through coe.services, so every CoeText row exists.

`CoeFactory()` is a fresh draft with empty sections; `CoeFactory(complete=True)` (or
`complete_coe()`) fills every required section with blameless wording, so
`missing_sections()` is `{}` and the blameless check finds nothing.
"""

from datetime import timedelta

import factory
from django.utils import timezone

from coe.models import Coe, CoeText, FactorCategory
from coe.services import (
    coe_create,
    coe_impact_save,
    coe_text_save,
    coe_timeline_entry_add,
    factor_add,
    factor_save,
)
from opsreview.actions.models import ActionItem, Term
from opsreview.actions.services import action_item_create
from tests.org.factories import TeamFactory, UserFactory

COMPLETE_TEXTS = {
    "summary": "Checkout requests failed for 42 minutes after a gateway configuration change.",
    "metrics": "Checkout error rate peaked at 38% (graph: https://dashboards.example.com/checkout).",
    "detection": "The checkout error-rate alarm paged the on-call 4 minutes into the impact.",
    "diagnosis": "Gateway logs showed every checkout route answering 502 after the change.",
    "mitigation": "Rolling back to the previous gateway configuration restored checkout.",
    "lessons": "A configuration change can take down checkout as surely as a code change.",
}
COMPLETE_IMPACT = "Customers in the EU could not complete checkout; baskets were kept."

# Five why → because steps, ending at a cause in the system rather than in a person.
FIVE_WHYS = [
    ("Why did checkout fail?", "The gateway answered 502 for every checkout route."),
    ("Why did the gateway answer 502?", "Its routing table pointed at a retired upstream."),
    ("Why did it point at a retired upstream?", "The new configuration listed the old host."),
    ("Why did the configuration list the old host?", "It was copied from a stale template."),
    (
        "Why did a stale template reach production?",
        "The pipeline has no validation stage for gateway configuration",
    ),
]


def save_text(coe: Coe, key: str, body: str, actor=None) -> CoeText:
    """Save one markdown part on top of whatever is stored now, as the COE's creator."""
    current = CoeText.objects.get(coe=coe, key=key)
    return coe_text_save(
        coe=coe,
        key=key,
        body=body,
        base_version=current.version,
        actor=actor or coe.created_by,
    )


def save_impact(coe: Coe, actor=None, *, body=COMPLETE_IMPACT, **numbers) -> CoeText:
    """Save the impact section; numbers default to a complete set, pass None to blank one."""
    numbers = {
        "impact_duration_minutes": 42,
        "customers_affected": 1200,
        "requests_affected": None,
    } | numbers
    current = CoeText.objects.get(coe=coe, key="impact")
    return coe_impact_save(
        coe=coe,
        actor=actor or coe.created_by,
        body=body,
        base_version=current.version,
        **numbers,
    )


def add_factor(coe: Coe, steps=FIVE_WHYS, actor=None, title="Gateway configuration"):
    """A contributing factor with the given why → because chain."""
    actor = actor or coe.created_by
    factor = factor_add(coe=coe, actor=actor, title=title, category=FactorCategory.CONFIGURATION)
    return factor_save(
        factor=factor,
        actor=actor,
        base_version=factor.version,
        title=title,
        category=FactorCategory.CONFIGURATION,
        steps=steps,
    )


def fill_every_section(coe: Coe) -> Coe:
    actor = coe.created_by
    for key, body in COMPLETE_TEXTS.items():
        save_text(coe, key, body, actor)
    save_impact(coe, actor)
    started = timezone.now() - timedelta(hours=2)
    coe_timeline_entry_add(
        coe=coe, actor=actor, occurred_at=started, text="Checkout error rate rose to 38%."
    )
    coe_timeline_entry_add(
        coe=coe,
        actor=actor,
        occurred_at=started + timedelta(minutes=42),
        text="Previous gateway configuration restored; checkout back to baseline.",
    )
    add_factor(coe)
    add_item(coe, term=Term.MEDIUM)
    return coe


def add_item(coe: Coe, *, term=Term.MEDIUM, actor=None, **fields) -> ActionItem:
    """A corrective action item on the COE, owned by its creator, due by the term's default."""
    actor = actor or coe.created_by
    fields = {"title": "Add a canary stage for gateway configuration", "owner": actor} | fields
    return action_item_create(actor=actor, team=coe.team, term=term, coe=coe, **fields)


class CoeFactory(factory.Factory):
    """A draft COE made by coe_create; `actor` becomes its creator and first author."""

    class Meta:
        model = Coe

    title = factory.Sequence(lambda n: f"Checkout unavailable in the EU #{n}")
    team = factory.SubFactory(TeamFactory)
    actor = factory.SubFactory(UserFactory)
    incident = None
    authors = ()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        incident, actor = kwargs.get("incident"), kwargs["actor"]
        if incident is not None and not incident.can_be_worked_by(actor):
            # Whoever starts an incident's COE works the incident: their team is engaged.
            kwargs["team"].members.add(actor)
            incident.teams.add(kwargs["team"])
        return coe_create(**kwargs)

    @factory.post_generation
    def complete(coe, create, extracted, **kwargs):
        if create and extracted:
            fill_every_section(coe)


def complete_coe(**kwargs) -> Coe:
    """A COE ready to submit: nothing missing, nothing to acknowledge."""
    return CoeFactory(complete=True, **kwargs)


def team_item(
    team,
    *,
    due_date,
    term=Term.MEDIUM,
    title="Add a canary stage for gateway configuration",
    owner=None,
    incident=None,
    **fields,
) -> ActionItem:
    """An item of `team` due on `due_date` (a past date confirmed on purpose), from a fresh COE
    of the team created by its owner, or from `incident` when given, raised by its call leader.
    """
    if incident is not None:
        actor = incident.call_leader
        return action_item_create(
            actor=actor,
            title=title,
            owner=owner or actor,
            team=team,
            term=term,
            incident=incident,
            due_date=due_date,
            confirm_past_due=True,
            **fields,
        )
    coe = CoeFactory(team=team, actor=owner or UserFactory())
    return add_item(coe, term=term, title=title, due_date=due_date, confirm_past_due=True, **fields)
