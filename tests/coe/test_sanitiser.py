"""COE text is Markdown from many writers: whatever they type, nothing on the page may run."""

import re
from html.parser import HTMLParser

import pytest

from opsreview.org.rendering import render_markdown

FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "form", "input", "button", "textarea", "select", "meta", "base", "link", "template",
    "noscript", "details", "body", "html", "head", "title", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "cite"}
SAFE_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
LEADING_AND_TRAILING = "".join(map(chr, range(0x21)))  # C0 controls and space


class RenderedHtml(HTMLParser):
    """Real tags, attributes and comments, as a browser's tokenizer would see them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.comments: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_comment(self, data):
        self.comments.append(data)


def url_scheme(value: str) -> str | None:
    """The scheme a browser would use: it strips outer controls and drops tabs and newlines."""
    # html.parser has already HTML-unescaped the value, as the browser does before URL parsing.
    url = re.sub(r"[\t\n\r]", "", value.strip(LEADING_AND_TRAILING)).lower()
    match = SCHEME.match(url)
    return match.group(1) if match else None


def dangers(html: str) -> list[str]:
    """Everything in the HTML that could run script, load content or restyle the page."""
    parsed = RenderedHtml(html)
    found = [f"comment {c!r}" for c in parsed.comments]
    for tag, attrs in parsed.tags:
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        if tag == "img" and url_scheme(attrs.get("src", "")) not in {"http", "https"}:
            found.append(f"<img src={attrs.get('src')!r}>")
        found += [f"{tag} {name}=" for name in attrs if name.startswith("on") or name == "style"]
        found += [
            f"{tag} {name}={value!r}"
            for name, value in attrs.items()
            if name in URL_ATTRIBUTES and url_scheme(value) not in SAFE_SCHEMES | {None}
        ]
    return found


def render(text: str) -> str:
    return str(render_markdown(text))


PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<ScRiPt>alert(1)</sCrIpT>", id="script_mixed_case"),
    pytest.param("<scr<script>ipt>alert(1)</script>", id="script_nested"),
    pytest.param("<script>alert(1)", id="script_unclosed"),
    pytest.param("<script src=https://evil.example/x.js></script>", id="script_src"),
    pytest.param("<img src=x onerror=alert(1)>", id="img_onerror"),
    pytest.param("<svg onload=alert(1)>", id="svg_onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg_script"),
    pytest.param('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', id="svg_a"),
    pytest.param("<iframe src=javascript:alert(1)>", id="iframe_javascript"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe_srcdoc"),
    pytest.param("<object data=javascript:alert(1)>", id="object"),
    pytest.param("<embed src=javascript:alert(1)>", id="embed"),
    pytest.param('<a href="javascript:alert(1)">x</a>', id="a_javascript"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="a_javascript_entity"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="a_javascript_named_colon"),
    pytest.param('<a href="jav&#x09;ascript:alert(1)">x</a>', id="a_javascript_tab_entity"),
    pytest.param('<a href="ja\nvascript:alert(1)">x</a>', id="a_javascript_newline"),
    pytest.param("<a href=' javascript:alert(1)'>x</a>", id="a_javascript_leading_space"),
    pytest.param('<a href="\x00javascript:alert(1)">x</a>', id="a_javascript_nul"),
    pytest.param('<a href="https://ok.example" onclick="alert(1)">x</a>', id="a_onclick"),
    pytest.param("[x](javascript:alert(1))", id="md_javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="md_javascript_mixed_case"),
    pytest.param("[x](javascript&#58;alert(1))", id="md_javascript_entity_colon"),
    pytest.param("[x](&#x6A;avascript:alert(1))", id="md_javascript_entity_letter"),
    pytest.param("[x](java\tscript:alert(1))", id="md_javascript_tab"),
    pytest.param("[x](\x01javascript:alert(1))", id="md_javascript_control_char"),
    pytest.param("[x](<javascript:alert(1)>)", id="md_javascript_angle_brackets"),
    pytest.param("[x](javascript:alert(1)//https://ok.example)", id="md_javascript_comment"),
    pytest.param(
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="md_data_html"
    ),
    pytest.param("![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", id="md_img_data"),
    pytest.param("![x](javascript:alert(1))", id="md_img_javascript"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="a_vbscript"),
    pytest.param('<div style="background:url(javascript:alert(1))">x</div>', id="div_style"),
    pytest.param('<p style="position:fixed;inset:0">x</p>', id="p_style"),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="mutation_math"
    ),
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', id="mutation_noscript"
    ),
    pytest.param("<xmp><img src=x onerror=alert(1)></xmp>", id="mutation_xmp"),
    pytest.param("<template><script>alert(1)</script></template>", id="template"),
    pytest.param("<details open ontoggle=alert(1)>", id="details_ontoggle"),
    pytest.param("<body onload=alert(1)>", id="body_onload"),
    pytest.param("<input autofocus onfocus=alert(1)>", id="input_onfocus"),
    pytest.param("<form action=javascript:alert(1)><button>x</button></form>", id="form"),
    pytest.param("<button formaction=javascript:alert(1)>x</button>", id="button_formaction"),
    pytest.param(
        '<meta http-equiv=refresh content="0;url=javascript:alert(1)">', id="meta_refresh"
    ),
    pytest.param("<base href=https://evil.example/>", id="base"),
    pytest.param("<link rel=stylesheet href=https://evil.example/x.css>", id="link_stylesheet"),
    pytest.param("<style>@import 'https://evil.example/x.css';</style>", id="style_import"),
    pytest.param("`<script>alert(1)</script>`", id="code_span"),
    pytest.param("```\n<script>alert(1)</script>\n```", id="fenced_code"),
    pytest.param("[x][1]\n\n[1]: javascript:alert(1)", id="md_reference_link"),
    pytest.param("<javascript:alert(1)>", id="md_autolink"),
    pytest.param("<!--<script>alert(1)</script>-->", id="html_comment"),
    pytest.param('[x](https://ok.example "a\\" onmouseover=\\"alert(1)")', id="title_breakout"),
    pytest.param('"><script>alert(1)</script>', id="attribute_breakout"),
    pytest.param("&lt;script&gt;alert(1)&lt;/script&gt;", id="entity_encoded"),
    pytest.param("<abbr title=x onmouseover=alert(1)>HTML</abbr>", id="allowed_tag_handler"),
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_to_nothing_that_runs(payload):
    assert dangers(render(payload)) == []


@pytest.mark.parametrize(
    "html",
    [
        pytest.param("<script>x</script>", id="script"),
        pytest.param("<img src=x>", id="img_relative"),
        pytest.param('<a href=" JaVa\tScript:x">x</a>', id="javascript_href"),
        pytest.param('<a href="&#106;avascript:x">x</a>', id="entity_href"),
        pytest.param("<p onclick=x>x</p>", id="handler"),
        pytest.param("<p style=x>x</p>", id="style"),
        pytest.param("<!--x-->", id="comment"),
    ],
)
def test_the_danger_check_itself_sees_dangerous_html(html):
    assert dangers(html)


def test_escaped_markup_stays_text():
    html = render("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert [tag for tag, _ in RenderedHtml(html).tags] == ["p"]


def test_markup_in_code_comes_out_escaped():
    html = render("`<script>alert(1)</script>`")
    assert html == "<p><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>"


def test_link_title_cannot_break_out_into_attributes():
    html = render('[x](https://ok.example "a\\" onmouseover=\\"alert(1)")')
    (link,) = [attrs for tag, attrs in RenderedHtml(html).tags if tag == "a"]
    assert set(link) == {"href", "title", "rel"}
    assert link["href"] == "https://ok.example"


def test_tables_render():
    html = render("| Service | Minutes |\n|---|--:|\n| gateway | 42 |")
    tags = [tag for tag, _ in RenderedHtml(html).tags]
    assert tags == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert "<td>gateway</td>" in html


def test_fenced_code_renders():
    html = render("```\nkubectl rollout undo deploy/gateway\n```")
    assert html == "<pre><code>kubectl rollout undo deploy/gateway\n</code></pre>"


def test_emphasis_and_lists_render():
    html = render("*why* and **how**\n\n- alarm\n- runbook\n\n1. detect\n2. mitigate")
    tags = [tag for tag, _ in RenderedHtml(html).tags]
    assert tags == ["p", "em", "strong", "ul", "li", "li", "ol", "li", "li"]


@pytest.mark.parametrize(
    ("text", "href"),
    [
        pytest.param("[dashboard](https://grafana.example/d/1)", "https://grafana.example/d/1"),
        pytest.param("<https://status.example>", "https://status.example"),
        pytest.param("[ops](mailto:ops@example.com)", "mailto:ops@example.com"),
        pytest.param("[COE 12](/coe/12/)", "/coe/12/"),
    ],
)
def test_links_render_with_noopener(text, href):
    (link,) = [attrs for tag, attrs in RenderedHtml(render(text)).tags if tag == "a"]
    assert link["href"] == href
    assert "noopener" in link["rel"].split()
