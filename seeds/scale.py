"""A deterministic generator of a large, realistic data set, for load tests and the benchmark.

``build_scale(scale)``: at scale 1 about one country for ten years (500 facilities, 6,000 visits,
20,000 allegations, 20,000 referrals with 100,000 events, 30,000 recommendations); scale 10 is ten
times that. Records are shared between Kazakhstan (60 %) and Kyrgyzstan (40 %).

Speed comes from PostgreSQL ``COPY`` instead of one service call per record; consistency comes
from replaying the same rules the services apply, in memory:

- every status is the ``to_status`` of the record's last event, and every event is a step the
  transition table in force allows (``cases.lifecycles``, ``facilities.lifecycles``) with the
  inputs it needs (external number, note, article and sentence, addressee, new term);
- the legal clocks are started and met by the same events as in ``cases.services``
  (``deadlines.referral_clock_changes``, ``deadlines.RECOMMENDATION_CLOCK``), under the rule in
  force that day, with the due moment computed by ``npm_tracker.core.calendar.add_duration``, the
  function ``deadlines.due_moment`` uses;
- references and pseudonyms come from the same numbering scopes (``ReferenceSequence``), which are
  left at the last number handed out, so records created later continue the series;
- encrypted fields are encrypted by the field itself (``get_db_prep_value``), with the blind index
  of the victim's identity computed as ``Victim.save`` does;
- every deadline that was overdue and still open at a run of the overdue scan (every 15
  minutes) before the horizon carries ``overdue_notified_at`` of that run and its one
  ``Notification`` to the responsible officer, as ``cases.notifications.notify_overdue`` leaves
  them; what falls due after the horizon is left to the scan, as after a pause of the workers;
- the audit triggers fire on ``COPY`` as on any insert, attributed to ``command:seed``: each record
  has one history row, the snapshot of its state when loaded (as for records imported from
  paper files; the intermediate states exist in the event tables).

The same scale always produces the same records (one seeded random generator; the time line ends
at a fixed day). Allegations are not given reprisal follow-ups, evidence files or medical
examinations: the figures measured do not depend on them.
"""

import io
import multiprocessing
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.template.loader import render_to_string
from django.utils import translation

from cases import deadlines
from cases.lifecycles import REFERRAL_FINAL
from cases.models import (
    Allegation,
    AllegationEvent,
    AllegationSource,
    Consent,
    Deadline,
    DeadlineRule,
    Method,
    Notification,
    Perpetrator,
    PlaceOfIncident,
    ProsecutorOffice,
    Referral,
    ReferralEvent,
    Victim,
)
from cases.services import _outcome
from facilities.models import (
    Agency,
    Country,
    ExaminedArea,
    Facility,
    FacilityType,
    NpmBody,
    Recommendation,
    RecommendationEvent,
    Region,
    Visit,
    VisitEvent,
    VisitType,
)
from npm_tracker.core.calendar import add_duration, working_calendar
from npm_tracker.core.crypto import blind_index
from npm_tracker.core.models import ReferenceSequence, StaffProfile

RANDOM_SEED = 20260709
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 12, 31)
# Nothing happens after this moment, so the data set does not depend on the day it is built.
HORIZON = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
SHARES = (("KZ", 0.6), ("KG", 0.4))
PER_SCALE = {
    "facilities": 500,
    "visits": 6_000,
    "allegations": 20_000,
    "recommendations": 30_000,
    "officers": 10,
}
# Marks the scale a database was loaded at (``last_value`` is the scale in thousandths).
SCALE_SCOPE = "seed:scale"
OFFICER_PREFIX = "scale-officer-"
OFFICER_LANGUAGE = "ru"
SCAN_SECONDS = 15 * 60  # the overdue scan's period in production (OVERDUE_SCAN_SECONDS)
BATCH = 4_000

REFERRAL_CLOCKS_MET_BY_SENT = ("urgent_escalation",)

