from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from inquiries.models import Inquiry


class Command(BaseCommand):
    help = (
        "Erase the personal data of inquiries closed or marked spam more than "
        "INQUIRY_RETENTION_DAYS ago; their reference, status and dates stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only show how many would be erased."
        )

    def handle(self, *args, dry_run, **options):
        days = settings.INQUIRY_RETENTION_DAYS
        due = Inquiry.objects.filter(
            status__in=[Inquiry.Status.CLOSED, Inquiry.Status.SPAM],
            status_changed_at__lt=timezone.now() - timedelta(days=days),
            erased_at__isnull=True,
        )
        counts = dict(due.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        total = sum(counts.values())
        detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"
        if dry_run:
            self.stdout.write(
                f"Would erase the personal data of {total} inquiry(ies) ({detail}) "
                f"closed or spam for more than {days} days."
            )
            return
        for inquiry in due.iterator():
            inquiry.erase_personal_data(by=f"purge_inquiries (retention {days} days)")
        self.stdout.write(
            f"Erased the personal data of {total} inquiry(ies) ({detail}) "
            f"closed or spam for more than {days} days."
        )
