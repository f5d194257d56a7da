"""Login lockout (django-axes) per account and address, and per address alone: failures with
many different user names from one address (password spraying) lock that address once they reach
``LOGIN_ADDRESS_FAILURE_LIMIT`` within the lockout time, a higher number than the per-account
``AXES_FAILURE_LIMIT``."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


class AccountAndAddressLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
        from_address = (
            AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
                total=Sum("failures_since_start")
            )["total"]
            or 0
        )
        if from_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, settings.AXES_FAILURE_LIMIT)
        return failures
