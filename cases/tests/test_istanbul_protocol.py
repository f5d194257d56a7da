"""Istanbul Protocol (2022) records: lesions numbered per examination and placed on the front
or back body diagram, checked against the region; descriptions encrypted at rest."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases import body, services
from cases.models import Lesion
from cases.tests.factories import make_allegation

pytestmark = pytest.mark.django_db


@pytest.fixture
def examination(reference):
    return services.medical_examination_add(
        actor=None, allegation=make_allegation(), examined_on=date(2026, 3, 3)
    )


def _lesion(examination, **fields):
    return services.lesion_save(
        actor=None, lesion=Lesion(examination=examination, **{"type": "bruise", **fields})
    )


def test_lesions_are_numbered_and_take_the_view_of_their_region(examination):
    first = _lesion(examination, region="chest", side="left", description="Кровоподтёк 3×2 см")
    sole = _lesion(examination, region="sole", side="both")
    assert (first.number, first.view) == (1, "front")
    assert (sole.number, sole.view) == (2, "back")
    # The person's left is on the reader's right on the front view.
    assert first.mark()[1] > body.MIDLINE
    assert len(body.marks_of(sole)) == 2
    drawn = body.svg([first, sole])
    assert drawn.count('class="mark"') == 3 and ">1</text>" in drawn and ">2</text>" in drawn
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM cases_lesion WHERE id = %s", [first.pk])
        assert "Кровоподтёк" not in cursor.fetchone()[0]


def test_a_mark_on_the_wrong_side_of_the_body_or_half_placed_is_refused(examination):
    with pytest.raises(ValidationError) as error:
        _lesion(examination, region="chest", view="back")
    assert "view" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _lesion(examination, region="thigh", x=40)
    assert "x" in error.value.message_dict
    assert not Lesion.objects.exists()
