"""Markdown to safe HTML, in one place for every app.

Content editors may paste anything. The Markdown is rendered first, then bleach keeps only an
allowlist of tags, attributes and URL schemes, so the output is safe whatever went in.
"""

import html
import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from django.conf import settings
from django.utils.html import format_html, format_html_join

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
        "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s",
        "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})
# Classes the Markdown extensions emit; any other class could restyle the page.
ALLOWED_CLASSES = frozenset({"footnote", "footnote-ref", "footnote-backref"})
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_:-]{0,80}$")
# Ids the page templates use (landmarks, section headings); content must not take them.
RESERVED_IDS = frozenset(
    {
        "main", "content", "toc", "toc-heading", "inquiry", "inquiry-heading", "inquiry-form",
        "error-summary-heading", "related-research-heading", "citation-heading", "summary-heading",
        "abstract-heading", "cite-heading", "next-heading", "conditions-heading",
        "research-heading", "cta-heading", "condition-filter",
    }
)  # fmt: skip
FORM_FIELD_ID = re.compile(r"^id_")
# A site-relative path; "/\host" and "/<tab>/host" are read by browsers as another host.
SITE_PATH = re.compile(r"^/(?![/\\])[^\s\\]*$")
TOC_MIN_SECTIONS = 3
# Elements whose content is not text to show: dropped whole, not just unwrapped.
HIDDEN_ELEMENTS = (
    "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "title",
    "svg", "math",
)  # fmt: skip
HIDDEN_START = re.compile(rf"<({'|'.join(HIDDEN_ELEMENTS)})\b", re.IGNORECASE)
HIDDEN_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in HIDDEN_ELEMENTS}
HEADING_TAG = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


@dataclass(frozen=True)
class Rendered:
    html: str
    toc_html: str


def _allowed_attribute(tag, name, value):
    if name == "id":
        return tag in {"h2", "h3", "h4", "h5", "h6", "li", "sup"} and _safe_id(value)
    if name == "class":
        return tag in {"a", "div"} and set(value.split()) <= ALLOWED_CLASSES
    if tag == "a":
        return name in {"href", "title", "rel"}
    if tag == "img":
        if name == "src":
            # Only images served by the site itself: a page makes no third-party requests.
            return bool(SITE_PATH.match(html.unescape(value)))
        return name in {"alt", "title", "width", "height"}
    if tag in {"td", "th"}:
        return name in {"align", "colspan", "rowspan"}
    if tag == "abbr":
        return name == "title"
    if tag == "ol":
        return name == "start"
    return False


def _safe_id(value):
    return (
        bool(ID_PATTERN.match(value))
        and value not in RESERVED_IDS
        and not FORM_FIELD_ID.match(value)
    )


def _external_link_rel(attrs, new=False):
    href = attrs.get((None, "href"), "")
    parts = urlsplit(href.strip())
    # "//host/path" (no scheme) leads to another site just as "https://host/path" does.
    if parts.netloc and parts.hostname != urlsplit(settings.SITE_URL).hostname:
        attrs[(None, "rel")] = "noopener noreferrer"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


def _cleaner():
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(
                LinkifyFilter,
                callbacks=[_external_link_rel],
                skip_tags={"pre", "code"},
                parse_email=False,
            )
        ],
    )


def _drop_hidden_elements(html):
    """Remove each hidden element with its content, up to the first closing tag of its name.

    One pass over the text: an element that is never closed is left for bleach to strip, and
    once one is found unclosed, later ones of that name are not searched for a closing tag again
    (a lazy `.*?` pattern scans to the end once for each of them: n openings cost n²).
    """
    kept, done, search_from, unclosed = [], 0, 0, set()
    while start := HIDDEN_START.search(html, search_from):
        name = start[1].lower()
        end = None if name in unclosed else HIDDEN_END[name].search(html, start.end())
        if end is None:
            unclosed.add(name)
            search_from = start.end()
            continue
        kept.append(html[done : start.start()])
        done = search_from = end.end()
    kept.append(html[done:])
    return "".join(kept)


def sanitise(html):
    return _cleaner().clean(_drop_hidden_elements(html))


def _shift_headings(html, top):
    """Authors write `##` for a section: it becomes h<top>; the page title stays the only h1."""

    def shift(match):
        level = min(max(int(match[2]) + top - 2, top), 6)
        return f"<{match[1]}h{level}"

    return HEADING_TAG.sub(shift, html)


def render_markdown(text, top_heading=2):
    """Render Markdown to sanitised HTML, with heading anchors and a table of contents.

    `top_heading` is the level a `##` section gets: 2 for a page's body, 3 for a part of a page.
    """
    md = markdown.Markdown(
        extensions=["toc", "tables", "footnotes", "sane_lists", "abbr", "def_list"],
        extension_configs={
            "toc": {},
            "tables": {"use_align_attribute": True},
            "footnotes": {"BACKLINK_TITLE": "Back to the text of note %d"},
        },
        output_format="html",
    )
    html = sanitise(_shift_headings(md.convert(text or ""), top_heading))
    return Rendered(html=html, toc_html=_toc_html(md.toc_tokens))


def _sections(tokens):
    for token in tokens:
        if token["level"] <= 2:
            yield token
            yield from _sections(token["children"])


def _toc_html(tokens):
    sections = [t for t in _sections(tokens) if _safe_id(t["id"])]
    if len(sections) < TOC_MIN_SECTIONS:
        return ""
    # Token names arrive escaped already; unescape so format_html escapes them exactly once.
    entries = ((t["id"], html.unescape(t["name"])) for t in sections)
    items = format_html_join("", '<li><a href="#{}">{}</a></li>', entries)
    return format_html('<ol class="toc-list">{}</ol>', items)
