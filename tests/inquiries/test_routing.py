"""Routing rules assign new inquiries to a coordinator as they arrive (SPEC §13, Routing)."""

import pytest

from inquiries.models import Inquiry, RoutingRule
from tests.pages import Page


@pytest.fixture
def make_staff(django_user_model):
    def make(username, **fields):
        return django_user_model.objects.create_user(username, is_staff=True, **fields)

    return make


def test_a_new_inquiry_is_assigned_by_the_rule_for_its_condition(
    submit_inquiry, make_staff, make_condition
):
    lupus_nurse, other_nurse = make_staff("lupus-nurse"), make_staff("other-nurse")
    RoutingRule.objects.create(order=1, condition=make_condition(), assignee=other_nurse)
    RoutingRule.objects.create(order=2, condition=submit_inquiry.condition, assignee=lupus_nurse)

    inquiry = submit_inquiry()

    assert inquiry.assigned_to == lupus_nurse
    assert Inquiry.objects.get(pk=inquiry.pk).assigned_to == lupus_nurse


def test_the_first_matching_rule_wins(submit_inquiry, make_staff):
    first, second = make_staff("first"), make_staff("second")
    RoutingRule.objects.create(order=20, condition=None, assignee=second)
    RoutingRule.objects.create(order=10, condition=submit_inquiry.condition, assignee=first)

    assert submit_inquiry().assigned_to == first


def test_a_rule_without_condition_catches_every_inquiry(submit_inquiry, make_staff):
    anyone = make_staff("anyone")
    RoutingRule.objects.create(order=1, assignee=anyone)

    assert submit_inquiry(condition="other").assigned_to == anyone


def test_inactive_rules_and_people_who_left_are_skipped(
    submit_inquiry, make_staff, django_user_model
):
    left = make_staff("left", is_active=False)
    no_longer_staff = django_user_model.objects.create_user("not-staff")
    switched_off, fallback = make_staff("switched-off"), make_staff("fallback")
    RoutingRule.objects.create(order=1, assignee=left)
    RoutingRule.objects.create(order=2, assignee=no_longer_staff)
    RoutingRule.objects.create(order=3, assignee=switched_off, active=False)
    RoutingRule.objects.create(order=4, assignee=fallback)

    assert submit_inquiry().assigned_to == fallback


def test_no_matching_rule_leaves_the_inquiry_unassigned(submit_inquiry, make_staff, make_condition):
    RoutingRule.objects.create(condition=make_condition(), assignee=make_staff("someone"))

    assert submit_inquiry().assigned_to is None


def test_a_rule_for_spanish_assigns_spanish_inquiries_only(submit_inquiry, make_staff):
    spanish_speaker, anyone = make_staff("spanish"), make_staff("anyone")
    RoutingRule.objects.create(order=1, language="es", assignee=spanish_speaker)
    RoutingRule.objects.create(order=2, assignee=anyone)

    assert submit_inquiry(prefix="/es").assigned_to == spanish_speaker
    assert submit_inquiry().assigned_to == anyone


def test_spam_is_never_assigned(submit_inquiry, make_staff):
    RoutingRule.objects.create(assignee=make_staff("anyone"))

    spam = submit_inquiry(website="http://spam.example")

    assert spam.status == "spam"
    assert spam.assigned_to is None


def test_finding_the_assignee_takes_one_query(make_inquiry, make_staff, django_assert_num_queries):
    RoutingRule.objects.create(order=1, language="es", assignee=make_staff("a"))
    RoutingRule.objects.create(order=2, assignee=make_staff("b"))
    inquiry = Inquiry(status=Inquiry.Status.NEW)

    with django_assert_num_queries(1):
        assert RoutingRule.objects.assignee_for(inquiry) is not None


def test_an_assignment_made_by_hand_is_kept(make_inquiry, make_staff):
    chosen = make_staff("chosen")
    RoutingRule.objects.create(assignee=make_staff("rule"))

    assert make_inquiry(assigned_to=chosen).assigned_to == chosen


def test_rules_in_admin_offer_only_active_staff(superuser_client, make_staff, django_user_model):
    make_staff("active-coordinator")
    make_staff("gone", is_active=False)
    django_user_model.objects.create_user("patient-portal-user")

    page = Page(superuser_client.get("/admin/inquiries/routingrule/add/"))

    options = page.find("select", name="assignee").find_all("option")
    assert [option.text for option in options if option.attrs["value"]] == [
        "active-coordinator",
        "admin",
    ]


def test_a_rule_is_added_in_admin(superuser_client, make_staff, make_condition):
    nurse, condition = make_staff("nurse"), make_condition()
    response = superuser_client.post(
        "/admin/inquiries/routingrule/add/",
        {
            "order": 5,
            "condition": condition.pk,
            "language": "",
            "assignee": nurse.pk,
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.order, rule.condition, rule.assignee, rule.active) == (5, condition, nurse, True)


@pytest.mark.parametrize(
    ("path", "blank"),
    [("/admin/inquiries/routingrule/add/", [""]), ("/admin/inquiries/replytemplate/add/", [])],
)
def test_rules_and_templates_offer_the_sites_languages_rather_than_a_typed_code(
    superuser_client, path, blank
):
    page = Page(superuser_client.get(path))

    options = page.find("select", name="language").find_all("option")
    assert [option.attrs["value"] for option in options] == [*blank, "en", "es"]
    typed = Page(superuser_client.post(path, {"language": "ES"}))
    assert "Select a valid choice" in typed.find("div", has_class="field-language").text
