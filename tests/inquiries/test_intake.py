"""A valid post does only what it must inside its transaction: the inquiry, its two delivery
rows and their two queued tasks (SPEC §11, §8)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from inquiries.models import EmailDelivery, Inquiry


def test_a_valid_post_stores_the_inquiry_and_queues_its_emails_and_nothing_else(
    submit, valid_post, settings, task_queue
):
    settings.INQUIRY_MIN_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = None
    data = valid_post()

    with CaptureQueriesContext(connection) as queries:
        response = submit(data)

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.condition == valid_post.condition
    assert EmailDelivery.objects.filter(inquiry=inquiry).count() == 2
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # The form's choice of conditions, the routing rule that assigns the inquiry, and the session
    # that carries the reference to the thank-you page; no lookup of earlier posts of the same
    # form, no second condition query.
    assert len(reads) == 3, reads
    assert [sql.split()[2] for sql in writes] == [
        '"inquiries_inquiry"',
        '"inquiries_emaildelivery"',
        '"django_tasks_database_dbtaskresult"',
        '"inquiries_emaildelivery"',
        '"django_tasks_database_dbtaskresult"',
        '"django_session"',
    ]
