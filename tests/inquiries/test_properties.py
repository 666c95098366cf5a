"""Properties of the inquiry form under arbitrary input (SPEC §8: never a 500, never a
half-record)."""

from collections import Counter
from urllib.parse import urlencode

import pytest
from django.core import mail
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inquiries.models import EmailDelivery, Inquiry

TEXT_FIELDS = ["name", "email", "phone", "country", "message"]
CHOICE_FIELDS = ["condition", "contact_preference", "consent", "website", "form_token"]
FORM_FIELDS = {*TEXT_FIELDS, *CHOICE_FIELDS, "csrfmiddlewaretoken"}
# st.text() draws from all of Unicode but surrogates, control characters included.
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(max_size=6000),
    st.text(min_size=4990, max_size=5010),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=200),
    st.sampled_from(
        ["", " ", "\r\n", "\x00", "ada@example.com", "+44 20 7946 0000", "other", "on", "x" * 6000]
    ),
)
EXAMPLES = hypothesis_settings(
    max_examples=100,
    deadline=None,
    # Fixtures (client, db, settings) are shared by the examples of a test on purpose: each
    # example starts by deleting what the previous one saved.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def form(valid_post, settings):
    """A valid post; its token is reused by every example, which is fine once the inquiry of
    the previous example is gone."""
    settings.INQUIRY_MIN_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = None
    return valid_post()


def start_example():
    Inquiry.objects.all().delete()
    mail.outbox.clear()


def assert_one_complete_inquiry_or_none(response, *, may_be_spam=False):
    """A 303 with one complete inquiry and its two emails (none for spam), or the form again
    with its errors and nothing saved."""
    assert response.status_code in {200, 303}, response.status_code
    if response.status_code == 303:
        inquiry = Inquiry.objects.get()
        for field in ("reference", "name", "email", "message", "contact_preference"):
            assert getattr(inquiry, field), f"saved without {field}"
        assert inquiry.consent_at and inquiry.consent_version
        if may_be_spam and inquiry.status == Inquiry.Status.SPAM:
            assert inquiry.deliveries.count() == 0
            return inquiry
        assert inquiry.status == Inquiry.Status.NEW
        assert sorted(inquiry.deliveries.values_list("kind", flat=True)) == [
            "acknowledgement",
            "staff",
        ]
        return inquiry
    assert Inquiry.objects.count() == 0
    assert EmailDelivery.objects.count() == 0
    assert "error-summary" in response.content.decode()
    return None


@pytest.mark.parametrize("field", TEXT_FIELDS + CHOICE_FIELDS)
@EXAMPLES
@given(value=ANY_TEXT)
def test_any_text_in_a_field_saves_one_complete_inquiry_or_shows_the_form(
    form, submit, field, value
):
    start_example()

    response = submit({**form, field: value})

    # A filled honeypot or a broken token is stored as spam.
    spam = field in {"website", "form_token"}
    inquiry = assert_one_complete_inquiry_or_none(response, may_be_spam=spam)
    if inquiry is not None and field in TEXT_FIELDS:
        assert getattr(inquiry, field) == value.strip()


@EXAMPLES
@given(values=st.fixed_dictionaries(dict.fromkeys(TEXT_FIELDS, ANY_TEXT)))
def test_any_text_in_every_field_at_once_never_breaks_the_form(form, submit, values):
    start_example()

    response = submit({**form, **values})

    assert_one_complete_inquiry_or_none(response)


@EXAMPLES
@given(
    extra=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(sorted(FORM_FIELDS)), st.text(max_size=30)),
            st.text(max_size=100),
        ),
        max_size=8,
    )
)
def test_extra_or_repeated_fields_are_refused_and_never_break_anything(form, submit, extra):
    start_example()
    pairs = [*form.items(), *extra]

    response = submit(pairs)

    counts = Counter(name for name, _ in pairs)
    unexpected = any(name not in FORM_FIELDS or count > 1 for name, count in counts.items())
    if unexpected:
        assert response.status_code == 400
        assert Inquiry.objects.count() == 0
        assert EmailDelivery.objects.count() == 0
    else:
        assert_one_complete_inquiry_or_none(response)


@EXAMPLES
@given(body=st.binary(max_size=3000))
def test_any_bytes_as_a_form_body_never_cause_a_500(client, form, body):
    start_example()

    response = client.generic(
        "POST", "/inquire/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code in {200, 400}
    assert Inquiry.objects.count() == 0


@EXAMPLES
@given(
    query=st.dictionaries(
        st.one_of(
            st.sampled_from(["condition", "utm_source", "utm_medium", "utm_campaign"]),
            st.text(max_size=20),
        ),
        st.one_of(st.text(max_size=300), st.sampled_from(["sle-test", "other"])),
        max_size=6,
    )
)
def test_any_query_string_on_the_form_page_never_breaks_it(client, form, query):
    start_example()

    page = client.get("/inquire/?" + urlencode(query))

    assert page.status_code == 200
    assert b'name="form_token"' in page.content