# Next event of a referral by status: (kind, weight); "stop" leaves it where it is.
REFERRAL_WALK = {
    "draft": [("sent", 97), ("stop", 3)],
    "sent": [
        ("acknowledged", 55),
        ("registered", 17),
        ("refused", 13),
        ("forwarded", 9),
        ("stop", 4),
    ],
    "acknowledged": [("registered", 60), ("refused", 25), ("forwarded", 9), ("stop", 6)],
    ("KZ", "registered"): [
        ("investigation_extended", 40),
        ("terminated", 25),
        ("sent_to_court", 30),
        ("stop", 5),
    ],
    ("KG", "registered"): [("case_opened", 82), ("refused", 13), ("stop", 5)],
    "case_opened": [
        ("investigation_extended", 40),
        ("terminated", 25),
        ("sent_to_court", 30),
        ("stop", 5),
    ],
    "in_court": [("convicted", 68), ("acquitted", 27), ("stop", 5)],
    "refused": [("appealed", 45), ("stop", 55)],
    "forwarded": [("appealed", 20), ("stop", 80)],
    "terminated": [("appealed", 45), ("stop", 55)],
    "acquitted": [("appealed", 50), ("stop", 50)],
    "appealed": [("registered", 45), ("refused", 45), ("stop", 10)],
    "convicted": [("stop", 1)],
}
# Where each kind leads (investigation_extended leaves the status as it is).
REFERRAL_TARGET = {
    "sent": "sent",
    "acknowledged": "acknowledged",
    "registered": "registered",
    "case_opened": "case_opened",
    "refused": "refused",
    "forwarded": "forwarded",
    "terminated": "terminated",
    "sent_to_court": "in_court",
    "convicted": "convicted",
    "acquitted": "acquitted",
    "appealed": "appealed",
    "investigation_extended": None,
}
# Days between the previous event and this one: (low, high).
REFERRAL_GAP = {
    "sent": (0, 4),
    "acknowledged": (2, 16),
    "registered": (3, 25),
    "refused": (5, 30),
    "forwarded": (3, 20),
    "case_opened": (2, 15),
    "investigation_extended": (40, 70),
    "terminated": (20, 80),
    "sent_to_court": (25, 75),
    "convicted": (60, 220),
    "acquitted": (60, 220),
    "appealed": (5, 40),
}
REC_WALK = {
    "draft": [("issued", 97), ("stop", 3)],
    "issued": [("response_received", 78), ("obsolete", 4), ("stop", 18)],
    "response_received": [
        ("accepted", 60),
        ("partially_accepted", 22),
        ("rejected", 13),
        ("stop", 5),
    ],
    "accepted": [
        ("in_progress", 35),
        ("implemented", 35),
        ("partially_implemented", 10),
        ("not_implemented", 8),
        ("stop", 12),
    ],
    "partially_accepted": [
        ("in_progress", 35),
        ("implemented", 20),
        ("partially_implemented", 20),
        ("not_implemented", 10),
        ("stop", 15),
    ],
    "in_progress": [
        ("implemented", 45),
        ("partially_implemented", 20),
        ("not_implemented", 15),
        ("obsolete", 3),
        ("stop", 17),
    ],
}
REC_GAP = {
    "issued": (20, 45),
    "response_received": (7, 45),
    "obsolete": (60, 400),
}
ARTICLES = {"KZ": "Art. 146 CC RK", "KG": "Art. 143 CC KR"}
SURNAMES = {
    "KZ": ["Ахметов", "Беков", "Жумабаев", "Исаев", "Касымов", "Нурланов", "Сериков", "Оспанов"],
    "KG": ["Абдыкадыров", "Бакиев", "Жээнбеков", "Исмаилов", "Токтогулов", "Усенов", "Асанов"],
}
GIVEN = ["Айдар", "Бекзат", "Даурен", "Ерлан", "Марат", "Нурлан", "Руслан", "Тимур", "Асель"]
SUMMARIES = [
    "Сообщает об избиении сотрудниками при задержании.",
    "Жалуется на применение наручников в течение длительного времени.",
    "Сообщает об угрозах и психологическом давлении при допросе.",
    "Жалуется на отказ в медицинской помощи после травмы.",
    "Сообщает о принуждении к даче признательных показаний.",
    "Жалуется на содержание в холодной камере без постельных принадлежностей.",
]
REC_TEXTS = [
    "Обеспечить конфиденциальность медицинских осмотров.",
    "Установить видеонаблюдение в помещениях для допросов.",
    "Обеспечить доступ к адвокату с момента фактического задержания.",
    "Улучшить условия освещения и вентиляции в камерах.",
    "Организовать ежедневные прогулки не менее одного часа.",
    "Обеспечить доступ к ящикам для жалоб без присутствия персонала.",
]


@dataclass
class Tally:
    counts: dict = field(default_factory=dict)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def _pick(rng: random.Random, weighted) -> str:
    kinds = [k for k, _w in weighted]
    weights = [w for _k, w in weighted]
    return rng.choices(kinds, weights)[0]


def _local(day: date, hour: int, minute: int, zone) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


# --- COPY -----------------------------------------------------------------------------------------


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime or kind is date:
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


class Table:
    """Rows of one model gathered for one ``COPY``; encrypted fields are encrypted by the field.

    The audit triggers would write one history row per inserted row, each upserting the context
    row first; for millions of rows that costs more than the load itself. So the insert triggers
    of the table are skipped for the ``COPY`` (``pgtrigger.ignore``) and the same history rows are
    written by one ``INSERT ... SELECT``: the columns the trigger copies, label ``insert``, and the
    context the trigger would have attached (``_pgh_attach_context()``).
    """

    def __init__(self, model, attnames):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.fields = [fields[name] for name in attnames]
        self.columns = [f.column for f in self.fields]
        self.prep = [
            i for i, f in enumerate(self.fields) if getattr(f, "secret_type", None) is not None
        ]
        self.key = "id" if attnames[0] == "id" else attnames[0]
        self.history = _history_model(model)
        self.buffer = io.StringIO()
        self.keys: list = []
        self.count = 0

    def add(self, *values) -> None:
        self.keys.append(values[0])
        if self.prep:
            values = list(values)
            for i in self.prep:
                values[i] = self.fields[i].get_db_prep_value(values[i], connection)
        self.buffer.write("\t".join(map(_escape, values)))
        self.buffer.write("\n")
        self.count += 1

    def insert_triggers(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass"
                " AND tgname LIKE 'pgtrigger_insert_insert_%%'",
                [self.model._meta.db_table],
            )
            return [row[0] for row in cursor.fetchall()]

    def flush(self, tally: Tally, context_id) -> None:
        if not self.count:
            return
        self.buffer.seek(0)
        table = self.model._meta.db_table
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', self.buffer)
            if self.history is not None:
                tracked = [
                    f.column
                    for f in self.history._meta.concrete_fields
                    if not f.name.startswith("pgh_")
                ]
                obj = ["pgh_obj_id"] if _has_obj(self.history) else []
                source = ", ".join(f'"{c}"' for c in tracked)
                cursor.execute(
                    f'INSERT INTO "{self.history._meta.db_table}" ({source}, pgh_created_at,'
                    f" pgh_label, {', '.join([*obj, 'pgh_context_id'])})"
                    f" SELECT {source}, NOW(), 'insert', {'id, ' if obj else ''}%s"
                    f' FROM "{table}" WHERE "{self.key}" = ANY(%s::uuid[])',
                    [context_id, list(set(self.keys))],
                )
        tally.add(self.model._meta.label, self.count)
        self.buffer = io.StringIO()
        self.keys = []
        self.count = 0


