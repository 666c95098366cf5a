"""Checks the inquiry tests share (their fixtures are in conftest.py)."""

from inquiries.models import EmailDelivery, Inquiry


def assert_nothing_saved():
    """No inquiry, and so no email to send."""
    assert Inquiry.objects.count() == 0
    assert EmailDelivery.objects.count() == 0
