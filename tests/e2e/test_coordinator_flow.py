"""A coordinator's day in real Chromium: intake to meeting, and the specialist's feed follows."""

import re
import urllib.request

from playwright.sync_api import expect

from tests.helpers import PASSWORD, start_in_the_past


def fetch_feed(base_url: str, secret: str) -> str:
    with urllib.request.urlopen(f"{base_url}/feeds/{secret}.ics", timeout=10) as response:
        return response.read().decode()


def sequences(feed: str) -> list[int]:
    return [int(value) for value in re.findall(r"^SEQUENCE:(\d+)", feed, re.MULTILINE)]


# SortableJS is bound to the fresh builder, and no item is still moving (Sortable marks an
# animating element with `animated` and clears it when the animation ends).
SORTABLE_SETTLED = """() => {
    const agenda = document.getElementById("agenda-list");
    return Boolean(agenda && Sortable.get(agenda))
        && !document.querySelector(".sortable-fallback, .sortable-chosen, .sortable-ghost")
        && Array.from(document.querySelectorAll("#builder .agenda-item"))
            .every((item) => !item.animated);
}"""


def drag(page, source, target, below: bool = True) -> None:
    """Drag with real mouse events (SortableJS's fallback mode), in small steps."""
    page.wait_for_selector("#builder:not([aria-busy])")
    page.wait_for_function(SORTABLE_SETTLED)
    start = source.bounding_box()
    end = target.bounding_box()
    assert start and end, "both ends of the drag are visible"
    page.mouse.move(start["x"] + 30, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 36, start["y"] + start["height"] / 2 + 6, steps=4)
    y = end["y"] + (end["height"] - 8 if below else 8)
    page.mouse.move(end["x"] + 40, y, steps=15)
    page.mouse.move(end["x"] + 42, y + (2 if below else -2), steps=3)
    page.mouse.up()
    page.wait_for_selector("#builder:not([aria-busy])")


