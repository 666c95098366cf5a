"""Admin sign-in (SPEC §14): a login clears only its own failures; staff sessions end on time."""

import time

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse

from clinic.http import client_ip

SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
# Activity is written to the session at most once a minute, not on every admin page.
SEEN_RESOLUTION = 60


@receiver(user_logged_in)
def start_staff_session(sender, request, user, **kwargs):
    if request is None:
        return
    # Failures against this username from other addresses, and against other usernames from this
    # address, stay: otherwise a staff member could sign in as themself between guesses at the
    # superuser's password and never be locked out.
    address = client_ip(request)
    if address:
        AccessAttempt.objects.filter(username=user.get_username(), ip_address=address).delete()
    if hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


class StaffSessionMiddleware:
    """Signs staff out STAFF_SESSION_HOURS after they signed in, and after STAFF_IDLE_MINUTES
    without a request to admin.

    Only admin requests that carry a session cookie are looked at: public pages never load a session
    for this, so they gain no query, no session write and no `Vary: Cookie`.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        if (
            request.path.startswith(self.admin_prefix)
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
        ):
            self.check(request)
        return self.get_response(request)

    def check(self, request):
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT)
        if signed_in_at is None or last_seen_at is None:
            # A session from before these limits: its age is unknown.
            ended = "Please sign in again."
        elif now - signed_in_at >= settings.STAFF_SESSION_HOURS * 60 * 60:
            ended = (
                f"You were signed out {settings.STAFF_SESSION_HOURS} hours after signing in. "
                "Please sign in again."
            )
        elif now - last_seen_at >= settings.STAFF_IDLE_MINUTES * 60:
            ended = (
                f"You were signed out after {settings.STAFF_IDLE_MINUTES} minutes without "
                "activity. Please sign in again."
            )
        else:
            if now - last_seen_at >= SEEN_RESOLUTION:
                session[LAST_SEEN_AT] = now
            return
        logout(request)
        messages.info(request, ended)
