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
