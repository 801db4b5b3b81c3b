def test_home_renders_in_chromium(live_server, page):
    page.goto(f"{live_server}/en/")
    assert page.locator("h1").first.is_visible()
