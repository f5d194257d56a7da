"""The body diagram of a medical examination (Istanbul Protocol), used with the keyboard only:
a lesion added in its row gets its numbered mark at the region's centre, the arrow keys move the
mark while the diagram has the focus (Shift: finer steps), Escape puts it back, and what is
saved is what was shown."""

from datetime import date

import pytest

from cases import services as case_services
from cases.models import Lesion
from cases.tests.factories import make_allegation
from npm_tracker.tests.browser.helpers import (
    add_inline_row,
    assert_usable,
    choose_option,
    log_in,
    screenshot,
    tab_to,
)

pytestmark = pytest.mark.django_db(transaction=True)

DIAGRAM = ".body-diagram-focus"


def field(page, name):
    return page.locator(f"[name=lesions-0-{name}]")


def mark(page):
    """The (x, y) of lesion 1's mark on the diagram, and the view it is drawn on."""
    return page.evaluate(
        """() => {
          const c = document.querySelector('svg g.mark[data-lesion="1"] circle');
          return c && [c.closest('g[data-view]').dataset.view,
                       Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))];
        }"""
    )


def test_mark_a_lesion_on_the_body_diagram_with_the_keyboard(page, officer):
    allegation = make_allegation("KZ", assigned_officer=officer)
    examination = case_services.medical_examination_add(
        actor=None, allegation=allegation, examined_on=date(2026, 3, 3), examiner="Dr Adilova"
    )
    log_in(page, officer)
    page.goto(f"/admin/cases/medicalexamination/{examination.pk}/change/")

    add_inline_row(page, "lesions")
    choose_option(page, "[name=lesions-0-region]", "chest", backwards=True)
    choose_option(page, "[name=lesions-0-side]", "left")
    choose_option(page, "[name=lesions-0-type]", "bruise")
    # The person's left is on the right of a front view: the mark is at the left chest's centre.
    assert mark(page) == ["front", 118, 105]

    tab_to(page, DIAGRAM, backwards=True)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    assert mark(page) == ["front", 128, 106]
    assert (field(page, "x").input_value(), field(page, "y").input_value()) == ("128", "106")
    status = page.locator(".body-diagram-status").inner_text()
    assert status.startswith("Lesion 1: chest, left, front") and "(128, 106)" in status
    page.keyboard.press("Escape")  # back to the region's centre, nothing stored
    assert mark(page) == ["front", 118, 105]
    assert field(page, "x").input_value() == ""
    for _ in range(3):
        page.keyboard.press("ArrowUp")
    assert mark(page) == ["front", 118, 90]
    screenshot(page, "body-diagram-editor")

    tab_to(page, "input[name=_continue]")
    page.keyboard.press("Enter")
    page.locator("ul.messagelist .success").wait_for()
    lesion = Lesion.objects.get(examination=examination)
    assert (lesion.number, lesion.region, lesion.side, lesion.view, lesion.x, lesion.y) == (
        1,
        "chest",
        "left",
        "front",
        118,
        90,
    )
    # Drawn again from what was stored, by the server and the editor alike.
    page.locator('svg g.mark[data-lesion="1"]').wait_for()
    assert mark(page) == ["front", 118, 90]
    assert_usable(page, "body-diagram", buttons=[page.locator("input[name=_continue]")])
