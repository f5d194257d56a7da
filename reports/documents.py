"""What each report kind says: the template and its context, built from the selectors. Called
inside ``translation.override(run.language)`` so every label and name is in the report's
language."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases import body
from cases.models import Evidence, Lesion, MedicalExamination, Perpetrator
from facilities.models import NpmBody, Recommendation, VisitFinding, VisitObstacle
from npm_tracker.core import integrity
from reports import charts, selectors
from reports.choices import ReportKind, ReportVersion


@dataclass
class Table:
    title: str
    columns: list
    rows: list
    chart: object = ""  # a charts.BarChart, drawn with the document
    note: str = ""


@dataclass
class Section:
    title: str
    figures: list = field(default_factory=list)  # (label, value) pairs shown as key figures
    tables: list = field(default_factory=list)


def _count_table(title, rows, *, public, chart=True, column=None):
    shown = [(row["name"], row["count"]) for row in rows]
    return Table(
        title=title,
        columns=[_("Category"), column or _("Number")],
        rows=shown,
        chart=charts.BarChart(rows) if chart and len(rows) > 1 else "",
        note=_("Counts from 1 to 4 are shown as “<5” and not charted.") if public else "",
    )


def _percent(value):
    return "—" if value is None else f"{value:.1f} %"


def statistics_sections(figures: dict, *, public: bool) -> list[Section]:
    visits, obstacles = figures["visits"], figures["obstacles"]
    allegations, referrals = figures["allegations"], figures["referrals"]
    overdue, recs = figures["overdue"], figures["recommendations"]
    sections = [
        Section(
            _("Visits"),
            figures=[
                (_("Visits made"), visits["total"]),
                (_("Unannounced visits"), visits["unannounced"]),
            ],
            tables=[
                _count_table(_("Visits by type"), visits["by_type"], public=public),
                _count_table(_("Visits by region"), visits["by_region"], public=public),
                _count_table(_("Visits by agency"), visits["by_agency"], public=public),
            ],
        ),
        Section(
            _("Obstacles to access"),
            figures=[(_("Visits with obstacles"), obstacles["visits_with_obstacles"])],
            tables=[_count_table(_("Obstacles by type"), obstacles["by_type"], public=public)],
        ),
        Section(
            _("Allegations of torture and ill-treatment"),
            figures=[(_("Allegations received"), allegations["total"])],
            tables=[
                _count_table(_("By source"), allegations["by_source"], public=public),
                _count_table(_("By method"), allegations["by_method"], public=public),
                _count_table(_("By place of incident"), allegations["by_place"], public=public),
                _count_table(
                    _("By agency of the alleged perpetrators"),
                    allegations["by_perpetrator_agency"],
                    public=public,
                ),
            ],
        ),
        Section(
            _("Referrals to the prosecutor's office"),
            figures=[
                (_("Referrals sent"), referrals["total"]),
                (_("Answered within the legal deadline"), referrals["answered_on_time"]),
                (_("Answered late or not answered in time"), referrals["answered_late"]),
                (_("Share answered within the deadline"), _percent(referrals["on_time_share"])),
            ],
            tables=[
                _count_table(_("By status"), referrals["by_status"], public=public),
                _count_table(
                    _("Final outcomes"), referrals["by_outcome"], public=public, chart=False
                ),
                Table(
                    title=_("Median days per stage"),
                    columns=[_("Stage"), _("Median days"), _("Steps")],
                    rows=[
                        (
                            row["name"],
                            "—" if row["median_days"] is None else row["median_days"],
                            row["count"],
                        )
                        for row in referrals["median_days_by_stage"]
                    ],
                ),
            ],
        ),
        Section(
            _("Overdue items"),
            figures=[(_("Legal deadlines overdue at the end of the period"), overdue["total"])],
            tables=[
                _count_table(_("By deadline"), overdue["by_clock"], public=public, chart=False)
            ],
        ),
        Section(
            _("Recommendations"),
            figures=[
                (_("Recommendations issued"), recs["issued"]),
                (_("Implemented"), recs["implemented"]),
                (_("Partially implemented"), recs["partially_implemented"]),
                (_("Implementation rate"), _percent(recs["implementation_rate"])),
            ],
            tables=[_count_table(_("By status"), recs["by_status"], public=public)],
        ),
    ]
    return sections


def annual_sections(figures: dict, *, public: bool) -> list[Section]:
    trends = Section(
        _("Trends against the previous year"),
        tables=[
            Table(
                title=_("Key figures"),
                columns=[
                    _("Figure"),
                    _("This year"),
                    _("Previous year"),
                    pgettext("difference between years", "Change"),
                ],
                rows=[
                    (row["name"], row["count"], row["previous"], row["change"])
                    for row in figures["trends"]
                ],
            )
        ],
    )
    facilities = figures["facilities"]
    coverage = Section(
        _("Facilities not visited in time"),
        figures=[
            (_("Facilities never visited"), facilities["never_visited"]),
            (_("Facilities overdue for a periodic visit"), facilities["overdue"]),
        ],
        tables=[
            Table(
                title=_("Facilities never visited or overdue for a periodic visit"),
                columns=[_("Facility"), _("Last periodic visit"), _("Next visit due")],
                rows=[
                    (row["name"], row["last_periodic_visit_on"] or "—", row["due_on"] or "—")
                    for row in facilities["list"]
                ],
            )
        ],
    )
    statuses = _status_columns(figures["recommendations"]["by_addressee"])
    by_addressee = Section(
        _("Recommendations by addressee and status"),
        tables=[
            Table(
                title=_("Recommendations by addressee and status"),
                columns=[_("Addressee"), _("Total"), *[label for _code, label in statuses]],
                rows=[
                    (
                        row["name"],
                        row["count"],
                        *[row["by_status"].get(code, 0) for code, _label in statuses],
                    )
                    for row in figures["recommendations"]["by_addressee"]
                ],
            )
        ],
    )
    return [trends, *statistics_sections(figures, public=public), coverage, by_addressee]


def _status_columns(rows):
    from facilities.choices import RecommendationStatus

    present = {code for row in rows for code in row["by_status"]}
    return [(c.value, str(c.label)) for c in RecommendationStatus if c.value in present]


def statistics_figures(run, *, annual: bool) -> dict:
    scope = selectors.Scope(
        country=run.country,
        period_start=run.period_start,
        period_end=run.period_end,
        region=run.region,
        agency=run.agency,
    )
    figures = (selectors.annual_statistics if annual else selectors.periodic_statistics)(scope)
    if run.version == ReportVersion.PUBLIC:
        figures = selectors.suppress_small_cells(figures)
    return figures


def _common(run, npm_body, title) -> dict:
    zone = run.country.zone
    return {
        "run": run,
        "title": title,
        "npm_body": npm_body,
        "country": run.country,
        "is_public": run.version == ReportVersion.PUBLIC,
        "generated_on": timezone.localtime(timezone.now(), zone).date(),
        "scope_label": (run.region or run.agency or run.country).name,
    }


def statistics_document(run) -> tuple[str, dict]:
    annual = run.kind == ReportKind.ANNUAL
    figures = statistics_figures(run, annual=annual)
    public = run.version == ReportVersion.PUBLIC
    sections = (annual_sections if annual else statistics_sections)(figures, public=public)
    title = _("Annual report") if annual else _("Periodic statistics")
    context = _common(run, NpmBody.in_force(run.country, run.period_end), title)
    context.update({"sections": sections, "period": (run.period_start, run.period_end)})
    if annual:
        context["history_roots"] = history_roots(
            run.country, run.period_end, context["generated_on"]
        )
    return "reports/statistics.html", context


def history_roots(country, period_end, generated_on) -> list[dict]:
    """The roots of the country's tamper-evident history an annual report prints: at the end
    of its period, and at the end of the last whole day before it was made (a day's root is
    final once the day is over). Anyone can compare them with ``/api/v1/integrity/roots/``."""
    days = sorted(
        {min(period_end, generated_on - timedelta(days=1)), generated_on - timedelta(days=1)}
    )
    return [{**integrity.root_of(country, day), "day": day} for day in days]


def visit_document(run) -> tuple[str, dict]:
    from facilities.models import Visit

    visit = (
        Visit.objects.select_related(
            "facility__region",
            "facility__agency",
            "facility__facility_type",
            "visit_type",
            "npm_body",
        )
        .prefetch_related(
            "team",
            Prefetch("obstacles", queryset=VisitObstacle.objects.select_related("obstacle_type")),
            Prefetch(
                "findings",
                queryset=VisitFinding.objects.select_related("area").order_by("area__code"),
            ),
            "dissenting_opinions",
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.select_related("area", "addressee_agency"),
            ),
            Prefetch(
                "allegations",
                queryset=selectors.Allegation.objects.select_related(
                    "source", "place_of_incident", "victim"
                ).prefetch_related("methods"),
            ),
        )
        .get(pk=run.visit_id)
    )
    public = run.version == ReportVersion.PUBLIC
    allegations = list(visit.allegations.all())
    npm_body = visit.npm_body or NpmBody.in_force(run.country, visit.started_on)
    context = _common(run, npm_body, _("Visit report"))
    findings: dict = {}
    for finding in visit.findings.all():
        findings.setdefault(finding.area.name, []).append(finding.text)
    context.update(
        {
            "visit": visit,
            "team": list(visit.team.all()),
            "obstacles": list(visit.obstacles.all()),
            "findings": findings,
            "recommendations": list(visit.recommendations.all()),
            "opinions": list(visit.dissenting_opinions.all()),
            "allegations": [] if public else allegations,
            "allegation_count": selectors.suppress_small_cells(len(allegations))
            if public
            else len(allegations),
        }
    )
    return "reports/visit.html", context


def referral_letter_document(run) -> tuple[str, dict]:
    from cases.models import Referral

    referral = (
        Referral.objects.select_related(
            "prosecutor_office",
            "allegation__country",
            "allegation__facility__region",
            "allegation__place_of_incident",
            "allegation__source",
            "allegation__victim__current_facility",
        )
        .prefetch_related(
            "allegation__methods",
            "allegation__consents",
            Prefetch(
                "allegation__perpetrators",
                queryset=Perpetrator.objects.select_related("agency"),
            ),
            Prefetch(
                "allegation__medical_examinations",
                queryset=MedicalExamination.objects.select_related("consistency").prefetch_related(
                    Prefetch("lesions", queryset=Lesion.objects.select_related("consistency"))
                ),
            ),
            Prefetch(
                "allegation__evidence",
                queryset=Evidence.objects.filter(superseded_by__isnull=True).order_by("created_at"),
            ),
        )
        .get(pk=run.referral_id)
    )
    allegation = referral.allegation
    consent = allegation.consent_map
    sent_on = referral.created_at
    npm_body = NpmBody.in_force(run.country, timezone.localtime(sent_on, run.country.zone).date())
    context = _common(run, npm_body, _("Letter to the prosecutor's office"))
    victim = getattr(allegation, "victim", None)
    context.update(
        {
            "referral": referral,
            "allegation": allegation,
            "office": referral.prosecutor_office,
            "victim": victim,
            "disclose_identity": bool(consent.get("prosecutor")) and victim is not None,
            "methods": list(allegation.methods.all()),
            "perpetrators": list(allegation.perpetrators.all()),
            "examinations": [
                (exam, list(exam.lesions.all()), mark_safe(body.svg(list(exam.lesions.all()))))
                for exam in allegation.medical_examinations.all()
            ],
            "attachments": list(allegation.evidence.all()),
        }
    )
    return "reports/referral_letter.html", context


# Keyed by kind; a run's ``kind`` is the stored string, equal to (and hashing as) its member.
BUILDERS: dict[str, Callable[[Any], tuple[str, dict]]] = {
    ReportKind.PERIODIC_STATISTICS: statistics_document,
    ReportKind.ANNUAL: statistics_document,
    ReportKind.VISIT: visit_document,
    ReportKind.REFERRAL_LETTER: referral_letter_document,
}
