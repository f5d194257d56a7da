"""The run: database and data, users, the stack, each group of figures, the table."""

import json
import os
import uuid

from .config import BASE, SCALE, log
from .figures_api import admin_figures, api_figures
from .figures_work import intake_figures, reminder_figures, report_figures
from .measure import record
from .report import table, write_results
from .stack import ensure_database, ensure_scale_data, stack


def prepare_users():
    """An API client with every scope of KZ and a staff user of both countries, for the run."""
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from facilities.models import Country
    from npm_tracker.core.models import StaffProfile

    out = io.StringIO()
    call_command(
        "create_api_client",
        name=f"bench-{os.getpid()}",
        country="KZ",
        scopes="read write confidential complaints reports",
        stdout=out,
    )
    credentials = json.loads(out.getvalue().strip().splitlines()[-1])
    User = get_user_model()
    password = uuid.uuid4().hex
    user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    profile.countries.set(Country.objects.all())
    return credentials, user, password


def main() -> None:
    import requests

    ensure_database()
    load_seconds = ensure_scale_data()
    from cases.models import Allegation, Deadline, Referral, ReferralEvent
    from facilities.models import Facility, Recommendation, Visit

    counts = {
        "facilities": Facility.objects.count(),
        "visits": Visit.objects.count(),
        "allegations": Allegation.objects.count(),
        "referrals": Referral.objects.count(),
        "referral events": ReferralEvent.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "deadlines": Deadline.objects.count(),
    }
    credentials, staff, password = prepare_users()
    if load_seconds:
        record(f"seed --scale {SCALE:g} (load time)", load_seconds, unit="s")
    with stack() as worker:
        token = requests.post(
            f"{BASE}/o/token/",
            data={"grant_type": "client_credentials", **credentials},
        ).json()["access_token"]
        steps = [
            ("API", lambda: api_figures(token, credentials)),
            ("admin", lambda: admin_figures(staff.username, password)),
            ("reminders", reminder_figures),
            ("reports", lambda: report_figures(worker, staff)),
            ("intake", lambda: intake_figures(token)),
        ]
        only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
        for name, step in steps:
            if only and name not in only:
                continue
            log(f"measuring: {name}")
            step()
    print()
    print(table())
    write_results(load_seconds, counts)
