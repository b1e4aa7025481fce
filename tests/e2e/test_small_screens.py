"""Every page fits a 390 px phone without sideways scrolling, and still a 1280 px screen: the
menu collapses behind a button, tables become stacked cards, meeting mode shows one case."""

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

PAGES = [
    "/",
    "/cases",
    "/cases/new",
    "/cases/1",
    "/boards",
    "/boards/1",
    "/boards/new",
    "/specialists",
    "/specialists/1",
    "/sessions/1/agenda",
    "/sessions/1/agenda/print",
    "/sessions/1/meeting",
    "/notifications",
]

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(params=[390, 1280], ids=["phone-390", "desktop-1280"])
def sized_page(request, browser, live_server):
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 500 else 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server['url']}/login")
    page.get_by_label("Email").fill(live_server["coordinator"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    yield page, width
    context.close()


def test_every_page_fits_without_sideways_scrolling(sized_page, live_server, shoot):
    page, width = sized_page
    too_wide = {}
    for path in PAGES:
        response = page.goto(f"{live_server['url']}{path}")
        assert response.status == 200, path
        if not page.evaluate(FITS):
            too_wide[path] = page.evaluate("document.documentElement.scrollWidth")
    assert too_wide == {}, f"wider than {width} px: {too_wide}"
    page.goto(f"{live_server['url']}/")
    shoot(page, f"dashboard-{width}")


def test_the_menu_collapses_on_a_phone_and_keeps_every_link(sized_page, live_server):
    page, width = sized_page
    page.goto(f"{live_server['url']}/cases")
    menu = page.get_by_role("navigation", name="Main")
    links = ("Cases", "New case", "Boards", "Specialists", "Notifications", "API")
    if width < 500:
        expect(menu).to_be_hidden()
        page.get_by_test_id("menu-button").click()
    expect(menu).to_be_visible()
    for name in links:
        expect(menu.get_by_role("link", name=name, exact=False).first).to_be_visible()
    assert page.evaluate(FITS)


def test_tables_become_cards_on_a_phone(sized_page, live_server):
    page, width = sized_page
    page.goto(f"{live_server['url']}/cases")
    display = page.locator("table td").first.evaluate("cell => getComputedStyle(cell).display")
    assert display == ("block" if width < 500 else "table-cell")


def test_meeting_mode_shows_one_case_at_a_time(sized_page, live_server, shoot):
    page, width = sized_page
    page.goto(f"{live_server['url']}/sessions/1/meeting")
    assert page.locator(".case-outcome").count() <= 1
    assert page.evaluate(FITS)
    shoot(page, f"meeting-mode-{width}")
