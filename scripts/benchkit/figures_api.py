"""Figures of the HTTP API and of the admin, each list and detail against its floor."""

import re
from datetime import UTC, date, datetime

from .config import BASE, REPEAT
from .floors import ALLEGATION_SQL, FACILITY_SQL, REFERRAL_SQL, VISIT_SQL
from .measure import Floor, median, p95, record, timed

# --- the API --------------------------------------------------------------------------------------


def api_figures(token: str, client_label) -> None:
    import requests
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.models import Allegation, Referral
    from facilities.models import Facility, Visit

    floor = Floor()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    django_client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    kz = {"country__code": "KZ"}
    facility = Facility.objects.filter(**kz).order_by("-created_at").first()
    region = facility.region.code
    visit = Visit.objects.filter(facility__country__code="KZ").order_by("-created_at").first()
    allegation = Allegation.objects.filter(**kz).order_by("-created_at").first()
    referral = (
        Referral.objects.filter(allegation__country__code="KZ").order_by("-created_at").first()
    )
    office = referral.prosecutor_office.code
    cases = [
        ("facilities", "", {}, FACILITY_SQL, "", facility.pk),
        (
            "facilities",
            f"region={region}",
            {"region": region},
            FACILITY_SQL,
            "AND r.code = %(region)s",
            None,
        ),
        ("visits", "", {}, VISIT_SQL, "", visit.pk),
        (
            "visits",
            "status=report_sent&started_after=2020-01-01",
            {"after": date(2020, 1, 1)},
            VISIT_SQL,
            "AND v.status = 'report_sent' AND v.started_on >= %(after)s",
            None,
        ),
        ("allegations", "", {}, ALLEGATION_SQL, "", allegation.pk),
        (
            "allegations",
            "status=referred&received_after=2020-01-01T00:00:00Z",
            {"after": datetime(2020, 1, 1, tzinfo=UTC)},
            ALLEGATION_SQL,
            "AND al.status = 'referred' AND al.received_at >= %(after)s",
            None,
        ),
        ("referrals", "", {}, REFERRAL_SQL, "", referral.pk),
        (
            "referrals",
            f"status=sent&prosecutor_office={office}",
            {"office": office},
            REFERRAL_SQL,
            "AND r.status = 'sent' AND o.code = %(office)s",
            None,
        ),
    ]
    for resource, query, params, sql, where, detail_pk in cases:
        url = f"/api/v1/{resource}/?limit=100" + (f"&{query}" if query else "")
        response = session.get(BASE + url)
        response.raise_for_status()
        count = len(response.json()["results"])
        samples = timed(lambda url=url: session.get(BASE + url).content)
        with CaptureQueriesContext(connection) as queries:
            django_client.get(url)
        with CaptureQueriesContext(connection) as queries_small:
            django_client.get(url.replace("limit=100", "limit=10"))
        floor_sql = sql.format(where=where)
        floor_samples = timed(
            lambda floor_sql=floor_sql, params=params: floor.run(
                floor_sql, {**params, "limit": 100}
            )
        )
        label = f"API list {resource}" + (f" ?{query}" if query else "") + f" ({count} rows)"
        record(
            label,
            median(samples),
            median(floor_samples),
            p95_ours=p95(samples),
            queries=f"{len(queries)} (10 rows: {len(queries_small)})",
        )
        if detail_pk is None:
            continue
        url = f"/api/v1/{resource}/{detail_pk}/"
        session.get(BASE + url).raise_for_status()
        samples = timed(lambda url=url: session.get(BASE + url).content)
        with CaptureQueriesContext(connection) as queries:
            django_client.get(url)
        table_alias = {"facilities": "f", "visits": "v", "allegations": "al", "referrals": "r"}
        detail_sql = sql.format(where=f"AND {table_alias[resource]}.id = %(pk)s")
        floor_samples = timed(
            lambda s=detail_sql, pk=detail_pk: floor.run(s, {"pk": str(pk), "limit": 1})
        )
        record(
            f"API detail {resource}",
            median(samples),
            median(floor_samples),
            p95_ours=p95(samples),
            queries=str(len(queries)),
        )


# --- the admin ------------------------------------------------------------------------------------


def admin_figures(username: str, password: str) -> None:
    import requests

    from cases.models import Allegation, Referral
    from facilities.models import Visit

    session = requests.Session()
    page = session.get(f"{BASE}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{BASE}/admin/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Referer": f"{BASE}/admin/login/"},
    )
    if "/admin/login/" in response.url:
        raise SystemExit("The bench staff user could not log in to the admin.")
    targets = [
        ("allegations", "cases/allegation", Allegation.objects.order_by("-received_at").first()),
        ("referrals", "cases/referral", Referral.objects.order_by("-created_at").first()),
        ("visits", "facilities/visit", Visit.objects.order_by("-started_on").first()),
    ]
    for label, path, obj in targets:
        _admin_page(session, f"{BASE}/admin/{path}/", f"admin changelist {label}")
        _admin_page(session, f"{BASE}/admin/{path}/{obj.pk}/change/", f"admin change page {label}")


def _admin_page(session, url: str, figure: str) -> None:
    """One admin page: it must answer 200 before it is timed, half as often as the API."""
    assert session.get(url).status_code == 200, url
    samples = timed(lambda: session.get(url).content, repeat=max(5, REPEAT // 2))
    record(figure, median(samples), p95_ours=p95(samples))
