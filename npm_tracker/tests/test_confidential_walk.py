"""Every way out of a confidential value goes through the one role rule, and every read of it is
logged: every admin and API URL is opened as each role (and as API clients), and each response
(pages, files, exports, history, autocomplete) is searched for the seeded identity and medical
values of a KZ and a KG case.

A value may appear only to a caller who sees that case's identity (``roles.sees_identity`` for
staff, the ``confidential`` scope of the case's country for clients), and only with an access-log
row for the case written by that request. Every URL pattern of the project must be in the tables
below: a new route that is not fails ``test_the_walk_covers_every_route``.
"""

import io
from datetime import date

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases import services as case_services
from cases.models import (
    Lesion,
    MedicalExamination,
    ProsecutorOffice,
    PsychologicalEvaluation,
    ReprisalFollowUp,
)
from cases.tests.factories import make_allegation
from cases.tests.files import pdf
from conftest import make_staff
from facilities import services as facility_services
from facilities.models import Agency, VisitTeamMember
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.core import roles
from npm_tracker.core.models import AccessLog
from npm_tracker.tests.api_helpers import api_as
from npm_tracker.tests.test_roles import USERS

pytestmark = pytest.mark.django_db

SECRETS = {
    "KZ": {
        "victim name": "Жанар Тайнова",
        "date of birth": "1987-06-05",
        "contact details": "+7 701 555 0199",
        "witness name": "Бекзат Свидетелев",
        "witness statement": "Видел всё через решётку",
        "perpetrator name": "Капитан Злодеев",
        "examiner": "Доктор Осмотрова",
        "findings": "Гематомы на спине",
        "history as told": "Били пластиковой бутылкой",
        "lesion description": "Полосовидный кровоподтёк KZ",
        "lesion size": "7 x 2 см KZ",
        "medical opinion": "В высокой степени соответствует KZ",
        "symptoms": "Бессонница и флешбэки KZ",
        "psychological opinion": "Признаки ПТСР KZ",
        "injuries": "Перелом ребра",
        "evidence file name": "протокол-тайный.pdf",
        "evidence content": "СОДЕРЖИМОЕ-ФАЙЛА-KZ",
    },
    "KG": {
        "victim name": "Айбек Скрытов",
        "date of birth": "1979-11-23",
        "contact details": "+996 555 010 203",
        "witness name": "Нурлан Очевидцев",
        "witness statement": "Слышал крики ночью",
        "perpetrator name": "Сержант Жестоков",
        "examiner": "Доктор Бишкекова",
        "findings": "Ожоги на руках",
        "history as told": "Прижигали сигаретой",
        "lesion description": "Круглый ожог KG",
        "lesion size": "0,8 см KG",
        "medical opinion": "Типично для ожога сигаретой KG",
        "symptoms": "Тревога, избегание KG",
        "psychological opinion": "Соответствует рассказу KG",
        "injuries": "Сотрясение мозга",
        "evidence file name": "акт-кыргыз.pdf",
        "evidence content": "СОДЕРЖИМОЕ-ФАЙЛА-KG",
    },
}


def _case(code, facility, visit, officer):
    values = SECRETS[code]
    agency = Agency.objects.get(code=f"{code.lower()}_mvd")
    allegation = make_allegation(
        code,
        facility=facility,
        visit=visit,
        assigned_officer=officer,
        injuries=values["injuries"],
        victim={
            "full_name": values["victim name"],
            "date_of_birth": date.fromisoformat(values["date of birth"]),
            "contact_details": values["contact details"],
        },
        perpetrators=[{"agency": agency, "rank": "captain", "name": values["perpetrator name"]}],
        witnesses=[
            {
                "role": "detainee",
                "full_name": values["witness name"],
                "statement": values["witness statement"],
            }
        ],
    )
    examination = case_services.medical_examination_add(
        actor=None,
        allegation=allegation,
        examined_on=date(2026, 3, 3),
        examiner=values["examiner"],
        institution="Городская больница",
        account=values["history as told"],
        findings=values["findings"],
        opinion=values["medical opinion"],
    )
    case_services.lesion_save(
        actor=None,
        lesion=Lesion(
            examination=examination,
            region="upper_back",
            side="left",
            type="bruise",
            size=values["lesion size"],
            description=values["lesion description"],
        ),
    )
    case_services.allegation_part_save(
        actor=None,
        part=PsychologicalEvaluation(
            allegation=allegation,
            evaluated_on=date(2026, 3, 4),
            symptoms=values["symptoms"],
            opinion=values["psychological opinion"],
        ),
    )
    upload = SimpleUploadedFile(
        values["evidence file name"], pdf(values["evidence content"]), "application/pdf"
    )
    case_services.evidence_add(actor=None, allegation=allegation, file=upload, kind="document")
    return allegation


