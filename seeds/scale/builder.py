"""The builder of the scale data set: ids, numbering and staff, the facilities, and the run over
the countries (one after the other, or side by side in processes). Visits and recommendations,
allegations and referrals are built by its mixins."""

import multiprocessing
import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from facilities.models import Facility
from npm_tracker.core.models import ReferenceSequence, StaffProfile

from .allegations import AllegationsMixin
from .clocks import NOTICE_ADDRESSES
from .constants import (
    FIRST_DAY,
    GIVEN,
    LAST_DAY,
    OFFICER_LANGUAGE,
    OFFICER_PREFIX,
    PER_SCALE,
    RANDOM_SEED,
    SCALE_SCOPE,
    SHARES,
    SURNAMES,
    local,
)
from .reference import Reference
from .tables import Table, Tally, attach_context, flush
from .visits import VisitsMixin


class Builder(VisitsMixin, AllegationsMixin):
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

    def event(self, table: Table, kind, from_status, to_status, at, officer, *rest, note=""):
        """One row of an event table: ``EVENT_COLUMNS`` (recorded when it happened, by the
        officer, no document), then the columns of its kind (``rest``)."""
        table.add(self.uid(), kind, from_status, to_status, at, note, "", officer, "", at, *rest)

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

    # -- facilities ---------------------------------------------------------------------------

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
            created = local(registered, 10, 0, country.zone)
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
        flush([table], self.tally)
        return result

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
        attach_context()
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
            cursor.execute(NOTICE_ADDRESSES)
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
