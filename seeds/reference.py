"""Loads the reference data of ``seeds/data/*.yaml`` into the vocabulary tables.

Idempotent: items are matched by their stable ``code``. By default only missing items are
created, so what staff edited in the admin (a translation, a deadline rule) survives re-running
the command; ``update=True`` brings existing items back to what the files say.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import models, transaction

from cases.models import (
    AllegationSource,
    ConsistencyLevel,
    DeadlineRule,
    Method,
    PlaceOfIncident,
    ProsecutorOffice,
)
from facilities.models import (
    Agency,
    Country,
    ExaminedArea,
    FacilityType,
    NpmBody,
    ObstacleType,
    Region,
    VisitType,
)
from npm_tracker.core.models import DayTransfer
from npm_tracker.core.services import validated_save

DATA_DIR = Path(__file__).resolve().parent / "data"
LANGS = ("en", "ru", "kk", "ky")


@dataclass
class Tally:
    """What a load did, per model."""

    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)

    def add(self, bucket: str, model) -> None:
        counts = getattr(self, bucket)
        name = model._meta.verbose_name_plural
        counts[str(name)] = counts.get(str(name), 0) + 1

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def read(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or []


def _translations(prefix: str, values: dict | None) -> dict:
    values = values or {}
    return {f"{prefix}_{lang}": values.get(lang, "") or "" for lang in LANGS}


class Loader:
    def __init__(self, *, update: bool):
        self.update = update
        self.tally = Tally()
        self.countries: dict[str, Country] = {}

    def upsert(self, model, lookup: dict, values: dict, m2m: dict | None = None):
        """Create the item if missing; bring it to ``values`` when updating. Saves only when
        something differs, so a second run writes nothing."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            validated_save(obj)
            bucket = "created"
        elif self.update and any(
            getattr(obj, _attname(model, k)) != _raw(v) for k, v in values.items()
        ):
            for k, v in values.items():
                setattr(obj, k, v)
            validated_save(obj)
            bucket = "updated"
        else:
            bucket = "unchanged"
        for name, targets in (m2m or {}).items():
            current = set(getattr(obj, name).values_list("pk", flat=True))
            wanted = {t.pk for t in targets}
            if bucket == "created" or (self.update and current != wanted):
                getattr(obj, name).set(targets)
                if bucket == "unchanged":
                    bucket = "updated"
        self.tally.add(bucket, model)
        return obj

    def country(self, code):
        if code is None:
            return None
        if code not in self.countries:
            self.countries[code] = Country.objects.get(code=code)
        return self.countries[code]

    def vocabulary(self, filename, model, extra=(), fk=None):
        """Load a plain vocabulary file: code, name, country, validity, sort order and the
        ``extra`` fields as they are; ``fk`` maps a field to the model its code refers to."""
        for position, item in enumerate(read(filename)):
            values = {
                **_translations("name", item["name"]),
                "country": self.country(item.get("country")),
                "valid_from": item.get("valid_from"),
                "valid_to": item.get("valid_to"),
                "sort_order": position,
            }
            for key in extra:
                if key in item:
                    values[key] = item[key]
            for key, target in (fk or {}).items():
                code = item.get(key)
                values[key] = target.objects.get(code=code) if code else None
            if "short_name" in item:
                values.update(_translations("short_name", item["short_name"]))
            self.upsert(model, {"code": item["code"]}, values)

    def load(self):
        for item in read("countries.yaml"):
            country = self.upsert(
                Country,
                {"code": item["code"]},
                {**_translations("name", item["name"]), "timezone": item["timezone"]},
            )
            self.countries[country.code] = country
            for body in item.get("npm_bodies", []):
                self.upsert(
                    NpmBody,
                    {"code": body["code"]},
                    {
                        "country": country,
                        **_translations("name", body["name"]),
                        **_translations("short_name", body.get("short_name")),
                        "valid_from": body["valid_from"],
                        "valid_to": body.get("valid_to"),
                        "legal_basis": body.get("legal_basis", ""),
                    },
                )
        self.vocabulary("regions.yaml", Region, extra=("kind",))
        self.vocabulary("agencies.yaml", Agency)
        for position, item in enumerate(read("facility_types.yaml")):
            agency_codes = [c for codes in (item.get("agencies") or {}).values() for c in codes]
            self.upsert(
                FacilityType,
                {"code": item["code"]},
                {
                    **_translations("name", item["name"]),
                    "country": self.country(item.get("country")),
                    "valid_from": item.get("valid_from"),
                    "valid_to": item.get("valid_to"),
                    "sort_order": position,
                    "has_security_level": bool(item.get("has_security_level")),
                },
                m2m={"agencies": list(Agency.objects.filter(code__in=agency_codes))},
            )
        self.vocabulary(
            "visit_types.yaml", VisitType, extra=("is_periodic", "verified", "legal_basis")
        )
        self.vocabulary("areas.yaml", ExaminedArea)
        self.vocabulary("obstacles.yaml", ObstacleType)
        self.vocabulary("methods.yaml", Method, extra=("category",))
        self.vocabulary("sources.yaml", AllegationSource, extra=("is_anonymous",))
        self.vocabulary("places_of_incident.yaml", PlaceOfIncident)
        self.vocabulary("consistency_levels.yaml", ConsistencyLevel, extra=("rank",))
        offices = read("prosecutor_offices.yaml")
        # Higher offices first, so that a parent exists before its children refer to it.
        offices.sort(key=lambda item: item.get("parent") is not None)
        self._offices(offices)
        for item in read("deadline_rules.yaml"):
            self.upsert(
                DeadlineRule,
                {"code": item["code"]},
                {
                    **_translations("name", item.get("description")),
                    "country": self.country(item["country"]),
                    "clock": item["clock"],
                    "duration": item["duration"],
                    "unit": item["unit"],
                    "extension_duration": item.get("extension_duration"),
                    "extension_unit": item.get("extension_unit") or "",
                    "effective_from": item["effective_from"],
                    "effective_to": item.get("effective_to"),
                    "legal_source": item["legal_source"],
                    "verified": bool(item.get("verified", True)),
                },
            )
        for item in read("day_transfers.yaml"):
            self.upsert(
                DayTransfer,
                {"country": self.country(item["country"]), "day": item["day"]},
                {
                    "kind": item["kind"],
                    "legal_source": item.get("legal_source", ""),
                    "note": item.get("note", ""),
                },
            )
        from npm_tracker.core.roles import ensure_groups

        ensure_groups()  # the role groups and their permissions
        return self.tally

    def _offices(self, offices):
        order = {item["code"]: n for n, item in enumerate(read("prosecutor_offices.yaml"))}
        for item in offices:
            self.upsert(
                ProsecutorOffice,
                {"code": item["code"]},
                {
                    **_translations("name", item["name"]),
                    "country": self.country(item["country"]),
                    "valid_from": item.get("valid_from"),
                    "valid_to": item.get("valid_to"),
                    "sort_order": order[item["code"]],
                    "level": item["level"],
                    "region": Region.objects.get(code=item["region"])
                    if item.get("region")
                    else None,
                    "parent": (
                        ProsecutorOffice.objects.get(code=item["parent"])
                        if item.get("parent")
                        else None
                    ),
                },
            )


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


def _raw(value):
    """The value as stored in a model attribute: a related object compares by its key."""
    return value.pk if isinstance(value, models.Model) else value


@transaction.atomic
def load_reference_data(*, update: bool = False) -> Tally:
    """Load every reference file in one transaction; a broken file changes nothing."""
    return Loader(update=update).load()
