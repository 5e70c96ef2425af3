"""The blameless check applied to a whole COE: its texts, timeline and why-chains.

Findings are worked out when a text is saved and stored beside it (CoeText.findings,
CoeTimelineEntry.findings, ContributingFactor.findings); pages read the stored lists
(stored_findings), never the rules. findings_refresh() checks stored rows again in bulk, with
today's people: the migration that added the columns, the benchmark seeder and the submit gate
use it.
"""

from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet

from opsreview.org.models import Service

from .blameless import Finding, NameIndex, name_index, scan_text, scan_why_chain
from .models import SECTIONS, SECTIONS_BY_KEY, TEXTS, Coe

REFRESH_BATCH = 200


def names_of(people: QuerySet) -> set[str]:
    """Names a writer might blame: each person's full name, first name and username."""
    names = set()
    for first, last, username in people.values_list("first_name", "last_name", "username"):
        names.update(name for name in (f"{first} {last}".strip(), first, username) if name)
    return names


def people_names() -> set[str]:
    """The names of every active person: one query."""
    return names_of(get_user_model().objects.filter(is_active=True))


def service_names() -> set[str]:
    """The names of the organisation's services: one query. "Phoenix failed to restart" is
    about a service called Phoenix, not a person."""
    return set(Service.objects.values_list("name", flat=True))


def people_index() -> NameIndex:
    """Today's names, indexed once per set of names (a rename or a new person makes a new one),
    with the services' names the check must not take for people."""
    return name_index(people_names(), service_names())


# Worked out from one row's text: what a save stores.


def text_findings(key: str, body: str, people: NameIndex) -> list[Finding]:
    return scan_text(body, section=key, people=people)


def timeline_entry_findings(text: str, people: NameIndex) -> list[Finding]:
    return scan_text(text, section="timeline", people=people)


def factor_findings(steps: Sequence[tuple[str, str]], people: NameIndex) -> list[Finding]:
    """A factor's (why, because) steps in order: the words of each, then the chain's end."""
    becauses = [because for _, because in steps if because.strip()]
    chain = scan_why_chain(becauses, section="five_whys", people=people)
    findings: list[Finding] = []
    for why, because in steps:
        # The chain's finding already says its last answer blames a person: no second one.
        ends_chain = bool(chain) and because.strip() == chain[0].phrase
        findings += scan_text(
            f"{why}\n{because}", section="five_whys", people=people, person_subjects=not ends_chain
        )
    return findings + chain


def stored(findings: Iterable[Finding]) -> list[dict]:
    """Findings as a JSON column holds them."""
    return [
        {"section": f.section, "phrase": f.phrase, "suggestion": f.suggestion, "kind": f.kind}
        for f in findings
    ]


def _loaded(rows: list[dict] | None) -> list[Finding]:
    return [Finding(**row) for row in rows or ()]


def _steps(factor) -> list[tuple[str, str]]:
    return [(s.why, s.because) for s in sorted(factor.steps.all(), key=lambda s: s.position)]


# A whole COE


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[str] = set()
    unique = []
    for finding in findings:
        if finding.fingerprint not in seen:
            seen.add(finding.fingerprint)
            unique.append(finding)
    return unique


def _in_document_order(coe: Coe, *, text, entry, factor) -> list[Finding]:
    texts = {row.key: row for row in coe.texts.all()}
    findings: list[Finding] = []
    for section in SECTIONS:
        for key in section.texts:
            findings += text(texts[key])
        if section.key == "timeline":
            for row in coe.timeline_entries.all():
                findings += entry(row)
        if section.key == "five_whys":
            for row in coe.factors.all():
                findings += factor(row)
    return _unique(findings)


def stored_findings(coe: Coe) -> list[Finding]:
    """Every finding in document order, each once, as stored when its text was saved."""
    return _in_document_order(
        coe,
        text=lambda row: _loaded(row.findings),
        entry=lambda row: _loaded(row.findings),
        factor=lambda row: _loaded(row.findings),
    )


def coe_findings(coe: Coe, people: NameIndex | None = None) -> list[Finding]:
    """Every finding in document order, each once, checked now against today's people."""
    people = people if people is not None else people_index()
    return _in_document_order(
        coe,
        text=lambda row: text_findings(row.key, row.body, people),
        entry=lambda row: timeline_entry_findings(row.text, people),
        factor=lambda row: factor_findings(_steps(row), people),
    )


def unacknowledged_findings(coe: Coe) -> list[Finding]:
    acknowledged = {ack.fingerprint for ack in coe.acknowledgements.all()}
    return [f for f in stored_findings(coe) if f.fingerprint not in acknowledged]


def _stale_rows(coe: Coe, people: NameIndex):
    """Each row of `coe` whose stored findings differ from a check made now, set to the new."""
    checks = [
        (coe.texts.all(), lambda row: text_findings(row.key, row.body, people)),
        (coe.timeline_entries.all(), lambda row: timeline_entry_findings(row.text, people)),
        (coe.factors.all(), lambda row: factor_findings(_steps(row), people)),
    ]
    for rows, check in checks:
        for row in rows:
            fresh = stored(check(row))
            if row.findings != fresh:
                row.findings = fresh
                yield row


def findings_refresh(coes: Iterable[Coe], *, people: NameIndex | None = None) -> int:
    """Check every text of `coes` again and store the findings that changed; returns how many
    rows changed. `coes` is a queryset (read in batches) or COEs already loaded with their
    texts, timeline entries and factors. Uses no model methods, so migrations can call it."""
    people = people if people is not None else people_index()
    if isinstance(coes, QuerySet):
        coes = coes.prefetch_related("texts", "timeline_entries", "factors__steps").iterator(
            chunk_size=REFRESH_BATCH
        )
    changed = 0
    batch: list = []
    for coe in coes:
        batch += _stale_rows(coe, people)
        if len(batch) >= REFRESH_BATCH:
            changed += _save_findings(batch)
            batch = []
    return changed + _save_findings(batch)


def _save_findings(rows: list) -> int:
    by_model: dict[type, list] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    with transaction.atomic():
        for model, model_rows in by_model.items():
            model.objects.bulk_update(model_rows, ["findings"])  # derived: no history row
    return len(rows)


def section_label(key: str) -> str:
    """The heading a finding's section key is shown under."""
    if key in TEXTS:
        return TEXTS[key][0]
    return SECTIONS_BY_KEY[key].title
