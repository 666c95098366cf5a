"""Driving Django admin's inquiry pages with the test client, as a browser would."""

import html
import re
from html.parser import HTMLParser

from inquiries.models import EmailDelivery

CHANGELIST = "/admin/inquiries/inquiry/"
ACCESS_LOG = "/admin/inquiries/inquiryaccess/"


def change_url(inquiry):
    return f"{CHANGELIST}{inquiry.pk}/change/"


def text_of(fragment):
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()


def changelist_rows(response):
    """{reference: {column: text}} for the rows of a changelist, in the order shown."""
    assert response.status_code == 200
    page = response.content.decode()
    if "<tbody>" not in page:
        return {}
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL):
        cells = {
            name: " ".join(text_of(value))
            for name, value in re.findall(
                r'<t[dh] class="field-(\w+)[^"]*">(.*?)</t[dh]>', row, re.DOTALL
            )
        }
        rows[cells["reference"]] = cells
    return rows


def listed(client, query=""):
    return list(changelist_rows(client.get(CHANGELIST + query)))


def readonly(response, field):
    """The HTML shown for a read-only field on a change page."""
    match = re.search(
        rf'<div class="form-row field-{field}">.*?<div class="readonly">(.*?)</div>',
        response.content.decode(),
        re.DOTALL,
    )
    assert match, f"no read-only field {field!r} on the page"
    return match[1]


class FormFields(HTMLParser):
    """The name/value pairs a browser submits from the form with the given id."""

    SKIPPED = {"submit", "button", "image", "file", "reset"}

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.pairs = form_id, False, []
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside:
            return
        elif tag == "input" and "name" in attrs:
            kind = attrs.get("type", "text")
            if kind in self.SKIPPED or (kind in {"checkbox", "radio"} and "checked" not in attrs):
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.pairs.append((attrs["name"], attrs.get("value", default)))
        elif tag == "select":
            self.select = {"name": attrs["name"], "first": None, "chosen": None}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["chosen"] = value
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            self.pairs.append(
                (self.select["name"], self.select["first"] if chosen is None else chosen)
            )
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, value = self.textarea
            self.pairs.append((name, value.removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def form_data(response, form_id="inquiry_form"):
    """What the browser would post back from a page's form, as {name: [values]}."""
    assert response.status_code == 200
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.pairs, f"no form #{form_id} on the page"
    data = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return data


def run_action(client, action, *inquiries, **extra):
    data = {"action": action, "_selected_action": [i.pk for i in inquiries], **extra}
    return client.post(CHANGELIST, data)


def delivery(inquiry, kind=EmailDelivery.Kind.STAFF, **fields):
    return EmailDelivery.objects.create(inquiry=inquiry, kind=kind, **fields)
