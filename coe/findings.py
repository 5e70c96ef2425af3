"""The blameless check applied to a whole COE: its texts, timeline and why-chains."""

from django.contrib.auth import get_user_model

from .blameless import Finding, scan_text, scan_why_chain
from .models import SECTIONS, SECTIONS_BY_KEY, TEXTS, Coe


def people_names() -> list[str]:
    """Names a writer might blame: every active person's full name, first name and username."""
    names = set()
    for first, last, username in (
        get_user_model()
        .objects.filter(is_active=True)
        .values_list("first_name", "last_name", "username")
    ):
        names.update(name for name in (f"{first} {last}".strip(), first, username) if name)
    return sorted(names, key=len, reverse=True)


def coe_findings(coe: Coe) -> list[Finding]:
    """Every finding in document order, each once."""
    people = people_names()
    findings: list[Finding] = []
    for section in SECTIONS:
        for key in section.texts:
            findings += scan_text(coe.text(key).body, section=key, people=people)
        if section.key == "timeline":
            for entry in coe.timeline_entries.all():
                findings += scan_text(entry.text, section="timeline", people=people)
        if section.key == "five_whys":
            for factor in coe.factors.all():
                for step in factor.steps.all():
                    findings += scan_text(
                        f"{step.why}\n{step.because}", section="five_whys", people=people
                    )
                findings += scan_why_chain(factor.becauses, section="five_whys", people=people)
    seen: set[str] = set()
    unique = []
    for finding in findings:
        if finding.fingerprint not in seen:
            seen.add(finding.fingerprint)
            unique.append(finding)
    return unique


def unacknowledged_findings(coe: Coe) -> list[Finding]:
    acknowledged = {ack.fingerprint for ack in coe.acknowledgements.all()}
    return [finding for finding in coe_findings(coe) if finding.fingerprint not in acknowledged]


def section_label(key: str) -> str:
    """The heading a finding's section key is shown under."""
    if key in TEXTS:
        return TEXTS[key][0]
    return SECTIONS_BY_KEY[key].title
