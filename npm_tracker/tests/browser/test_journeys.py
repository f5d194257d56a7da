"""Staff journeys in a real browser against the running stack: log in with a second factor, log a
visit with the keyboard, enter an allegation raised on it, refer it and record its registration,
see a legal clock overdue, get the visit report as a PDF, switch to Kazakh.

Each journey saves screenshots under var/screenshots/ (``make screenshots`` copies three of them
into docs/images/ for the README).
"""

import pytest

from npm_tracker.tests.browser.conftest import assert_usable, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_in_with_a_second_factor(page, officer):
    page.goto("/admin/")
    assert "/admin/login/" in page.url
    token_field = page.locator("#id_otp_token")
    assert token_field.is_visible()
    screenshot(page, "login")
    assert_usable(page, "login", buttons=[page.locator("input[type=submit]")])

    def password_alone_is_not_enough(page):
        assert "/admin/login/" in page.url
        assert page.locator(".errornote").first.is_visible()
        screenshot(page, "login-second-step")

    log_in(page, officer, on_password_only=password_alone_is_not_enough)
    assert page.locator("#user-tools").inner_text().upper().find(officer.username.upper()) >= 0
    assert page.get_by_role("heading", name="Monitoring places of detention").is_visible()
    screenshot(page, "home")
    assert_usable(page, "home")
