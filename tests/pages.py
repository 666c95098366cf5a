"""Reading rendered pages in tests: elements with their attributes, text and ancestors.

One parser serves every test: public pages, forms, and Django admin's lists and change pages.
Tests ask for what a person sees (`Page(response).find("h1").text`, `admin_rows(response)`)
rather than matching markup, so a changed attribute order or indentation breaks nothing.
"""

import json
from html.parser import HTMLParser
from xml.etree import ElementTree


class Searchable:
    """Finding elements among `elements`: a whole page's, or those inside one element."""

    elements = ()

    def find_all(self, tag=None, **kwargs):
        return find_all(self.elements, tag, **kwargs)

    def find(self, tag=None, **kwargs):
        """The one element that matches; anything else fails the test."""
        found = self.find_all(tag, **kwargs)
        assert len(found) == 1, f"expected one <{tag}> with {kwargs}, found {len(found)}"
        return found[0]


class Element(Searchable):
    def __init__(self, tag, attrs, ancestors):
        self.tag, self.attrs, self.ancestors, self.parts = tag, dict(attrs), ancestors, []
        self.elements = []  # those inside it, filled in by the parser
        for ancestor in ancestors:
            ancestor.elements.append(self)

    @property
    def text(self):
        """The text inside, with whitespace collapsed as a browser shows it."""
        return " ".join("".join(self.parts).split())

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def named(self, prefix):
        """What follows `prefix` in one of its classes: "name" for `field-name` and "field-"."""
        return next((c.removeprefix(prefix) for c in self.classes if c.startswith(prefix)), None)


class PageParser(HTMLParser):
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})
    # Text on either side of these is separate, as a browser shows it.
    BLOCK = frozenset({"br", "dd", "div", "dt", "h1", "h2", "h3", "li", "p", "td", "th", "tr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.handle_data(" ")
        element = Element(tag, attrs, list(self.open))
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, attrs, list(self.open)))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                break
        if tag in self.BLOCK:
            self.handle_data(" ")

    def handle_data(self, data):
        for element in self.open:
            element.parts.append(data)


def parse(page):
    """Every element of a response (or of a string of HTML), in document order."""
    parser = PageParser()
    parser.feed(page if isinstance(page, str) else page.content.decode())
    parser.close()
    return parser.elements


def find_all(elements, tag=None, within=None, has_class=None, **attrs):
    """Elements by tag, exact attribute values (`aria_hidden="true"`, `class_="toc"`, `for_="id"`),
    a class they carry and an element they are inside."""
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    return [
        element
        for element in elements
        if (tag is None or element.tag == tag)
        and (within is None or within in element.ancestors)
        and (has_class is None or has_class in element.classes)
        and all(element.attrs.get(name) == value for name, value in wanted.items())
    ]


class Page(Searchable):
    """A parsed response, searchable: `Page(response).find("input", name="email")`."""

    def __init__(self, page):
        self.elements = parse(page)


def page_text(response):
    return find_all(parse(response), "body")[0].text


def hrefs(response):
    return [a.attrs.get("href") for a in find_all(parse(response), "a")]


def meta_tags(response):
    return [
        (m.attrs.get("name"), m.attrs.get("content")) for m in find_all(parse(response), "meta")
    ]


def json_ld(response):
    scripts = find_all(parse(response), "script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads(scripts[0].text)


def sitemap_locations(response):
    """The address of each page a sitemap lists, in order."""
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    return [loc.text for loc in ElementTree.fromstring(response.content).iter(f"{namespace}loc")]


# Forms


UNSENT = frozenset({"submit", "button", "image", "file", "reset"})


def form_data(response, form_id):
    """What a browser posts back from the form with this id (None: a form without one), as
    {name: [values]}: checked boxes only, a select's chosen option (or its first), textareas."""
    assert response.status_code == 200
    forms = Page(response).find_all("form", id=form_id)
    assert forms, f"no form #{form_id} on the page"
    data = {}
    for field in (field for form in forms for field in form.elements):
        if "name" in field.attrs:
            for value in submitted(field):
                data.setdefault(field.attrs["name"], []).append(value)
    return data


def submitted(field):
    if field.tag == "input":
        kind = field.attrs.get("type", "text")
        if kind in {"checkbox", "radio"}:
            return [field.attrs.get("value", "on")] if "checked" in field.attrs else []
        return [] if kind in UNSENT else [field.attrs.get("value", "")]
    if field.tag == "select":
        options = field.find_all("option")
        chosen = [o for o in options if "selected" in o.attrs]
        if "multiple" not in field.attrs:
            chosen = chosen[-1:] or options[:1]
        return [o.attrs.get("value", o.text) for o in chosen]
    if field.tag == "textarea":
        # A browser drops the one line break that may follow the opening tag.
        return ["".join(field.parts).removeprefix("\n")]
    return []


def hidden_tokens(response):
    """The CSRF token and the form_token of the form on a page, as a browser sends them back."""
    page = Page(response)
    return {
        name: page.find("input", name=name).attrs["value"]
        for name in ("csrfmiddlewaretoken", "form_token")
    }


# Django admin


def admin_columns(response):
    """{column name: heading} of an admin change list, in the order shown."""
    headings = Page(response).find_all("th", scope="col")
    return {th.named("column-"): th.text for th in headings if th.named("column-")}


def admin_rows(response):
    """The rows of an admin change list, in the order shown, each as {column name: text}.

    A cell's column is its `field-<name>` class, as Django admin renders it."""
    assert response.status_code == 200
    rows = [
        {cell.named("field-"): cell.text for cell in row.elements if cell.named("field-")}
        for table in Page(response).find_all("table", id="result_list")
        for row in table.find_all("tr")
    ]
    return [cells for cells in rows if cells]  # the heading row has none


def admin_readonly(response, field):
    """The element showing a read-only field on an admin change page."""
    shown = [
        div
        for div in Page(response).find_all("div", has_class="readonly")
        if field_around(div) == field
    ]
    assert len(shown) == 1, f"expected one read-only field {field!r}, found {len(shown)}"
    return shown[0]


def field_around(element):
    """The admin field an element shows: the nearest `field-<name>` class around it."""
    return next(filter(None, (a.named("field-") for a in reversed(element.ancestors))), None)


# Languages


def text_in_page_language(response):
    """The body's text without the elements marked as another language than the page's (such as
    the citation marked lang="en" on a Spanish page): the text read as the page's language."""

    class Parser(PageParser):
        def handle_data(self, data):
            page = self.open[0].attrs.get("lang") if self.open else None
            if all(element.attrs.get("lang", page) == page for element in self.open):
                super().handle_data(data)

    parser = Parser()
    parser.feed(response.content.decode())
    parser.close()
    return find_all(parser.elements, "body")[0].text


# Form errors


def field_errors(response, name):
    """The error texts shown inside a form field's own block (crispy's div_id_<name>)."""
    block = Page(response).find("div", id=f"div_id_{name}")
    return [error.text for error in block.find_all(has_class="invalid-feedback")]


def error_summary_links(response):
    """(href, text) of each link in the error summary at the top of a form."""
    summary = Page(response).find(has_class="error-summary")
    return [(link.attrs["href"], link.text) for link in summary.find_all("a")]
