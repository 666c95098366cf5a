from django.core.management.base import BaseCommand

from inquiries import reminders, tasks
from inquiries.models import EmailDelivery


class Command(BaseCommand):
    help = (
        "Email coordinators one digest of the inquiries still new after one business day "
        "(references, waiting times and admin links only). Nothing is sent when none waits, and "
        "never a second digest on the same day."
    )

    def handle(self, *args, **options):
        digest = reminders.queue_digest()
        if digest is None:
            self.stdout.write("Nothing to send: no inquiry is waiting, or today's digest exists.")
            return
        # The queued task finds the email claimed or sent, so it never goes out twice.
        tasks.deliver(digest.delivery_id)
        state = EmailDelivery.objects.get(pk=digest.delivery_id).get_state_display().lower()
        self.stdout.write(f"Digest of {len(digest.waiting)} waiting inquiry(ies): {state}.")
