"""Validation before every write (``DomainModel.full_clean``): the lookups that cannot fail are
left out, the ones that can are kept."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Victim
from cases.tests.factories import make_allegation
from facilities.models import Facility, Region
from facilities.tests.factories import make_facility

pytestmark = pytest.mark.django_db


def _copy(facility: Facility, **changes) -> Facility:
    fields = {
        f.attname: getattr(facility, f.attname)
        for f in Facility._meta.concrete_fields
        if f.attname not in ("id", "created_at", "updated_at")
    }
    return Facility(**{**fields, **changes})


def test_a_foreign_key_given_as_a_stored_record_is_not_looked_up_again(reference):
    stored = make_facility()
    region = Region.objects.get(pk=stored.region_id)
    by_record = _copy(stored, region_id=None)
    by_record.region = region
    by_id = _copy(stored)
    with CaptureQueriesContext(connection) as with_record:
        by_record.full_clean()
    with CaptureQueriesContext(connection) as with_id:
        by_id.full_clean()
    lookups = [q["sql"] for q in with_id.captured_queries if "facilities_region" in q["sql"]]
    assert lookups  # an id alone is checked
    assert not [q for q in with_record.captured_queries if "facilities_region" in q["sql"]]


def test_a_missing_or_unsaved_record_is_still_refused(reference):
    stored = make_facility()
    missing = _copy(stored, region_id=uuid.uuid4())
    with pytest.raises(ValidationError) as error:
        missing.full_clean()
    assert "region" in error.value.message_dict
    unsaved = _copy(stored, region_id=None)
    unsaved.region = Region(code="nowhere", name_en="Nowhere", country_id=stored.country_id)
    with pytest.raises(ValidationError) as error:
        unsaved.full_clean()
    assert "region" in error.value.message_dict


def test_unique_fields_are_still_checked_on_new_records(reference):
    first = make_allegation()
    second = make_allegation()
    twin = Victim(allegation=second, pseudonym=first.victim.pseudonym)
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "pseudonym" in error.value.message_dict
    # The one-to-one link is unique too: a second victim of the same allegation is refused.
    again = Victim(allegation=first, pseudonym="V-KZ-999999")
    with pytest.raises(ValidationError) as error:
        again.full_clean()
    assert "allegation" in error.value.message_dict