def test_intake_to_meeting_and_the_feed_follows(live_server, page, shoot):
    base = live_server["url"]
    feed_before = fetch_feed(base, live_server["feed_secret"])

    # Log in.
    page.goto(f"{base}/login")
    shoot(page, "01-login")
    page.get_by_label("Email").fill(live_server["coordinator"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # Submit a case with one record still missing.
    page.get_by_role("link", name="New case", exact=True).first.click()
    page.get_by_label("Name").fill("Synthetic Intake")
    page.get_by_label("Medical record number").fill("MRN0000100")
    page.get_by_label("Birth date").fill("1962-07-04")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Referring physician").fill("Dr. Referrer")
    page.get_by_label("Referring institution").fill("Riverside Hospital")
    page.get_by_label("Referral contact email").fill("referrals@riverside.example.org")
    page.get_by_label("First opinion from").select_option("elsewhere")
    page.get_by_label("First opinion: diagnosis").fill("Invasive ductal carcinoma, cT2N0")
    page.get_by_label("Disease site").select_option("breast")
    page.get_by_label("Kind of opinion").select_option("board")
    page.get_by_label("Clinical question").fill("Is neoadjuvant therapy preferred?")
    due = page.evaluate("new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10)")
    page.get_by_label("Decision due on").fill(due)
    page.get_by_label("pathology report", exact=True).check()
    shoot(page, "02-case-intake")
    page.get_by_role("button", name="Submit case").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Case C-"))).to_be_visible()
    reference = re.search(r"C-[A-Z0-9]{6}", page.get_by_role("heading", level=1).inner_text())[0]

    # Its required data is complete, so the service triaged it; mark the record received.
    expect(page.locator(".flash")).to_contain_text("triaged: awaiting records")
    expect(page.locator("h1 .badge")).to_have_text("awaiting records")
    page.get_by_test_id("mark-received").click()
    expect(page.locator("h1 .badge")).to_have_text("ready")
    shoot(page, "03-case-page")

    # Run the scheduler from the dashboard.
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("button", name="Run the scheduler now").click()
    expect(page.locator(".flash")).to_contain_text("Scheduler run")
    shoot(page, "04-dashboard")

    # Open the first session's agenda, where the scheduler put both cases.
    page.locator(".board-card a").first.click()
    agenda = page.locator("#agenda-list")
    expect(agenda.locator(".agenda-item")).to_have_count(2)

    # Drag the new case back to the queue, then onto the agenda again, then to the top.
    item = agenda.locator(f'[data-reference="{reference}"]')
    drag(page, item, page.locator("#queue-list"), below=False)
    expect(page.locator(f'#queue-list [data-reference="{reference}"]')).to_be_visible()
    expect(agenda.locator(".agenda-item")).to_have_count(1)
    drag(page, page.locator(f'#queue-list [data-reference="{reference}"]'), agenda)
    expect(agenda.locator(".agenda-item")).to_have_count(2)
    expect(page.locator("#builder-message")).to_contain_text("placed")
    first, second = agenda.locator(".agenda-item").nth(0), agenda.locator(".agenda-item").nth(1)
    assert second.get_attribute("data-reference") == reference
    drag(page, second, first, below=False)
    expect(agenda.locator(".agenda-item").nth(0)).to_have_attribute("data-reference", reference)
    expect(page.locator("#builder-message")).to_contain_text("reordered")
    expect(page.locator(".capacity-text")).to_contain_text("20 of 60 min used")
    shoot(page, "05-agenda-builder")

    # Publish: the specialist's calendar shows the agenda with a higher SEQUENCE.
    page.get_by_test_id("publish").click()
    expect(page.locator("#builder-message")).to_contain_text("published")
    feed_after = fetch_feed(base, live_server["feed_secret"])
    assert reference in feed_after and reference not in feed_before
    assert max(sequences(feed_after)) > max(sequences(feed_before))

    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("cell", name=reference)).to_be_visible()
    shoot(page, "06-print-view")
    page.go_back()

    # Meeting mode once the session has started: attendance, one outcome, then finish.
    session_id = int(re.search(r"/sessions/(\d+)", page.url)[1])
    start_in_the_past(live_server["app"], session_id)
    page.get_by_role("link", name="Meeting mode").click()
    page.locator("#attendance input[type=checkbox]").first.check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".flash")).to_contain_text("Attendance recorded")
    section = page.locator(".case-outcome").filter(has_text=reference)
    section.get_by_label("Board recommendation").fill("Neoadjuvant chemotherapy, then surgery.")
    section.get_by_label("Minor discrepancy").check()
    section.get_by_label("Stage", exact=True).check()
    section.get_by_label("Stage (AJCC) discussed").check()
    section.get_by_label("National guidelines discussed").check()
    section.get_by_label("Who follows up").fill("Dr. Medical 2")
    section.get_by_test_id("save-outcome").click()
    expect(page.locator(".flash")).to_contain_text("Outcome saved")
    shoot(page, "07-meeting-mode")
    page.get_by_test_id("finish-meeting").click()
    # The confirmation is a required checkbox: the browser itself holds the form back.
    expect(page.get_by_test_id("confirm-finish")).to_be_visible()
    assert page.get_by_test_id("confirm-finish").evaluate("box => !box.validity.valid")
    page.get_by_test_id("confirm-finish").check()
    page.get_by_test_id("finish-meeting").click()
    expect(page.locator(".flash")).to_contain_text("Meeting finished")
    expect(page.locator("h1 + p .badge, .builder-head .badge").first).to_have_text("held")

    feed_final = fetch_feed(base, live_server["feed_secret"])
    assert max(sequences(feed_final)) > max(sequences(feed_after))

    # The case shows its outcome; the undiscussed one went back to the scheduler.
    page.get_by_role("link", name=reference).first.click()
    expect(page.locator("h1 .badge")).to_have_text("discussed")
    expect(page.get_by_text("differed in stage")).to_be_visible()

    page.get_by_role("link", name="Specialists").click()
    page.get_by_role("link", name="Dr. Pathology 3").click()
    page.get_by_label("Label").fill("Tablet")
    page.get_by_role("button", name="Create calendar link").click()
    expect(page.get_by_test_id("feed-url")).to_have_value(re.compile(r"/feeds/.+\.ics$"))
    shoot(page, "08-specialist")
