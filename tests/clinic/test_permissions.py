"""Who may do what in admin, and the login lockout (SPEC §8, "Staff in Django admin")."""

import ipaddress
from datetime import timedelta
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Permission

from conditions.models import Condition
from inquiries.models import Inquiry, InquiryAccess
from research.models import Study
from tests import groups

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"
ADMIN_APPS = ("inquiries", "conditions", "research")


@pytest.fixture
def staff_groups(db):
    return groups.staff_groups()


def granted(group):
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.fixture
def things(make_inquiry, make_condition, make_study):
    condition = make_condition(name="Lupus")
    inquiry = make_inquiry(condition=condition)
    return {
        "inquiry": inquiry,
        "access": InquiryAccess.objects.record("set-up", InquiryAccess.Action.VIEWED, [inquiry])[0],
        "condition": condition,
        "study": make_study(conditions=[condition], findings=[("Remission", "84 %", "68/81")]),
    }


def logged(things):
    """Access log rows written since `things` were made."""
    return InquiryAccess.objects.exclude(pk=things["access"].pk)


def admin_urls(things):
    """Every admin page of the inquiries, conditions and research apps."""
    objects = {
        Inquiry: things["inquiry"],
        InquiryAccess: things["access"],
        Condition: things["condition"],
        Study: things["study"],
    }
    urls = [f"/admin/{app}/" for app in ADMIN_APPS]
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in ADMIN_APPS:
            continue
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        urls += [base, f"{base}add/"]
        obj = objects.get(model)
        if obj is not None:
            urls += [
                f"{base}{obj.pk}/change/",
                f"{base}{obj.pk}/delete/",
                f"{base}{obj.pk}/history/",
            ]
    return urls


# The groups


def test_the_migrations_create_the_three_staff_groups(staff_groups):
    assert set(staff_groups) == {"Patient coordinators", "Content editors", "Privacy officers"}


def test_patient_coordinators_may_view_and_change_inquiries_and_add_notes_only(staff_groups):
    assert granted(staff_groups["Patient coordinators"]) == {
        "inquiries.view_inquiry",
        "inquiries.change_inquiry",
        "inquiries.view_inquirynote",
        "inquiries.add_inquirynote",
        "inquiries.view_emaildelivery",
        "inquiries.view_replytemplate",
        "inquiries.add_replytemplate",
        "inquiries.change_replytemplate",
        "inquiries.view_routingrule",
    }


def test_privacy_officers_may_view_inquiries_and_erase_their_personal_data_only(staff_groups):
    assert granted(staff_groups["Privacy officers"]) == {
        "inquiries.view_inquiry",
        "inquiries.erase_inquiry",
    }


def test_only_privacy_officers_and_superusers_may_erase(
    staff_groups, superuser, coordinator, content_editor, privacy_officer
):
    holders = {
        name for name, group in staff_groups.items() if "inquiries.erase_inquiry" in granted(group)
    }
    assert holders == {"Privacy officers"}
    assert superuser.has_perm("inquiries.erase_inquiry")
    assert privacy_officer.has_perm("inquiries.erase_inquiry")
    assert not coordinator.has_perm("inquiries.erase_inquiry")
    assert not content_editor.has_perm("inquiries.erase_inquiry")


def test_content_editors_may_edit_conditions_and_studies_and_their_translations_only(
    staff_groups,
):
    assert granted(staff_groups["Content editors"]) == {
        "conditions.view_condition",
        "conditions.add_condition",
        "conditions.change_condition",
        "conditions.view_conditiontranslation",
        "conditions.add_conditiontranslation",
        "conditions.change_conditiontranslation",
        "research.view_studytranslation",
        "research.add_studytranslation",
        "research.change_studytranslation",
        "research.view_study",
        "research.add_study",
        "research.change_study",
        "research.view_keyfinding",
        "research.add_keyfinding",
        "research.change_keyfinding",
        "research.delete_keyfinding",
    }


def test_no_staff_group_may_delete_an_inquiry_a_condition_or_a_study(staff_groups):
    for group in staff_groups.values():
        deletes = {name for name in granted(group) if ".delete_" in name}
        assert deletes <= {"research.delete_keyfinding"}, group.name
        assert not group.permissions.filter(content_type__app_label="auth").exists()
    editors = staff_groups["Content editors"]
    assert not editors.permissions.filter(content_type__app_label="inquiries").exists()


