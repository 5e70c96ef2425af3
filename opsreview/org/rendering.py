"""Markdown written by people, rendered to HTML that is safe to put on any page.

GitHub-flavoured markdown through cmark-gfm, GitHub's C parser: linear in its input, so a
page of hostile brackets renders in milliseconds (benchmarks/markdown.py). nh3 then keeps only
plain formatting.
"""

import html
import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Bump it whenever the HTML produced for the same text can change (stored HTML is then re-rendered).
RENDER_POLICY = 3

# Line breaks are kept as written; raw HTML goes on to nh3, which keeps the text of unsafe tags.
CMARK_OPTIONS = Options.CMARK_OPT_HARDBREAKS | Options.CMARK_OPT_UNSAFE

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "img": {"src", "alt"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Deeper nesting is no document anyone writes, and the HTML sanitiser's cost grows with depth
# times length: such a text is shown as the plain text it is.
MAX_NESTING = 32
ELEMENT_TAG = re.compile(r"<(/?)((?!br\b|hr\b|img\b|input\b)[a-z][a-z0-9]*)\b")


# Images load only from paths of this site that serve stored images to those allowed to see
# them (an app registers its own: coe's attached images); an image from anywhere else (a
# tracking pixel, say) is shown as its alternative text.
LOCAL_IMAGE_PATHS: list[re.Pattern] = []
IMAGE_TAG = re.compile(r"<img\b[^>]*>")
IMAGE_ATTRIBUTE = re.compile(r'\s(src|alt)="([^"]*)"')


def allow_local_images(path: str) -> None:
    """Let images whose src matches the regex `path` (a whole path of this site) load."""
    LOCAL_IMAGE_PATHS.append(re.compile(path))


def _only_local_images(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        local = any(pattern.fullmatch(value) for pattern in LOCAL_IMAGE_PATHS)
        return value if local else None
    return value


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, then nh3 keeps only plain formatting: no scripts, handlers or styles."""
    html = cmarkgfm.github_flavored_markdown_to_html(text or "", options=CMARK_OPTIONS)
    if nesting_depth(html) > MAX_NESTING:
        return as_plain_text(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_local_images,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    cleaned = IMAGE_TAG.sub(_figure, cleaned)
    return mark_safe(cleaned.strip())  # noqa: S308 - nh3 has just removed everything unsafe


def _figure(match: re.Match) -> str:
    """A sanitised <img>: with its caption below it when it loads from here, else its
    alternative text in its place. Attribute values are re-escaped for where they go."""
    attributes = {name: html.unescape(value) for name, value in IMAGE_ATTRIBUTE.findall(match[0])}
    alt = attributes.get("alt", "").strip()
    if "src" not in attributes:
        what = f"Image not shown: {alt}" if alt else "Image not shown"
        return f'<span class="image-blocked">[{escape(what)}]</span>'
    image = f'<img src="{escape(attributes["src"])}" alt="{escape(alt)}" loading="lazy">'
    caption = f'<span class="figure-caption">{escape(alt)}</span>' if alt else ""
    return f'<span class="figure">{image}{caption}</span>'


def nesting_depth(html: str) -> int:
    """How deep elements nest; a closing tag counts only when it closes the element opened
    last, so stray closers in raw HTML (`<b></p>`) cannot hide depth from the check."""
    open_tags: list[str] = []
    deepest = 0
    for closing, name in ELEMENT_TAG.findall(html):
        if not closing:
            open_tags.append(name)
            deepest = max(deepest, len(open_tags))
        elif open_tags and open_tags[-1] == name:
            open_tags.pop()
    return deepest


def as_plain_text(text: str) -> SafeString:
    """Escaped, line breaks kept: nothing in it for a sanitiser to find."""
    return mark_safe("<p>" + escape(text).replace("\n", "<br>\n") + "</p>")  # noqa: S308
