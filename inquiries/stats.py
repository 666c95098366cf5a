"""The numbers coordinators see on the admin index."""

import statistics
from datetime import timedelta

from django.utils import timezone

from inquiries.models import Inquiry

MEDIAN_WINDOW = timedelta(days=30)


def one_business_day_before(moment):
    """The moment 24 working hours (Monday to Friday, in the clinic's time zone) before `moment`."""
    local = timezone.localtime(moment)
    if local.weekday() >= 5:
        # Weekend hours do not count: start from the end of the Friday before.
        local = (local - timedelta(days=local.weekday() - 5)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    earlier = local - timedelta(days=1)
    if earlier.weekday() >= 5:
        earlier -= timedelta(days=2)
    return earlier


def dashboard(now=None):
    now = now or timezone.now()
    new = Inquiry.objects.filter(status=Inquiry.Status.NEW)
    contacted = Inquiry.objects.filter(first_contacted_at__gte=now - MEDIAN_WINDOW).values_list(
        "created_at", "first_contacted_at"
    )
    waits = [contacted_at - created_at for created_at, contacted_at in contacted]
    return {
        "new": new.count(),
        "waiting": new.filter(created_at__lt=one_business_day_before(now)).count(),
        "median_first_contact": statistics.median(waits) if waits else None,
        "contacted_in_window": len(waits),
    }


def duration(value):
    """“2 d 3 h”, “3 h 20 min” or “12 min”: how long a patient waited."""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"