def _history_model(model):
    """The event model of ``model``'s audit tracker (``npm_tracker.core.audit.track``)."""
    from django.apps import apps
    from pghistory.models import Event

    for candidate in apps.get_models():
        if (
            issubclass(candidate, Event)
            and candidate.pgh_tracked_model is model
            and not candidate.__name__.endswith("Confidential")
        ):
            return candidate
    return None


def _has_obj(history) -> bool:
    return any(f.name == "pgh_obj" for f in history._meta.concrete_fields)


_TRIGGERS: dict = {}
_CONTEXT: dict = {}


def _context_id(cursor):
    """The pghistory context of the command, attached once: attaching upserts its row, and two
    processes doing that in every transaction would wait on each other's row lock."""
    if "id" not in _CONTEXT:
        with transaction.atomic():
            cursor.execute("SELECT _pgh_attach_context()")
            _CONTEXT["id"] = cursor.fetchone()[0]
    return _CONTEXT["id"]


def _flush(tables, tally: Tally) -> None:
    """Write the gathered rows, parents first, in one transaction, with their history rows."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Attaching the context also sets it for the transaction (pghistory's wrapper).
            # A load that fails is simply run again: no need to wait for each commit's flush.
            cursor.execute("SET LOCAL synchronous_commit TO off")
            context_id = _context_id(cursor)
            names = []
            for table in tables:
                if table.model not in _TRIGGERS:
                    _TRIGGERS[table.model] = table.insert_triggers()
                names.extend(_TRIGGERS[table.model])
            cursor.execute(
                "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"]
            )
        for table in tables:
            table.flush(tally, context_id)


# --- the reference data in memory -----------------------------------------------------------------


class Reference:
    def __init__(self):
        self.countries = {c.code: c for c in Country.objects.all()}
        by_country = lambda model: {  # noqa: E731
            code: [
                x for x in model.objects.all() if x.country_id in (None, self.countries[code].pk)
            ]
            for code in self.countries
        }
        self.regions = by_country(Region)
        self.agencies = {
            code: [a for a in items if a.country_id is not None]
            for code, items in by_country(Agency).items()
        }
        self.facility_types = by_country(FacilityType)
        self.visit_types = by_country(VisitType)
        self.areas = by_country(ExaminedArea)
        self.methods = by_country(Method)
        self.sources = by_country(AllegationSource)
        self.places = by_country(PlaceOfIncident)
        self.offices = by_country(ProsecutorOffice)
        self.bodies = {code: [] for code in self.countries}
        for body in NpmBody.objects.order_by("valid_from"):
            for code, country in self.countries.items():
                if body.country_id == country.pk:
                    self.bodies[code].append(body)
        self.rules = list(DeadlineRule.objects.order_by("country", "clock", "effective_from"))
        self.calendars = {code: working_calendar(code) for code in self.countries}
        self._rule_cache: dict = {}
        self._due_cache: dict = {}

    def rule_in_force(self, code: str, clock: str, day: date):
        """What ``deadlines.rule_in_force`` answers, from the rules read once."""
        key = (code, clock, day)
        if key not in self._rule_cache:
            country_id = self.countries[code].pk
            self._rule_cache[key] = next(
                (
                    r
                    for r in self.rules
                    if r.country_id == country_id
                    and r.clock == clock
                    and r.effective_from <= day
                    and (r.effective_to is None or r.effective_to >= day)
                ),
                None,
            )
        return self._rule_cache[key]

    def due(self, rule, started_at: datetime, code: str) -> datetime:
        """``deadlines.due_moment``, with the country's working calendar read once. Terms counted
        in days or longer depend on the local day only, so they are computed once per day."""
        country = self.countries[code]
        if rule.unit == "hours":
            return add_duration(started_at, rule.duration, rule.unit, code, country.zone)
        day = started_at.astimezone(country.zone).date()
        key = (rule.pk, day)
        if key not in self._due_cache:
            self._due_cache[key] = add_duration(
                started_at,
                rule.duration,
                rule.unit,
                code,
                country.zone,
                calendar=self.calendars[code],
            )
        return self._due_cache[key]

    def body_on(self, code: str, day: date):
        for body in self.bodies[code]:
            if body.valid_from <= day and (body.valid_to is None or day <= body.valid_to):
                return body
        return None


# --- the generator --------------------------------------------------------------------------------


class Clocks:
    """The deadlines of one record, started and met as ``cases.deadlines`` does."""

    def __init__(
        self, ref: Reference, code: str, tables, subject: str, subject_id, uid, *, officer, label=""
    ):
        self.ref = ref
        self.uid = uid
        self.code = code
        self.table, self.notices = tables  # deadlines, and the overdue notices sent for them
        self.subject = subject
        self.subject_id = subject_id
        self.officer = officer
        self.label = label  # the reference a notice names (notifications.subject_of)
        self.rows: list[dict] = []

    def start(self, clock: str, started_at: datetime):
        rule = self.ref.rule_in_force(
            self.code, clock, started_at.astimezone(self.ref.countries[self.code].zone).date()
        )
        if rule is None:
            return None
        row = {
            "clock": clock,
            "rule": rule,
            "duration": rule.duration,
            "unit": rule.unit,
            "started_at": started_at,
            "due_at": self.ref.due(rule, started_at, self.code),
            "met_at": None,
            "met_by": "",
            "updated_at": started_at,
        }
        self.rows.append(row)
        return row

    def restart_until(self, previous: dict, started_at: datetime, until: date) -> None:
        zone = self.ref.countries[self.code].zone
        due = datetime.combine(until, time.max, tzinfo=zone)
        self.rows.append(
            {
                "clock": previous["clock"],
                "rule": previous["rule"],
                "duration": None,
                "unit": "",
                "started_at": started_at,
                "due_at": max(due, started_at + timedelta(seconds=1)),
                "met_at": None,
                "met_by": "",
                "updated_at": started_at,
            }
        )

    def meet(self, clocks, met_at: datetime, met_by: str) -> list[dict]:
        met = []
        for row in self.rows:
            if row["met_at"] is None and row["clock"] in clocks:
                row["met_at"] = met_at
                row["met_by"] = met_by
                row["updated_at"] = met_at
                met.append(row)
        return met

    def write(self, country_id) -> None:
        for row in self.rows:
            subjects = {"referral": None, "allegation": None, "recommendation": None}
            subjects[self.subject] = self.subject_id
            deadline_id = self.uid()
            # The first scan after the due moment notices a clock still open then.
            scan = _next_scan(row["due_at"])
            notified = None
            if scan <= HORIZON and (row["met_at"] is None or row["met_at"] > scan):
                notified = scan
            self.table.add(
                deadline_id,
                row["started_at"],
                row["updated_at"],
                country_id,
                row["clock"],
                row["rule"].pk,
                row["duration"],
                row["unit"],
                row["rule"].legal_source,
                row["started_at"],
                row["due_at"],
                row["met_at"],
                row["met_by"],
                subjects["referral"],
                subjects["allegation"],
                subjects["recommendation"],
                notified,
            )
            if notified is not None and self.officer is not None:
                self.notices.add(
                    self.uid(),
                    self.officer,
                    "overdue",
                    deadline_id,
                    None,
                    _notice_subject(row["clock"], self.label),
                    notified,
                )


def _next_scan(moment: datetime) -> datetime:
    return datetime.fromtimestamp((moment.timestamp() // SCAN_SECONDS + 1) * SCAN_SECONDS, tz=UTC)


_SUBJECTS: dict = {}


def _notice_subject(clock: str, label: str) -> str:
    """The subject ``notify_overdue`` gives the notice, in the scale officers' language; the
    template is rendered once per clock."""
    if clock not in _SUBJECTS:
        with translation.override(OFFICER_LANGUAGE):
            _SUBJECTS[clock] = render_to_string(
                "cases/email/overdue_subject.txt",
                {"deadline": Deadline(clock=clock), "subject": "\x00"},
            ).strip()
    return _SUBJECTS[clock].replace("\x00", label)


DEADLINE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "country_id",
    "clock",
    "rule_id",
    "duration",
    "unit",
    "legal_source",
    "started_at",
    "due_at",
    "met_at",
    "met_by",
    "referral_id",
    "allegation_id",
    "recommendation_id",
    "overdue_notified_at",
)
NOTICE_COLUMNS = ("id", "recipient_id", "kind", "deadline_id", "day", "subject", "sent_at")


def _clock_tables() -> tuple[Table, Table]:
    """The tables ``Clocks`` writes: the deadlines, and the overdue notices sent for them."""
    return Table(Deadline, DEADLINE_COLUMNS), Table(Notification, NOTICE_COLUMNS)


EVENT_COLUMNS = (
    "id",
    "kind",
    "from_status",
    "to_status",
    "occurred_at",
    "note",
    "document_number",
    "actor_id",
    "actor_label",
    "created_at",
)


class Builder:
    def __init__(self, scale: float, *, stdout=None):
        self.scale = scale
        self.rng = random.Random(RANDOM_SEED)
        self.ref = Reference()
        self.tally = Tally()
        self.stdout = stdout
        self.sequences: dict[str, int] = dict(
            ReferenceSequence.objects.values_list("scope", "last_value")
        )

    def _uuid_int(self) -> int:
        # Version 4 layout from the seeded generator: the same scale gives the same ids.
        n = self.rng.getrandbits(128)
        n &= ~(0xF000 << 64)
        n |= 0x4000 << 64
        n &= ~(0xC000 << 48)
        n |= 0x8000 << 48
        return n

    def uid(self) -> str:
        # 32 hex digits: what PostgreSQL reads as a uuid, cheaper to write than ``uuid.UUID``.
        return f"{self._uuid_int():032x}"

    def count(self, name: str, code: str) -> int:
        share = dict(SHARES)[code]
        return max(1, round(PER_SCALE[name] * self.scale * share))

    def next_number(self, scope: str) -> int:
        self.sequences[scope] = self.sequences.get(scope, 0) + 1
        return self.sequences[scope]

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def random_day(self, first: date = FIRST_DAY, last: date = LAST_DAY) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    # -- staff --------------------------------------------------------------------------------

    def officers(self) -> dict[str, list[int]]:
        User = get_user_model()
        result = {}
        for code, country in self.ref.countries.items():
            if code not in dict(SHARES):
                continue
            wanted = self.count("officers", code)
            ids = []
            for i in range(1, wanted + 1):
                username = f"{OFFICER_PREFIX}{code.lower()}-{i:03d}"
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "email": f"{username}@example.org",
                        "is_staff": True,
                        "first_name": self.rng.choice(GIVEN),
                        "last_name": self.rng.choice(SURNAMES[code]),
                    },
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    profile = StaffProfile.objects.create(
                        user=user, preferred_language=OFFICER_LANGUAGE
                    )
                    profile.countries.add(country)
                ids.append(user.pk)
            result[code] = ids
        return result

    # -- facilities, visits, recommendations ------------------------------------------------------

    def facilities(self, code: str) -> list[tuple]:
        ref = self.ref
        country = ref.countries[code]
        table = Table(
            Facility,
            (
                "id",
                "created_at",
                "updated_at",
                "country_id",
                "region_id",
                "facility_type_id",
                "agency_id",
                "name",
                "address",
                "capacity",
                "population",
                "security_level",
                "registered_on",
                "is_active",
                "notes",
            ),
        )
        result = []
        for i in range(1, self.count("facilities", code) + 1):
            region = self.rng.choice(ref.regions[code])
            ftype = self.rng.choice(ref.facility_types[code])
            agency = self.rng.choice(ref.agencies[code])
            registered = self.random_day(date(2012, 1, 1), date(2015, 12, 31))
            created = _local(registered, 10, 0, country.zone)
            capacity = self.rng.choice((20, 40, 80, 150, 300, 600, 1200))
            fid = self.uid()
            table.add(
                fid,
                created,
                created,
                country.pk,
                region.pk,
                ftype.pk,
                agency.pk,
                f"{ftype.name_ru or ftype.name_en} № {i} ({region.name_ru or region.name_en})",
                f"{region.name_ru or region.name_en}, ул. Центральная, {i}",
                capacity,
                self.rng.randint(0, capacity),
                "",
                registered,
                self.rng.random() > 0.03,
                "",
            )
            result.append((fid, agency.pk))
        _flush([table], self.tally)
        return result

    def visits_and_recommendations(self, code: str, facilities, officers) -> list[tuple]:
        ref = self.ref
        country = ref.countries[code]
        zone = country.zone
        visits = Table(
            Visit,
            (
                "id",
                "created_at",
                "updated_at",
                "facility_id",
                "visit_type_id",
                "npm_body_id",
                "announced",
                "started_on",
                "ended_on",
                "status",
                "persons_held",
                "interviews_private",
                "interviews_group",
                "summary",
                "created_by_id",
            ),
        )
        visit_events = Table(VisitEvent, (*EVENT_COLUMNS, "visit_id"))
        recs = Table(
            Recommendation,
            (
                "id",
                "created_at",
                "updated_at",
                "country_id",
                "source",
                "visit_id",
                "facility_id",
                "addressee_level",
                "addressee_agency_id",
                "area_id",
                "text",
                "issued_on",
                "status",
            ),
        )
        rec_events = Table(RecommendationEvent, (*EVENT_COLUMNS, "recommendation_id"))
        dl = _clock_tables()
        tables = [visits, visit_events, recs, rec_events, *dl]
        total_visits = self.count("visits", code)
        total_recs = self.count("recommendations", code)
        rec_per_visit = total_recs / total_visits
        rec_budget = 0.0
        result = []
        for n in range(total_visits):
            facility_id, agency_id = facilities[n % len(facilities)]
            started = self.random_day()
            vtypes = [v for v in ref.visit_types[code] if v.is_valid_on(started)]
            vtype = self.rng.choice(vtypes)
            body = ref.body_on(code, started)
            if body is None:
                continue
            ended = started + timedelta(days=self.rng.choice((0, 0, 0, 1, 2)))
            officer = self.rng.choice(officers)
            vid = self.uid()
            created = _local(started - timedelta(days=7), 10, 0, zone)
            # Life of the visit: planned, then the steps while they lie before the horizon.
            status = "planned"
            steps = []
            if self.rng.random() < 0.02:
                steps.append(("cancelled", _local(started - timedelta(days=1), 12, 0, zone)))
            else:
                steps.append(("in_progress", _local(started, 9, 30, zone)))
                day = ended
                for kind, low, high in (
                    ("report_drafted", 7, 25),
                    ("report_approved", 3, 20),
                    ("report_sent", 2, 15),
                ):
                    day += timedelta(days=self.rng.randint(low, high))
                    steps.append((kind, _local(day, 15, 0, zone)))
            updated = created
            for kind, moment in steps:
                if moment > HORIZON:
                    break
                visit_events.add(
                    self.uid(), kind, status, kind, moment, "", "", officer, "", moment, vid
                )
                status = kind
                updated = moment
            visits.add(
                vid,
                created,
                updated,
                facility_id,
                vtype.pk,
                body.pk,
                self.rng.random() < 0.2,
                started,
                None if status == "cancelled" else ended,
                status,
                self.rng.randint(5, 900),
                self.rng.randint(0, 25),
                self.rng.randint(0, 6),
                "Плановый визит мониторинговой группы.",
                officer,
            )
            result.append((vid, facility_id, started))
            if status != "report_sent":
                continue
            sent_at = dict(steps)["report_sent"]
            rec_budget += rec_per_visit
            while rec_budget >= 1:
                rec_budget -= 1
                self._recommendation(
                    code, vid, facility_id, agency_id, sent_at, officer, recs, rec_events, dl
                )
            if visits.count >= BATCH:
                _flush(tables, self.tally)
        _flush(tables, self.tally)
        return result

    def _recommendation(
        self, code, vid, facility_id, agency_id, report_sent_at, officer, recs, events, dl
    ):
        ref = self.ref
        country = ref.countries[code]
        rid = self.uid()
        created = report_sent_at
        status = "draft"
        moment = created
        issued_on = None
        clocks = Clocks(ref, code, dl, "recommendation", rid, self.uid, officer=officer)
        while status in REC_WALK:
            kind = _pick(self.rng, REC_WALK[status])
            if kind == "stop":
                break
            low, high = REC_GAP.get(kind, (30, 300))
            at = moment + timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(0, 5))
            if at > HORIZON:
                break
            events.add(self.uid(), kind, status, kind, at, "", "", officer, "", at, rid)
            status, moment = kind, at
            if kind == "issued":
                issued_on = at.astimezone(country.zone).date()
                clocks.start(deadlines.RECOMMENDATION_CLOCK["visit_report"], at)
            elif kind in ("response_received", "obsolete"):
                clocks.meet(("recommendation_response", "annual_report_response"), at, met_by=kind)
        text = self.rng.choice(REC_TEXTS)
        clocks.label = text[:60]  # str(recommendation)[:60]
        recs.add(
            rid,
            created,
            moment,
            country.pk,
            "visit_report",
            vid,
            facility_id,
            self.rng.choice(("facility", "facility", "agency", "ministry")),
            agency_id,
            self.rng.choice(ref.areas[code]).pk,
            text,
            issued_on,
            status,
        )
        clocks.write(country.pk)

    # -- allegations and referrals ---------------------------------------------------------------

    def allegations(self, code: str, facilities, visits, officers) -> None:
        ref = self.ref
        country = ref.countries[code]
        zone = country.zone
        total = self.count("allegations", code)
        # Receipt moments first, in order, so that references follow the order of receipt.
        moments = sorted(
            _local(self.random_day(), self.rng.randint(8, 18), self.rng.randint(0, 59), zone)
            for _ in range(total)
        )
        visits_by_day = sorted(visits, key=lambda v: v[2])
        visit_days = [v[2] for v in visits_by_day]
        t_alleg = Table(
            Allegation,
            (
                "id",
                "created_at",
                "updated_at",
                "reference",
                "country_id",
                "source_id",
                "received_at",
                "facility_id",
                "visit_id",
                "place_of_incident_id",
                "incident_date",
                "incident_date_precision",
                "summary",
                "injuries",
                "death_in_custody",
                "serious_injury",
                "urgent",
                "reprisal_risk",
                "status",
                "closed_reason",
                "follow_up_requested",
                "assigned_officer_id",
                "created_by_id",
            ),
        )
        t_methods = Table(Allegation.methods.through, ("allegation_id", "method_id"))
        t_victim = Table(
            Victim,
            (
                "id",
                "created_at",
                "updated_at",
                "allegation_id",
                "pseudonym",
                "sex",
                "is_minor",
                "current_facility_id",
                "current_location",
                "full_name",
                "date_of_birth",
                "citizenship",
                "contact_details",
                "identity_index",
            ),
        )
        t_consent = Table(
            Consent,
            (
                "id",
                "created_at",
                "updated_at",
                "allegation_id",
                "destination",
                "granted_on",
                "form",
                "withdrawn_on",
                "note",
                "recorded_by_id",
            ),
        )
        t_perp = Table(
            Perpetrator,
            (
                "id",
                "created_at",
                "updated_at",
                "allegation_id",
                "agency_id",
                "unit",
                "rank",
                "name",
            ),
        )
        t_aevent = Table(AllegationEvent, (*EVENT_COLUMNS, "reason", "allegation_id"))
        t_ref = Table(
            Referral,
            (
                "id",
                "created_at",
                "updated_at",
                "reference",
                "allegation_id",
                "prosecutor_office_id",
                "status",
                "external_number",
                "outcome",
                "created_by_id",
            ),
        )
        t_revent = Table(
            ReferralEvent,
            (
                *EVENT_COLUMNS,
                "referral_id",
                "external_number",
                "article",
                "sentence",
                "addressee",
                "new_term",
            ),
        )
        t_dl = _clock_tables()
        tables = [t_alleg, t_methods, t_victim, t_consent, t_perp, t_aevent, t_ref, t_revent, *t_dl]
        sources = ref.sources[code]
        methods = ref.methods[code]
        offices = ref.offices[code]
        for received in moments:
            self._allegation(
                code,
                received,
                facilities,
                visits_by_day,
                visit_days,
                officers,
                sources,
                methods,
                offices,
                tables,
            )
            if t_alleg.count >= BATCH:
                _flush(tables, self.tally)
        _flush(tables, self.tally)

    def _allegation(
        self,
        code,
        received,
        facilities,
        visits_by_day,
        visit_days,
        officers,
        sources,
        methods,
        offices,
        tables,
    ):
        rng = self.rng
        ref = self.ref
        country = ref.countries[code]
        zone = country.zone
        t_alleg, t_methods, t_victim, t_consent, t_perp, t_aevent, t_ref, t_revent = tables[:8]
        t_dl = tables[8:]
        aid = self.uid()
        local_day = received.astimezone(zone).date()
        year = local_day.year
        reference = f"{code}-{year}-{self.next_number(f'allegation:{code}:{year}'):06d}"
        officer = rng.choice(officers)
        facility_id, _agency = rng.choice(facilities)
        visit_id = None
        if rng.random() < 0.25:
            i = bisect_right(visit_days, local_day) - 1
            if i >= 0:
                candidate = visits_by_day[max(0, i - rng.randint(0, 30))]
                visit_id, facility_id = candidate[0], candidate[1]
        incident_date = local_day - timedelta(days=rng.randint(0, 60))
        death = rng.random() < 0.01
        serious = rng.random() < 0.05
        # The victim: a known date of birth decides whether they were a minor on the incident day.
        sex = rng.choices(("male", "female", "unknown"), (80, 15, 5))[0]
        born = None
        if rng.random() < 0.7:
            born = incident_date - timedelta(days=rng.randint(15 * 365, 60 * 365))
        is_minor = bool(born and _age_on(born, incident_date) < 18)
        full_name = ""
        if rng.random() < 0.85:
            full_name = f"{rng.choice(SURNAMES[code])} {rng.choice(GIVEN)}"
        urgent = death or serious or is_minor
        pseudonym = f"V-{code}-{self.next_number(f'victim:{code}'):06d}"
        t_victim.add(
            self.uid(),
            received,
            received,
            aid,
            pseudonym,
            sex,
            is_minor,
            facility_id,
            "",
            full_name,
            born,
            code if rng.random() < 0.9 else "",
            "",
            blind_index(full_name, born),
        )
        for method in rng.sample(methods, rng.randint(1, 3)):
            t_methods.add(aid, method.pk)
        for destination, share in (("prosecutor", 0.85), ("medical_examination", 0.3)):
            if rng.random() < share:
                t_consent.add(
                    self.uid(),
                    received,
                    received,
                    aid,
                    destination,
                    local_day,
                    "written",
                    None,
                    "",
                    officer,
                )
        for _ in range(rng.choice((0, 1, 1, 2))):
            t_perp.add(
                self.uid(),
                received,
                received,
                aid,
                rng.choice(ref.agencies[code]).pk,
                "ОП-" + str(rng.randint(1, 40)),
                rng.choice(("сержант", "лейтенант", "капитан", "майор")),
                f"{rng.choice(SURNAMES[code])} {rng.choice(GIVEN)[0]}.",
            )

        alleg_clocks = Clocks(
            ref, code, t_dl, "allegation", aid, self.uid, officer=officer, label=reference
        )
        if urgent:
            alleg_clocks.start("urgent_escalation", received)
        status, reason = "received", ""
        last_event = None
        updated = received

        def allegation_event(kind, to, at, *, note="", why=""):
            nonlocal status, reason, last_event, updated
            t_aevent.add(self.uid(), kind, status, to, at, note, "", officer, "", at, why, aid)
            status, reason, last_event, updated = to, why, at, at

        if rng.random() < 0.92:
            allegation_event(
                "under_assessment",
                "under_assessment",
                received + timedelta(hours=rng.randint(2, 96)),
            )
        n_referrals = rng.choices((0, 1, 2), (12, 76, 12))[0]
        referral_finals = []
        for _ in range(n_referrals):
            rid = self.uid()
            created = (last_event or received) + timedelta(days=rng.randint(1, 10))
            if created > HORIZON:
                break
            r_reference = f"{reference}-R{self.next_number(f'referral:{reference}')}"
            r_status, external, outcome = "draft", "", ""
            moment = created
            clocks = Clocks(
                ref, code, t_dl, "referral", rid, self.uid, officer=officer, label=r_reference
            )
            extensions = 0
            while True:
                options = REFERRAL_WALK.get((code, r_status)) or REFERRAL_WALK[r_status]
                kind = _pick(rng, options)
                if kind == "investigation_extended" and extensions >= 3:
                    kind = "sent_to_court"
                if kind == "stop":
                    break
                low, high = REFERRAL_GAP[kind]
                at = moment + timedelta(days=rng.randint(low, high), minutes=rng.randint(1, 600))
                if at > HORIZON:
                    break
                target = REFERRAL_TARGET[kind]
                values = {"note": "", "external_number": "", "article": "", "sentence": ""}
                values.update({"addressee": "", "new_term": None})
                if kind == "registered":
                    prefix = "ERDR" if code == "KZ" else "URC"
                    values["external_number"] = (
                        f"{prefix}-{at.year}{self.next_number(f'scale:{prefix}'):09d}"
                    )
                if kind in ("refused", "forwarded", "terminated"):
                    values["note"] = {
                        "refused": "Отказано в возбуждении: нет состава.",
                        "forwarded": "Передано в органы внутренних дел.",
                        "terminated": "Прекращено за отсутствием состава.",
                    }[kind]
                if kind == "convicted":
                    values["article"] = ARTICLES[code]
                    values["sentence"] = f"{rng.randint(1, 7)} лет лишения свободы"
                if kind == "appealed":
                    values["addressee"] = "Вышестоящий прокурор"
                if kind == "investigation_extended":
                    extensions += 1
                    values["new_term"] = at.astimezone(zone).date() + timedelta(
                        days=rng.randint(30, 60)
                    )
                to_status = target or r_status
                t_revent.add(
                    self.uid(),
                    kind,
                    r_status,
                    to_status,
                    at,
                    values["note"],
                    "",
                    officer,
                    "",
                    at,
                    rid,
                    values["external_number"],
                    values["article"],
                    values["sentence"],
                    values["addressee"],
                    values["new_term"],
                )
                if values["external_number"]:
                    external = values["external_number"]
                if target:
                    outcome = _outcome(kind, values["note"], values["article"], values["sentence"])
                r_status, moment = to_status, at
                # The clocks, as cases.services._referral_clocks moves them.
                starts, meets = deadlines.referral_clock_changes(code, kind)
                met = clocks.meet(meets, at, kind)
                if kind == "investigation_extended" and met:
                    clocks.restart_until(met[0], at, values["new_term"])
                for clock in starts:
                    clocks.start(clock, at)
                if kind == "sent":
                    alleg_clocks.meet(REFERRAL_CLOCKS_MET_BY_SENT, at, "sent")
                    if status in ("received", "under_assessment"):
                        allegation_event(
                            "referred",
                            "referred",
                            max(at, last_event or at),
                            note=r_reference,
                        )
            t_ref.add(
                rid,
                created,
                moment,
                r_reference,
                aid,
                rng.choice(offices).pk,
                r_status,
                external,
                outcome,
                officer,
            )
            clocks.write(country.pk)
            referral_finals.append((r_status, moment))
        # Closing: a referred allegation once every referral is final (as resolved), others
        # with a reason after assessment.
        if status == "referred":
            if all(s in REFERRAL_FINAL for s, _m in referral_finals) and rng.random() < 0.6:
                at = max(m for _s, m in referral_finals) + timedelta(days=rng.randint(5, 60))
                if at <= HORIZON:
                    allegation_event("closed", "closed", at, why="resolved")
        elif n_referrals == 0 or not referral_finals:
            if status in ("received", "under_assessment") and rng.random() < 0.65:
                at = (last_event or received) + timedelta(days=rng.randint(10, 120))
                if at <= HORIZON:
                    why = rng.choice(
                        (
                            "no_consent",
                            "insufficient_information",
                            "duplicate",
                            "outside_mandate",
                            "withdrawn",
                        )
                    )
                    allegation_event("closed", "closed", at, why=why)
        if status == "closed":
            alleg_clocks.meet(("urgent_escalation",), last_event, "closed")
        t_alleg.add(
            aid,
            received,
            updated,
            reference,
            country.pk,
            rng.choice(sources).pk,
            received,
            facility_id,
            visit_id,
            rng.choice(self.ref.places[code]).pk,
            incident_date,
            "day",
            rng.choice(SUMMARIES),
            "Ссадины и гематомы." if rng.random() < 0.3 else "",
            death,
            serious,
            urgent,
            rng.choice(("none", "none", "none", "low")),
            status,
            reason if status == "closed" else "",
            False,
            officer,
            officer,
        )
        alleg_clocks.write(country.pk)

    # -- all ----------------------------------------------------------------------------------

    def country(self, code: str, officers: list[int]) -> None:
        # One generator per country: the records of a country do not depend on whether the
        # countries are built one after the other or side by side.
        self.rng = random.Random(f"{RANDOM_SEED}:{code}")
        self.say(f"  {code}: facilities")
        facilities = self.facilities(code)
        self.say(f"  {code}: visits and recommendations")
        visits = self.visits_and_recommendations(code, facilities, officers)
        self.say(f"  {code}: allegations and referrals")
        self.allegations(code, facilities, visits, officers)

    def build(self, *, processes: int = 1) -> Tally:
        officers = self.officers()
        _CONTEXT.clear()
        with connection.cursor() as cursor:
            _context_id(cursor)
        codes = [code for code, _share in SHARES]
        if processes > 1 and not connection.in_atomic_block:
            # The countries side by side, one process and one connection each (the pghistory
            # context of the command is inherited with the process).
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(min(processes, len(codes))) as pool:
                results = pool.starmap(
                    _build_country, [(self.scale, code, officers[code]) for code in codes]
                )
        else:
            for code in codes:
                self.country(code, officers[code])
            results = [(self.tally.counts, self.sequences)]
        tally = Tally()
        sequences: dict[str, int] = {}
        for counts, scopes in results:
            for name, n in counts.items():
                tally.add(name, n)
            for scope, value in scopes.items():
                sequences[scope] = max(value, sequences.get(scope, 0))
        sequences[SCALE_SCOPE] = round(self.scale * 1000)
        with transaction.atomic():
            ReferenceSequence.objects.bulk_create(
                [ReferenceSequence(scope=k, last_value=v) for k, v in sequences.items()],
                batch_size=5_000,
                update_conflicts=True,
                unique_fields=["scope"],
                update_fields=["last_value"],
            )
        with connection.cursor() as cursor:
            # After a bulk load, as autovacuum would do in time: statistics for the planner, and
            # the visibility map that lets index-only scans skip the table (VACUUM cannot run
            # inside a transaction, as in tests).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        return tally


def _build_country(scale: float, code: str, officers: list[int]):
    builder = Builder(scale)
    builder.country(code, officers)
    connections.close_all()
    return builder.tally.counts, builder.sequences


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def loaded_scale() -> float | None:
    """The scale this database was loaded at by ``seed --scale``, or ``None``."""
    row = ReferenceSequence.objects.filter(scope=SCALE_SCOPE).first()
    return row.last_value / 1000 if row else None


def build_scale(scale: float, *, stdout=None, processes: int = 1) -> Tally:
    """Load the scale data set into a database holding the reference data and no scale data."""
    if scale <= 0:
        raise ValueError("The scale must be positive.")
    if loaded_scale() is not None:
        raise ValueError("This database already holds scale data.")
    return Builder(scale, stdout=stdout).build(processes=processes)
