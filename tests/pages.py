"""Reading rendered pages in tests: elements with their attributes, text and ancestors."""

import json
from html.parser import HTMLParser


class Element:
    def __init__(self, tag, attrs, ancestors):
        self.tag, self.attrs, self.ancestors, self.parts = tag, dict(attrs), ancestors, []

    @property
    def text(self):
        return " ".join("".join(self.parts).split())


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


def parse(response):
    parser = PageParser()
    parser.feed(response.content.decode())
    parser.close()
    return parser.elements


def find_all(elements, tag, within=None, **attrs):
    """Elements by tag and exact attribute values (`aria_hidden="true"`, `class_="toc"`)."""
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    return [
        element
        for element in elements
        if element.tag == tag
        and all(element.attrs.get(name) == value for name, value in wanted.items())
        and (within is None or within in element.ancestors)
    ]


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


# Form errors


def _has_class(element, name):
    return name in (element.attrs.get("class") or "").split()


def field_errors(response, name):
    """The error texts shown inside a form field's own block (crispy's div_id_<name>)."""
    elements = parse(response)
    [block] = find_all(elements, "div", id=f"div_id_{name}")
    return [e.text for e in elements if block in e.ancestors and _has_class(e, "invalid-feedback")]


def error_summary_links(response):
    """(href, text) of each link in the error summary at the top of a form."""
    elements = parse(response)
    [summary] = [element for element in elements if _has_class(element, "error-summary")]
    return [(link.attrs["href"], link.text) for link in find_all(elements, "a", within=summary)]
