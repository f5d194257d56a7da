"""Steps of the browser journeys: logging in, moving through a form with the keyboard, choosing
in the admin's autocomplete (select2) widgets, checking a page at desktop and tablet width,
screenshots."""

import os
from pathlib import Path

from npm_tracker.tests.celery_helpers import ROOT

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
PASSWORD = "pw-for-tests-only"  # what conftest.make_staff gives every user


def log_in(page, user, password=PASSWORD, *, on_password_only=None):
    """The admin login as a staff member does it: username and password first; the page then
    asks for the authenticator (device) and its current TOTP code. ``on_password_only`` is
    called with the page shown between the two steps."""
    from django_otp.oath import totp

    device = user.totpdevice_set.get()
    page.goto("/admin/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    page.locator("#id_otp_device").wait_for()
    if on_password_only is not None:
        on_password_only(page)
    page.locator("#id_otp_device").select_option(label=device.name)
    page.locator("#id_otp_token").fill(f"{totp(device.bin_key):06d}")
    page.locator("#id_otp_token").press("Enter")
    page.wait_for_url("**/admin/")


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if full_page:  # sticky parts (the model list) are drawn where the window is scrolled to
        page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=full_page)
    return path


def assert_usable(page, name: str, *, buttons=()) -> None:
    """The current page at 1280×800 and at tablet width: the document does not scroll
    sideways, and the given buttons (locators) can be reached and clicked. Saves the tablet
    view as ``<name>-tablet.png``."""
    for size in (DESKTOP, TABLET):
        page.set_viewport_size(size)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1] + 2, (
            f"{page.url} scrolls sideways at {size['width']}px: content {widths[0]}px wide"
        )
        for button in buttons:
            button.scroll_into_view_if_needed()
            assert button.is_visible() and button.is_enabled(), (button, size)
            box = button.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1, (
                f"{button} is outside the window at {size['width']}px: {box}"
            )
            button.click(trial=True)  # actionable: visible, stable, not covered
        if size is TABLET:
            screenshot(page, f"{name}-tablet")
    page.set_viewport_size(DESKTOP)


def focused(page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector: str, *, limit: int = 150, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab with ``backwards``) until the element matching ``selector`` has the
    focus: it can be reached with the keyboard, in the page's order, within ``limit`` presses."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of {key} on {page.url}")


def type_into(page, selector: str, text: str, *, backwards: bool = False) -> None:
    """Tab to a field, select what it holds and type over it."""
    tab_to(page, selector, backwards=backwards)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def choose_option(page, selector: str, label_start: str, *, backwards: bool = False) -> None:
    """Tab to a plain <select> and pick an option by typing the start of its label, as a
    keyboard user does."""
    tab_to(page, selector, backwards=backwards)
    page.keyboard.type(label_start)
    chosen = page.locator(selector).evaluate("e => e.options[e.selectedIndex].text")
    assert chosen.startswith(label_start), (selector, chosen)


def autocomplete(
    page, select_id: str, text: str, expect: str | None = None, *, backwards: bool = False
) -> None:
    """Tab to an autocomplete (select2) field, type, and press Enter on the first match.

    A single choice opens with Enter and searches in its dropdown; a multiple choice is searched
    in place."""
    multiple = page.locator(f"#{select_id}").evaluate("e => e.multiple")
    container = f"#{select_id} + .select2"
    target = (
        f"{container} .select2-search__field" if multiple else f"{container} .select2-selection"
    )
    tab_to(page, target, backwards=backwards)
    if not multiple:
        page.keyboard.press("Enter")
        page.locator(".select2-container--open .select2-search__field").wait_for()
    page.keyboard.type(text)
    highlighted = page.locator(
        ".select2-container--open .select2-results__option--highlighted", has_text=expect or text
    )
    highlighted.wait_for()
    page.keyboard.press("Enter")
    chosen = page.locator(f"#{select_id}").evaluate(
        "e => Array.from(e.selectedOptions).map(o => o.text)"
    )
    assert any((expect or text) in label for label in chosen), (select_id, chosen)


def add_inline_row(page, group: str) -> None:
    """The inline's "Add another …" link, reached with Tab and followed with Enter."""
    link = f"#{group}-group .add-row a"
    tab_to(page, link)
    page.keyboard.press("Enter")
