"""A COE as one Markdown document: what "Download as Markdown" gives (printing the page, with
its print stylesheet, is the PDF export).

Sections are markdown already and go in as written, with two repairs so the file holds
together outside the app: links to paths of this site (the app writes images as
`![caption](/coe/<pk>/images/<id>/)`) are made absolute, so they work wherever the file is
opened; and a code fence or HTML block a section leaves open is closed, since on the page each
section is rendered alone but in one file it would swallow every section after it. Plain text
(titles, names, timeline entries, the five whys, item titles) is escaped where it lands, so a
newline, `#` or `|` in it cannot break a heading or a table row.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from opsreview.actions.models import ActionItem, ItemStatus
from opsreview.org.people import display_name

from .models import SECTIONS, TEXTS, Coe, CoeImage, Section

# request.build_absolute_uri, or anything else that turns a path of this site into a URL.
AbsoluteUrl = Callable[[str], str]

NOT_WRITTEN = "_Not written yet._"
FILENAME_SLUG_MAX = 60

# Markdown punctuation that could start a link, tag, heading, emphasis or table cell.
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>#|&~])")
# An inline link or image to a path of this site (not //host), or a reference definition of one.
SITE_LINK = re.compile(r"(\]\(\s*<?|^ {0,3}\[[^\]]+\]:\s*<?)(/(?!/)[^\s)>]*)")
CODE_SPAN = re.compile(r"(`+).+?(?<!`)\1(?!`)")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
# HTML blocks that only their closing text ends (CommonMark's kinds 1 to 5); the others end
# at a blank line, which separates every part of the document anyway.
HTML_BLOCKS = (
    (re.compile(r" {0,3}<(pre|script|style|textarea)(\s|>|$)", re.IGNORECASE), None),
    (re.compile(r" {0,3}<!--"), "-->"),
    (re.compile(r" {0,3}<\?"), "?>"),
    (re.compile(r" {0,3}<![A-Za-z]"), ">"),
    (re.compile(r" {0,3}<!\[CDATA\["), "]]>"),
)


def coe_markdown(coe: Coe, *, absolute_url: AbsoluteUrl) -> str:
    """The whole COE: its facts, the nine sections in document order, its images and its
    reviews. `coe` comes from Coe.objects.for_editor(); its items and images are two more
    queries, however many it has."""
    items = list(coe.action_items.select_related("owner"))
    images = list(coe.images.all())
    blocks = [_front_matter(coe, absolute_url)]
    for number, section in enumerate(SECTIONS, start=1):
        blocks.append(f"## {number}. {section.title}")
        blocks.extend(_section(coe, section, items, absolute_url))
    if images:
        blocks.append("## Images")
        blocks.append("\n".join(_image(image, absolute_url) for image in images))
    if coe.reviews.all():
        blocks.append("## Reviews")
        blocks.extend(_reviews(coe, absolute_url))
    return "\n\n".join(blocks) + "\n"


def coe_markdown_filename(coe: Coe) -> str:
    """coe-<pk>-<title as an ASCII slug>.md: safe in a Content-Disposition header anywhere."""
    slug = slugify(coe.title)[:FILENAME_SLUG_MAX].strip("-_")
    return f"coe-{coe.pk}-{slug}.md" if slug else f"coe-{coe.pk}.md"


def _front_matter(coe: Coe, absolute_url: AbsoluteUrl) -> str:
    authors = ", ".join(_plain(display_name(author)) for author in coe.authors.all())
    reviewers = ", ".join(
        f"{_plain(display_name(row.reviewer))} ({row.get_state_display()})"
        for row in coe.reviewers.all()
        if row.is_active
    )
    facts = {
        "Status": coe.get_status_display(),
        "Owning team": _plain(coe.team.name),
        "Authors": authors or "none listed",
        "Reviewers": reviewers,
        "Incident": _incident(coe, absolute_url),
        "Started": _time(coe.created_at),
        "Submitted": _time(coe.submitted_at) if coe.submitted_at else "",
        "Online": f"<{absolute_url(coe.get_absolute_url())}>",
    }
    lines = [f"- **{label}:** {value}" for label, value in facts.items() if value]
    name = timezone.get_current_timezone_name()
    site = "the site's time zone, " if name == settings.TIME_ZONE else ""
    zone = f"Times are in {site}{name}."
    return "\n\n".join([f"# {_plain(coe.title)}", "\n".join(lines), zone])


def _incident(coe: Coe, absolute_url: AbsoluteUrl) -> str:
    incident = coe.incident
    if incident is None:
        return ""
    name = f"{incident.get_severity_display()}: {_plain(incident.title)}"
    return f"[{name}]({absolute_url(incident.get_absolute_url())})"


def _reviews(coe: Coe, absolute_url: AbsoluteUrl) -> list[str]:
    blocks = []
    for review in coe.reviews.all():
        who, when = _plain(display_name(review.reviewer)), _time(review.created_at)
        blocks.append(f"### {review.get_decision_display()} by {who}, {when}")
        if review.comment.strip():
            blocks.append(_markdown(review.comment, absolute_url))
    return blocks


def _section(
    coe: Coe, section: Section, items: list[ActionItem], absolute_url: AbsoluteUrl
) -> list[str]:
    if section.key == "timeline":
        return [_timeline(coe)]
    if section.key == "five_whys":
        return _five_whys(coe)
    if section.key == "corrective_actions":
        notes = coe.text("corrective_actions").body  # optional: shown only when written
        blocks = [_items(items, absolute_url)]
        if notes.strip():
            blocks += [f"### {TEXTS['corrective_actions'][0]}", _markdown(notes, absolute_url)]
        return blocks
    blocks = []
    for key in section.texts:
        if len(section.texts) > 1:
            blocks.append(f"### {TEXTS[key][0]}")
        blocks.append(_markdown(coe.text(key).body, absolute_url))
    if section.key == "impact":
        blocks.append(_impact_numbers(coe))
    return blocks


def _impact_numbers(coe: Coe) -> str:
    duration = coe.impact_duration_minutes
    minutes = "not stated" if duration is None else f"{duration:,} minutes"
    return "\n".join(
        [
            f"- **Impact duration:** {minutes}",
            f"- **Customers affected:** {_count(coe.customers_affected)}",
            f"- **Requests affected:** {_count(coe.requests_affected)}",
        ]
    )


def _count(value: int | None) -> str:
    return "not stated" if value is None else f"{value:,}"


def _timeline(coe: Coe) -> str:
    entries = coe.timeline_entries.all()
    if not entries:
        return "_No timeline entries yet._"
    rows = [f"| {_time(entry.occurred_at)} | {_cell(entry.text)} |" for entry in entries]
    return "\n".join(["| Time | What happened |", "| --- | --- |", *rows])


def _five_whys(coe: Coe) -> list[str]:
    blocks = []
    for number, factor in enumerate(coe.factors.all(), start=1):
        title = f": {_plain(factor.title)}" if factor.title.strip() else ""
        blocks.append(f"### Factor {number}{title} ({factor.get_category_display()})")
        steps = [step for step in factor.steps.all() if step.why.strip() or step.because.strip()]
        blocks.append(
            "\n\n".join(
                # Four spaces keep "Because" inside its item, whether numbered 1. or 10.
                f"{position}. **Why?** {_plain(step.why)}\n\n    **Because** {_plain(step.because)}"
                for position, step in enumerate(steps, start=1)
            )
            or "_No whys yet._"
        )
    return blocks or ["_No contributing factors yet._"]


def _items(items: list[ActionItem], absolute_url: AbsoluteUrl) -> str:
    if not items:
        return "_No action items yet._"
    rows = [
        "| Action item | Owner | Term | Status | Due | Ticket |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for item in items:
        link = f"[{_plain(item.title)}]({absolute_url(item.get_absolute_url())})"
        cells = [
            link,
            _plain(display_name(item.owner)),
            item.get_term_display(),
            _item_status(item),
            item.due_date.isoformat(),
            f"<{_autolink_safe(item.ticket_url)}>" if item.ticket_url else "",
        ]
        rows.append(f"| {' | '.join(cells)} |")
    return "\n".join(rows)


def _item_status(item: ActionItem) -> str:
    status = item.get_status_display()
    if item.is_overdue():
        return f"{status}, overdue"
    if item.status == ItemStatus.WONT_DO and item.wont_do_reason.strip():
        return f"{status}: {_plain(item.wont_do_reason)}"
    return status


def _autolink_safe(url: str) -> str:
    """A web address (checked as http/https) that can sit in <…> in a table cell."""
    return url.translate({ord("<"): "%3C", ord(">"): "%3E", ord("|"): "%7C"})


def _image(image: CoeImage, absolute_url: AbsoluteUrl) -> str:
    caption = f"{_plain(str(image))} · {image.get_section_display()}"
    return f"- {_site_links_absolute(image.markdown, absolute_url)}\n  {caption}"


def _time(value) -> str:
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _plain(text: str) -> str:
    """Plain text on one line of markdown: whitespace collapsed, markdown punctuation escaped."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    """Plain text in a table cell, its lines kept as line breaks."""
    return "<br>".join(_plain(line) for line in text.splitlines() if line.strip())


def _markdown(body: str, absolute_url: AbsoluteUrl) -> str:
    """A text as written, its site links made absolute and any block it leaves open closed."""
    if not body.strip():
        return NOT_WRITTEN
    lines, fence, closer = [], None, None  # the open code fence; what ends the open HTML block
    for line in body.strip("\r\n").splitlines():
        if fence is not None:
            fence = None if _closes_fence(line, fence) else fence
        elif closer is not None:
            closer = None if closer in line.lower() else closer
        else:
            fence = _fence_opened(line)
            closer = None if fence else _html_block_closer(line)
            if fence is None and closer is None:
                line = _site_links_absolute(line, absolute_url)
        lines.append(line)
    if fence is not None:
        lines.append(fence)
    elif closer is not None:
        lines.append(closer)
    return "\n".join(lines).rstrip()


def _fence_opened(line: str) -> str | None:
    """The fence (```` ``` ```` or ``~~~``) `line` opens a code block with, if it opens one."""
    opened = FENCE.fullmatch(line)
    if opened is None or (opened[1][0] == "`" and "`" in opened[2]):  # then a code span
        return None
    return opened[1]


def _closes_fence(line: str, fence: str) -> bool:
    return re.fullmatch(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*", line) is not None


def _html_block_closer(line: str) -> str | None:
    """What ends the HTML block `line` starts, if it starts one that it does not also end."""
    for opener, closer in HTML_BLOCKS:
        if started := opener.match(line):
            closer = closer or f"</{started[1].lower()}>"
            return None if closer in line[started.end() :].lower() else closer
    return None


def _site_links_absolute(line: str, absolute_url: AbsoluteUrl) -> str:
    """The line with its links to paths of this site made absolute (not those in code)."""
    code = [span.span() for span in CODE_SPAN.finditer(line)]

    def absolute(link: re.Match) -> str:
        if any(start <= link.start(2) < end for start, end in code):
            return link[0]
        return link[1] + absolute_url(link[2])

    return SITE_LINK.sub(absolute, line)
