"""Sessions in Chromium: the settings page lists devices, signs one out, signs out everywhere."""

from __future__ import annotations

import re

from tests.support.factories import make_user
from tests.support.web import sign_in_page

LOGIN = re.compile(r".*/account/login.*")


def test_sessions_list_sign_out_one_device_and_everywhere(live_server, browser, page):
    make_user("ana@example.com")
    laptop = page
    phone_context = browser.new_context(
        locale="en-US",
        user_agent=(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        ),
    )
    phone = phone_context.new_page()
    try:
        sign_in_page(phone, live_server, "ana@example.com")
        sign_in_page(laptop, live_server, "ana@example.com")

        laptop.goto(f"{live_server}/en/account/settings")
        rows = laptop.locator("table.sessions tbody tr")
        assert rows.count() == 2
        assert "(this device)" in laptop.locator("tr.current").inner_text()
        phone_row = rows.filter(has_text="Mobile Safari · iOS")
        phone_row.get_by_role("button", name="Sign out this device").click()
        laptop.wait_for_selector("text=That device is signed out.")
        assert laptop.locator("table.sessions tbody tr").count() == 1

        phone.goto(f"{live_server}/en/dashboard/")
        phone.wait_for_url(LOGIN)

        sign_in_page(phone, live_server, "ana@example.com")
        laptop.goto(f"{live_server}/en/account/settings")
        laptop.get_by_role("button", name="Sign out everywhere").click()
        laptop.wait_for_url(LOGIN)
        laptop.wait_for_selector("text=You are signed out on every device.")
        for device in (laptop, phone):
            device.goto(f"{live_server}/en/dashboard/")
            device.wait_for_url(LOGIN)
    finally:
        phone_context.close()