@pytest.fixture
def walk_world(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = {
        key: make_staff(key, country, roles=(role,), direct_permissions=False)
        for key, (role, country) in USERS.items()
    }
    users["root"] = make_staff("root", superuser=True, direct_permissions=False)
    kz_facility = make_facility("KZ", name="ИВС обхода")
    kz_visit = make_visit(kz_facility, started_on=date(2026, 3, 2))
    facility_services.visit_part_save(
        actor=None, part=VisitTeamMember(visit=kz_visit, user=users["monitor"], role="member")
    )
    kg_facility = make_facility("KG", name="ИВС Ош")
    cases = {
        "KZ": _case("KZ", kz_facility, kz_visit, users["officer"]),
        "KG": _case("KG", kg_facility, make_visit(kg_facility), users["kg_head"]),
    }
    kz_assigned = make_allegation("KZ", facility=kz_facility)
    case_services.allegation_update(
        actor=None, allegation=kz_assigned, assigned_officer=users["monitor_assigned"]
    )
    for case in cases.values():
        referral = case_services.referral_create(
            actor=None,
            allegation=case,
            prosecutor_office=ProsecutorOffice.objects.filter(
                country=case.country, level="general"
            ).first(),
        )
        case.referral = referral
    return {"users": users, "cases": cases}


# --- the routes ----------------------------------------------------------------------------------

# Admin pages of a registered model: the standard ones are walked for every model with the
# model's walked records; each further page of a model admin is named here with how to open it.
STANDARD_ADMIN_PAGES = ("changelist", "add", "history", "delete", "change")
CUSTOM_ADMIN_PAGES = {
    # "<app>_<model>_<page>": None (walked without arguments) | "object" (per walked record) |
    # a reason it is not walked.
    "cases_allegation_transition": "object-step",
    "cases_referral_transition": "object-step",
    "cases_reprisalfollowup_transition": "object-step",
    "facilities_visit_transition": "object-step",
    "facilities_recommendation_transition": "object-step",
    "facilities_facility_planning": None,
    "npm_tracker_accesslog_unusual": None,
    "otp_totp_totpdevice_config": "no device is seeded: tested in test_accounts",
    "otp_totp_totpdevice_qrcode": "no device is seeded: tested in test_accounts",
    "reports_reportrun_download": "no report file is rendered here: see reports tests",
    "reports_reportrun_again": "a POST-only action (asks for the report again)",
    "auth_user_password_change": "object",
    "cases_evidence_original": "object",
    "cases_evidence_transfer": "object",
}
EXPORTABLE = "export"
IMPORT_PAGES = ("import", "process_import")
ADMIN_SITE_PAGES = {
    # Pages of the admin site itself (not of a model).
    "index": None,
    "login": None,
    "logout": "ends the session",
    "password_change": None,
    "password_change_done": None,
    "jsi18n": None,
    "reauth": None,
    "autocomplete": "autocomplete",
    "app_list": "app",
    "view_on_site": "not used (view_on_site is off)",
}
OTHER_ROUTES = {
    # Routes outside the admin, by name: how the walk opens them.
    "healthz": None,
    "set_language": "a POST that sets the language",
    "evidence-file": "evidence-file",
    "vocabulary": "vocabularies",
    "facility-list": None,
    "facility-detail": "object",
    "visit-list": None,
    "visit-detail": "object",
    "visit-transition": "POST only: writes are tested in the API tests",
    "recommendation-list": None,
    "recommendation-detail": "object",
    "recommendation-transition": "POST only: writes are tested in the API tests",
    "allegation-list": None,
    "allegation-detail": "object",
    "allegation-evidence": "object",
    "allegation-transition": "POST only: writes are tested in the API tests",
    "api-evidence-file": "object",
    "referral-list": None,
    "referral-detail": "object",
    "referral-events": "object",
    "complaint-list": "POST only: writes are tested in the API tests",
    "report-list": None,
    "report-detail": "no report is requested here: see reports tests",
    "report-file": "no report is requested here: see reports tests",
    "statistics": None,
    "sync": "POST only: fieldkit/tests/test_sync.py",
    "signing-keys": None,
    "integrity-roots": "needs ?date: hashes and a count only (test_integrity.py)",
    "referral-bundle": "a zip (letter and evidence): reports/tests/test_bundle.py, test_api_matrix",
    "fieldkit:shell": None,
    "fieldkit:data": None,
    "fieldkit:planned": None,
    "fieldkit:session": None,
    "fieldkit:status": "POST only, counts only: fieldkit/tests/test_views.py",
    "fieldkit:manifest": "the field app's manifest: no data",
    "fieldkit:service-worker": "the field app's service worker: no data",
    "fieldkit:asset": "the field app's files: no data (fieldkit/tests/test_views.py)",
    "fieldkit:catalog": "the field app's translations: no data",
    "webhook-list": None,
    "webhook-detail": "no webhook is registered here: see webhook tests",
    "webhook-deliveries": "no webhook is registered here: see webhook tests",
    "webhook-ping": "POST only, ids only: see test_webhook_signatures",
    "webhook-redeliver": "POST only, ids only: see test_webhook_signatures",
    "webhook-rotate-secret": "POST only, no personal data: see test_webhook_signatures",
    "schema": None,
    "docs": None,
    "oauth2-token": "the token endpoint: tested in test_api_auth",
}


def _patterns(patterns=None, namespace="", prefix=""):
    """(namespace, full route, pattern) of every URL pattern of the project."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern):
            yield namespace, route, entry


def _route_name(route, pattern) -> str:
    # Two routes share the name "evidence-file": the staff download and the API's.
    if pattern.name == "evidence-file" and route.startswith("api/"):
        return "api-evidence-file"
    return pattern.name


def route_names() -> tuple[set, set]:
    """(admin URL names, other URL names) of the project, format suffixes folded."""
    admin_names, other = set(), set()
    for namespace, route, pattern in _patterns():
        if pattern.name is None:
            continue
        if namespace == "admin:":
            admin_names.add(_route_name(route, pattern))
        else:
            other.add(namespace + _route_name(route, pattern))
    return admin_names, other


def _model_admin_pages():
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}"
        names = {pattern.name for pattern in model_admin.get_urls() if pattern.name}
        yield model, model_admin, prefix, names


def test_the_walk_covers_every_route():
    admin_names, other = route_names()
    known = set(ADMIN_SITE_PAGES)
    for _model, _admin, prefix, names in _model_admin_pages():
        for name in names:
            page = name.removeprefix(prefix + "_")
            if (
                page in STANDARD_ADMIN_PAGES
                or page in (EXPORTABLE, *IMPORT_PAGES)
                or name in CUSTOM_ADMIN_PAGES
            ):
                known.add(name)
    stale = (set(ADMIN_SITE_PAGES) | set(CUSTOM_ADMIN_PAGES)) - admin_names
    assert not stale, f"the walk's tables name admin pages that do not exist: {sorted(stale)}"
    assert not set(OTHER_ROUTES) - other, sorted(set(OTHER_ROUTES) - other)
    missing_admin = admin_names - known
    missing_other = other - set(OTHER_ROUTES)
    assert not missing_admin, f"admin pages not in the walk's tables: {sorted(missing_admin)}"
    assert not missing_other, f"routes not in the walk's tables: {sorted(missing_other)}"


# --- the walk ------------------------------------------------------------------------------------


def _walked_records(model, world):
    """The records of ``model`` whose pages are opened: every record of the two cases and their
    parts, else the first one."""
    cases = list(world["cases"].values())
    if model._meta.label_lower == "cases.allegation":
        return cases
    for field in model._meta.get_fields():
        if getattr(field, "related_model", None) is not None and field.name == "allegation":
            if getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False):
                return list(model._default_manager.filter(allegation__in=cases))
    if model._meta.label_lower == "cases.referralevent":
        return []
    first = model._default_manager.order_by("pk").first()
    return [first] if first is not None else []


def admin_requests(world):
    """(method, url, data) of every admin page of the walk."""
    for name, how in ADMIN_SITE_PAGES.items():
        if how is None:
            yield "get", reverse(f"admin:{name}"), None
    for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
        yield "get", reverse("admin:app_list", args=[app_label]), None
    for model, model_admin, prefix, names in _model_admin_pages():
        records = _walked_records(model, world)
        yield "get", reverse(f"admin:{prefix}_changelist"), None
        yield "get", reverse(f"admin:{prefix}_add"), None
        if f"{prefix}_export" in names:
            yield "post", reverse(f"admin:{prefix}_export"), {"resource": "0", "format": "0"}
        for record in records:
            for page in ("change", "history", "delete"):
                yield "get", reverse(f"admin:{prefix}_{page}", args=[record.pk]), None
            label = model._meta.label_lower
            yield (
                "get",
                reverse("admin:pghistory_events_changelist") + f"?obj={label}:{record.pk}",
                None,
            )
            for name in names:
                how = CUSTOM_ADMIN_PAGES.get(name)
                if how == "object":
                    yield "get", reverse(f"admin:{name}", args=[record.pk]), None
                elif how == "object-step" and hasattr(model_admin, "allowed_steps"):
                    for step in model_admin.allowed_steps(record):
                        yield "get", reverse(f"admin:{name}", args=[record.pk, step.name]), None
        for name in names:
            if CUSTOM_ADMIN_PAGES.get(name, "") is None:
                yield "get", reverse(f"admin:{name}"), None
        for field in getattr(model_admin, "autocomplete_fields", ()):
            query = f"?app_label={model._meta.app_label}&model_name={model._meta.model_name}"
            yield "get", reverse("admin:autocomplete") + f"{query}&field_name={field}&term=", None
    for case in world["cases"].values():
        for evidence in case.evidence.all():
            yield "get", reverse("evidence-file", args=[evidence.file.name]), None


def api_requests(world):
    for name, how in OTHER_ROUTES.items():
        if how is None and name not in ("healthz",):
            yield "get", reverse(name), None
    yield "get", reverse("vocabulary", args=["methods"]), None
    for case in world["cases"].values():
        for name, pk in (
            ("allegation-detail", case.pk),
            ("allegation-evidence", case.pk),
            ("referral-detail", case.referral.pk),
            ("referral-events", case.referral.pk),
            ("facility-detail", case.facility_id),
            ("visit-detail", case.visit_id),
        ):
            yield "get", reverse(name, args=[pk]), None
        for evidence in case.evidence.all():
            yield "get", f"/api/v1/evidence/{evidence.pk}/file/", None


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    text = content.decode("utf-8", errors="replace")
    if content.startswith(b"PK"):  # an XLSX export: its cells are in the zipped XML
        import zipfile

        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            text += "".join(
                archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist()
            )
    return text


def _check(caller, allowed_for, method, url, data, client, failures, seen=None):
    before = set(AccessLog.objects.values_list("pk", flat=True))
    response = (
        getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    )
    text = _body(response)
    logged = set(AccessLog.objects.exclude(pk__in=before).values_list("allegation_id", flat=True))
    for code, case_values in SECRETS.items():
        case, allowed = allowed_for[code]
        shown = [label for label, value in case_values.items() if value in text]
        if seen is not None:
            seen.update((code, label) for label in shown)
        if shown and not allowed:
            failures.append((caller, url, code, "shown to a caller without the right", shown))
        elif shown and case.pk not in logged:
            failures.append((caller, url, code, "shown without an access-log row", shown))


def test_no_role_sees_a_confidential_value_it_may_not_and_every_read_is_logged(walk_world):
    failures: list = []
    cases = walk_world["cases"]
    for caller, user in walk_world["users"].items():
        client = Client()
        client.force_login(user)
        countries = {c.code for c in user.staff_profile.countries.all()}
        allowed_for = {
            code: (
                case,
                (user.is_superuser or code in countries) and roles.sees_identity(user, case),
            )
            for code, case in cases.items()
        }
        requests = list(admin_requests(walk_world)) + list(api_requests(walk_world))
        seen: set = set()
        for method, url, data in requests:
            _check(caller, allowed_for, method, url, data, client, failures, seen)
        if caller in ("head", "kg_head", "root"):
            # The walk reaches every value where it may be read: else it would prove nothing.
            for code in ("KZ", "KG") if caller == "root" else (USERS[caller][1],):
                missed = {(code, label) for label in SECRETS[code]} - seen
                assert not missed, (caller, sorted(missed))
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.parametrize(
    ("country", "scopes"),
    [("KZ", "read"), ("KZ", "read confidential"), ("KG", "read confidential")],
)
def test_no_api_client_sees_a_confidential_value_it_may_not(walk_world, country, scopes):
    failures: list = []
    client = api_as(country, scopes)
    allowed_for = {
        code: (case, code == country and "confidential" in scopes)
        for code, case in walk_world["cases"].items()
    }
    seen: set = set()
    for method, url, data in api_requests(walk_world):
        _check(f"client {country} {scopes}", allowed_for, method, url, data, client, failures, seen)
    if "confidential" in scopes:
        assert "victim name" in {label for code, label in seen if code == country}, seen
    assert not failures, "\n".join(map(str, failures))


def test_the_prosecutors_client_sees_only_what_its_referral_discloses(walk_world):
    """Without the person's consent the office addressed gets the injuries its referral letter
    states, logged as read, and nothing else; of the other country's case, nothing."""
    kz = walk_world["cases"]["KZ"]
    client = api_as("KZ", "prosecutor", office=kz.referral.prosecutor_office.code)
    failures: list = []
    seen: set = set()
    for method, url, _data in api_requests(walk_world):
        before = set(AccessLog.objects.values_list("pk", flat=True))
        text = _body(getattr(client, method)(url))
        logged = set(
            AccessLog.objects.exclude(pk__in=before).values_list("allegation_id", flat=True)
        )
        for code, case_values in SECRETS.items():
            shown = {label for label, value in case_values.items() if value in text}
            allowed = {"injuries"} if code == "KZ" else set()
            seen.update((code, label) for label in shown)
            if shown - allowed:
                failures.append((url, code, "shown without the right", shown - allowed))
            elif shown and walk_world["cases"][code].pk not in logged:
                failures.append((url, code, "shown without an access-log row", shown))
    assert ("KZ", "injuries") in seen  # the walk reached the referral's facts
    assert not failures, "\n".join(map(str, failures))


def test_no_confidential_value_is_in_any_records_title(walk_world):
    """``__str__`` shows in page titles, lists, choices and history: never a confidential value."""
    failures = []
    for model in {type(part) for case in walk_world["cases"].values() for part in _parts(case)}:
        for record in model._default_manager.all():
            title = str(record)
            for values in SECRETS.values():
                shown = [label for label, value in values.items() if value in title]
                if shown:
                    failures.append((model._meta.label, title, shown))
    assert not failures


def _parts(case):
    yield case
    yield case.victim
    yield from case.witnesses.all()
    yield from case.perpetrators.all()
    yield from MedicalExamination.objects.filter(allegation=case)
    yield from Lesion.objects.filter(examination__allegation=case)
    yield from PsychologicalEvaluation.objects.filter(allegation=case)
    yield from case.evidence.all()
    yield from ReprisalFollowUp.objects.filter(allegation=case)