def test_every_permission_the_migration_names_exists(staff_groups):
    for grants in [g for m in groups.migrations().values() for g in m.GROUPS.values()]:
        for app, model, actions in grants:
            for action in actions:
                assert Permission.objects.filter(
                    content_type__app_label=app, codename=f"{action}_{model}"
                ).exists()


# Anonymous and non-staff visitors


def test_an_anonymous_visitor_is_sent_to_the_login_for_every_admin_page(client, things):
    for url in admin_urls(things):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{LOGIN}?next={quote(url)}", url


def test_an_anonymous_post_to_an_inquiry_action_does_nothing(client, things):
    inquiry = things["inquiry"]

    response = client.post(
        "/admin/inquiries/inquiry/", {"action": "export_csv", "_selected_action": [inquiry.pk]}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert b"Reference" not in response.content
    assert not logged(things).exists()


def test_a_signed_in_user_who_is_not_staff_gets_nothing(client, things, django_user_model):
    user = django_user_model.objects.create_user("patient", "patient@example.org")
    client.force_login(user)

    for url in admin_urls(things):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{LOGIN}?next={quote(url)}", url
    response = client.post(
        "/admin/inquiries/inquiry/",
        {"action": "export_csv", "_selected_action": [things["inquiry"].pk]},
    )
    assert response.status_code == 302
    assert not logged(things).exists()


def test_a_staff_user_in_no_group_sees_no_inquiry(client, things, django_user_model):
    user = django_user_model.objects.create_user("new-hire", is_staff=True)
    client.force_login(user)

    assert client.get("/admin/inquiries/inquiry/").status_code == 403
    assert client.get(f"/admin/inquiries/inquiry/{things['inquiry'].pk}/change/").status_code == 403
    assert not logged(things).exists()


# Patient coordinators


def test_a_coordinator_works_with_inquiries(client, coordinator, things):
    inquiry = things["inquiry"]
    client.force_login(coordinator)

    assert client.get("/admin/inquiries/inquiry/").status_code == 200
    assert client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/").status_code == 200
    response = client.post(
        "/admin/inquiries/inquiry/", {"action": "mark_contacted", "_selected_action": [inquiry.pk]}
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CONTACTED
    response = client.post(
        "/admin/inquiries/inquiry/", {"action": "export_csv", "_selected_action": [inquiry.pk]}
    )
    assert response.status_code == 200
    assert inquiry.reference in response.content.decode()


def test_a_coordinator_has_no_access_to_conditions_or_studies(client, coordinator, things):
    client.force_login(coordinator)
    condition, study = things["condition"], things["study"]

    for url in [
        "/admin/conditions/condition/",
        "/admin/conditions/condition/add/",
        f"/admin/conditions/condition/{condition.pk}/change/",
        f"/admin/conditions/condition/{condition.pk}/delete/",
        "/admin/research/study/",
        "/admin/research/study/add/",
        f"/admin/research/study/{study.pk}/change/",
        f"/admin/research/study/{study.pk}/delete/",
    ]:
        assert client.get(url).status_code == 403, url
    index = client.get("/admin/").content.decode()
    assert "/admin/conditions/" not in index and "/admin/research/" not in index
    assert "/admin/inquiries/inquiry/" in index
    assert "/admin/auth/" not in index


def test_a_coordinator_cannot_delete_an_inquiry(client, coordinator, things):
    inquiry = things["inquiry"]
    client.force_login(coordinator)

    assert client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/delete/").status_code == 403
    response = client.post(f"/admin/inquiries/inquiry/{inquiry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    client.post(
        "/admin/inquiries/inquiry/",
        {"action": "delete_selected", "_selected_action": [inquiry.pk], "post": "yes"},
    )
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()


def test_a_coordinator_cannot_manage_staff_accounts(client, coordinator):
    client.force_login(coordinator)

    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get(f"/admin/auth/user/{coordinator.pk}/change/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


# Content editors


def test_a_content_editor_edits_conditions_and_studies(client, content_editor, things):
    condition, study = things["condition"], things["study"]
    client.force_login(content_editor)

    for url in [
        "/admin/conditions/condition/",
        "/admin/conditions/condition/add/",
        f"/admin/conditions/condition/{condition.pk}/change/",
        "/admin/research/study/",
        "/admin/research/study/add/",
        f"/admin/research/study/{study.pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url
    response = client.post(
        f"/admin/conditions/condition/{condition.pk}/change/",
        {
            "name": "Lupus",
            "slug": condition.slug,
            "summary": "A new one-line summary.",
            "published": "on",
            "order": "0",
            "last_reviewed": "2026-11-01",
            "next_review_due": "2027-11-01",
            "reviewed_by": "Medical content team",
            "body": "## About\n\nNew text.",
        },
    )
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.summary == "A new one-line summary."


def test_a_content_editor_cannot_delete_conditions_or_studies(client, content_editor, things):
    condition, study = things["condition"], things["study"]
    client.force_login(content_editor)

    assert client.get(f"/admin/conditions/condition/{condition.pk}/delete/").status_code == 403
    assert client.get(f"/admin/research/study/{study.pk}/delete/").status_code == 403
    assert Condition.objects.filter(pk=condition.pk).exists()
    assert Study.objects.filter(pk=study.pk).exists()


def test_a_content_editor_has_no_access_to_inquiries(client, content_editor, things):
    inquiry = things["inquiry"]
    client.force_login(content_editor)

    for url in [
        "/admin/inquiries/",
        "/admin/inquiries/inquiry/",
        f"/admin/inquiries/inquiry/{inquiry.pk}/change/",
        f"/admin/inquiries/inquiry/{inquiry.pk}/history/",
        "/admin/inquiries/inquiryaccess/",
    ]:
        assert client.get(url).status_code in (403, 404), url
    assert client.get("/admin/inquiries/inquiry/").status_code == 403
    assert client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/").status_code == 403
    response = client.post(
        "/admin/inquiries/inquiry/", {"action": "export_csv", "_selected_action": [inquiry.pk]}
    )
    assert response.status_code == 403
    assert inquiry.reference not in response.content.decode()
    assert inquiry.email not in response.content.decode()
    response = client.post(
        "/admin/inquiries/inquiry/", {"action": "mark_closed", "_selected_action": [inquiry.pk]}
    )
    assert response.status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.NEW
    assert not logged(things).exists()
    assert "/admin/inquiries/" not in client.get("/admin/").content.decode()


# Superusers


def test_a_superuser_reaches_every_admin_page_except_adding_or_deleting_inquiries(
    client, superuser, things
):
    client.force_login(superuser)
    forbidden = {
        "/admin/inquiries/inquiry/add/",
        f"/admin/inquiries/inquiry/{things['inquiry'].pk}/delete/",
        "/admin/inquiries/inquiryaccess/add/",
        f"/admin/inquiries/inquiryaccess/{things['access'].pk}/delete/",
    }

    for url in admin_urls(things):
        expected = 403 if url in forbidden else 200
        assert client.get(url).status_code == expected, url


# Login lockout (django-axes)


@pytest.fixture
def fast_passwords(settings):
    # Real password checks, without the cost of the production hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_member(django_user_model, fast_passwords, staff_groups):
    user = django_user_model.objects.create_user("coord", "coord@clinic.example", PASSWORD)
    user.is_staff = True
    user.save()
    user.groups.add(staff_groups["Patient coordinators"])
    return user


def log_in(client, username, password, ip="192.0.2.10", **headers):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **headers,
    )


def assert_signed_in(response):
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def assert_locked_out(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in is locked for 15 minutes" in page
    assert "too many failed sign-in attempts" in page
    assert "_auth_user_id" not in response.client.session


def age_attempts(by):
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= by
        attempt.save(update_fields=["attempt_time"])


def test_a_right_password_signs_a_staff_member_in(client, staff_member):
    assert_signed_in(log_in(client, "coord", PASSWORD))
    assert client.get("/admin/inquiries/inquiry/").status_code == 200


def test_a_wrong_password_shows_the_login_form_again(client, staff_member):
    response = log_in(client, "coord", "wrong password")

    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert client.get("/admin/inquiries/inquiry/").status_code == 302


def test_five_failures_lock_that_username_even_with_the_right_password(client, staff_member):
    # From a different address each time: the username itself is locked.
    for attempt in range(4):
        response = log_in(client, "coord", "wrong password", ip=f"198.51.100.{attempt}")
        assert response.status_code == 200
    log_in(client, "coord", "wrong password", ip="198.51.100.4")

    assert_locked_out(log_in(client, "coord", PASSWORD, ip="198.51.100.5"))
    assert client.get("/admin/inquiries/inquiry/").status_code == 302


def test_a_locked_username_stays_locked_for_15_minutes(client, staff_member):
    for _ in range(5):
        log_in(client, "coord", "wrong password")

    age_attempts(timedelta(minutes=14))
    assert_locked_out(log_in(client, "coord", PASSWORD, ip="203.0.113.7"))


def test_a_locked_username_can_sign_in_again_after_the_cool_off(client, staff_member):
    for _ in range(5):
        log_in(client, "coord", "wrong password")
    assert_locked_out(log_in(client, "coord", PASSWORD))

    age_attempts(timedelta(minutes=16))

    assert_signed_in(log_in(client, "coord", PASSWORD))
    assert client.get("/admin/inquiries/inquiry/").status_code == 200


def test_five_failures_from_one_address_lock_that_address(client, staff_member):
    for number in range(5):
        log_in(client, f"guess-{number}", "wrong password", ip="192.0.2.66")

    assert_locked_out(log_in(client, "coord", PASSWORD, ip="192.0.2.66"))
    # The account itself is not locked: from elsewhere it signs in.
    assert_signed_in(log_in(client, "coord", PASSWORD, ip="192.0.2.77"))


def test_a_successful_login_before_the_limit_resets_the_count(client, staff_member):
    for _ in range(4):
        log_in(client, "coord", "wrong password")
    assert_signed_in(log_in(client, "coord", PASSWORD))
    client.logout()

    for _ in range(4):
        assert log_in(client, "coord", "wrong password").status_code == 200

    assert_signed_in(log_in(client, "coord", PASSWORD))


def test_the_lockout_applies_to_superusers_too(client, django_user_model, fast_passwords):
    django_user_model.objects.create_superuser("root", "root@clinic.example", PASSWORD)
    for _ in range(5):
        log_in(client, "root", "wrong password")

    assert_locked_out(log_in(client, "root", PASSWORD, ip="203.0.113.9"))


@pytest.mark.parametrize(
    ("guessed", "guessed_from", "signed_in_from", "checked_from"),
    [
        # The guesser is staff too, and signs in as themself between guesses from one address.
        pytest.param("root", "192.0.2.66", "192.0.2.66", "203.0.113.9", id="another-username"),
        pytest.param("coord", "198.51.100.9", "192.0.2.10", "192.0.2.10", id="another-address"),
    ],
)
def test_signing_in_clears_only_its_own_failures(
    client, staff_member, django_user_model, guessed, guessed_from, signed_in_from, checked_from
):
    django_user_model.objects.create_superuser("root", "root@clinic.example", PASSWORD)
    for _ in range(4):
        log_in(client, guessed, "wrong password", ip=guessed_from)
    assert_signed_in(log_in(client, "coord", PASSWORD, ip=signed_in_from))
    client.logout()

    log_in(client, guessed, "wrong password", ip=guessed_from)

    assert_locked_out(log_in(client, guessed, PASSWORD, ip=checked_from))


def test_behind_a_trusted_proxy_the_lockout_counts_the_forwarded_address(
    client, staff_member, settings
):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.1"),)
    proxy = {"ip": "10.0.0.1"}
    for number in range(5):
        log_in(client, f"guess-{number}", "x", **proxy, HTTP_X_FORWARDED_FOR="192.0.2.66")

    assert_locked_out(log_in(client, "coord", PASSWORD, **proxy, HTTP_X_FORWARDED_FOR="192.0.2.66"))
    assert_signed_in(log_in(client, "coord", PASSWORD, **proxy, HTTP_X_FORWARDED_FOR="192.0.2.77"))
