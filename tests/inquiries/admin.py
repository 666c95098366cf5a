"""Driving Django admin's inquiry pages with the test client, as a browser would, and the
personal data staff see there.

Pages are read with tests/pages.py; this module knows the addresses, the actions and the data.
"""

from inquiries.models import EmailDelivery
from tests.pages import Page, admin_rows

CHANGELIST = "/admin/inquiries/inquiry/"
ACCESS_LOG = "/admin/inquiries/inquiryaccess/"

# Every personal field an inquiry stores, filled in: what erasure and the retention purge wipe.
PERSONAL = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0000",
    "country": "United Kingdom",
    "message": "Everything about my health.",
    "referrer": "https://www.search.example/?q=lupus",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "spring",
    "ip_hash": "b" * 64,
}


def change_url(inquiry):
    return f"{CHANGELIST}{inquiry.pk}/change/"


def reply_url(inquiry):
    return f"{CHANGELIST}{inquiry.pk}/reply/"


def changelist_rows(response):
    """{reference: {column: text}} for the rows of the inquiry list, in the order shown."""
    return {row["reference"]: row for row in admin_rows(response)}


def listed(client, query=""):
    """The references the inquiry list shows for a query string."""
    return list(changelist_rows(client.get(CHANGELIST + query)))


def run_action(client, action, *inquiries, **extra):
    """Choose an action for the selected inquiries on the list, as the action bar posts it."""
    data = {"action": action, "_selected_action": [i.pk for i in inquiries], **extra}
    return client.post(CHANGELIST, data)


def delivery(inquiry, kind=EmailDelivery.Kind.STAFF, **fields):
    return EmailDelivery.objects.create(inquiry=inquiry, kind=kind, **fields)


def offered_actions(response):
    """The actions the list offers in its action bar."""
    options = Page(response).find("select", name="action").find_all("option")
    return [option.attrs["value"] for option in options if option.attrs["value"]]
