"""Old phones and bad networks: one room with three of them.

* a phone on a slow 3G-like connection (Chromium's network throttling through
  the DevTools protocol: 400 kbit/s each way, 400 ms latency) joins, follows
  the facilitator's step changes and saves a letter draft;
* a phone with JavaScript turned off joins with the room code and a
  nickname, adds an idea, makes the safety choice and writes and finishes a
  letter, all through plain form posts, following the session by reloading;
* a phone whose browser runs JavaScript but did not get the app's script
  files (all of /static/**/*.js fail) joins and writes as well.

The facilitator sees each letter arrive.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import STEP_TITLES, display_code, join, stage_title, step_button

PROTEST, TAKE_ACTION = STEP_TITLES[1], STEP_TITLES[4]

# Slow 3G, roughly: 400 kbit/s down and up, 400 ms round trips.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
SLOW_MS = 60_000  # generous: every request pays the latency, pages arrive slowly


def throttle(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    return cdp


def follow_by_hand(phone, code):
    """A phone that cannot follow the session by itself: the page says so
    and links to the current step."""
    note = phone.locator(".no-live")
    expect(note).to_be_visible()
    note.get_by_role("link", name="Show the current step").click()
    expect(phone).to_have_url(re.compile(rf"/r/{code}$"))


def write_letter_without_scripts(phone, code, text, *, finish):
    """The take-action step through plain forms: the link to the phone's
    own page, the safety choice, the letter saved (and finished)."""
    phone.get_by_role("link", name="Write a letter or a message").click()
    expect(phone).to_have_url(re.compile(rf"/r/{code}/action"))
    phone.get_by_label("With my first name only", exact=True).check()
    phone.get_by_role("button", name="Continue").click()
    letter = phone.get_by_label("Your letter", exact=True)
    expect(letter).to_be_visible()
    phone.get_by_label("Your first name", exact=True).first.fill("Nia")
    letter.fill(text)
    section = phone.locator("#section-authority")
    if finish:
        section.get_by_role("button", name="My letter is finished").click()
        expect(phone.locator(".messages")).to_contain_text("Finished. Thank you!")
        expect(section).to_contain_text(text)
    else:
        section.get_by_role("button", name="Save", exact=True).click()
        expect(phone.locator(".messages")).to_contain_text("Saved.")
        expect(phone.get_by_label("Your letter", exact=True)).to_have_value(text)


def count(control, column):
    return control.locator(f'#live-control-step [data-count-kind="authority"] [data-{column}]')


@pytest.mark.browser
def test_a_slow_phone_and_phones_without_scripts_join_follow_and_write(open_room, people):
    room = open_room(nicknames=())
    control, code = room.control, room.code

    # Joining: the slow phone types the code; the others too.
    slow = people.phone()
    throttle(slow)
    slow.goto("/join", timeout=SLOW_MS)
    slow.get_by_label("Room code").fill(display_code(code))
    slow.get_by_role("button", name="Join").click()
    expect(slow).to_have_url(re.compile(rf"/join/{code}$"), timeout=SLOW_MS)
    slow.get_by_label("Nickname").fill("Sam")
    slow.get_by_role("button", name="Join").click()
    expect(slow.locator(".whoami")).to_contain_text("Sam", timeout=SLOW_MS)
    expect(slow.locator(".no-live")).to_be_hidden(timeout=SLOW_MS)  # its scripts arrived
    waited = slow.evaluate(
        "async () => { const start = performance.now();"
        " await fetch('/privacy', {cache: 'no-store'}); return performance.now() - start; }"
    )
    assert waited >= SLOW_3G["latency"] * 0.9, waited  # the throttling is on

    no_js = join(people.phone(java_script_enabled=False), code, "Nia")
    broken = people.phone()
    broken.route("**/static/**/*.js", lambda route: route.abort())
    join(broken, code, "Ben")
    expect(control.locator("#live-control-roster .counts")).to_contain_text("3 people joined")
    # In the lobby only a phone whose scripts run is told it follows by itself.
    follows = "This screen follows the session by itself."
    expect(slow.get_by_text(follows)).to_be_visible()
    for phone in (no_js, broken):
        expect(phone.locator(".lobby")).to_contain_text("Wait for the facilitator to start.")
        expect(phone.get_by_text(follows)).to_be_hidden()

    # Step 2: the slow phone follows; the others follow by reloading. The
    # phone without JavaScript adds an idea with a plain post.
    step_button(control, PROTEST).click()
    expect(stage_title(slow)).to_have_text(PROTEST, timeout=SLOW_MS)
    follow_by_hand(no_js, code)
    expect(stage_title(no_js)).to_have_text(PROTEST)
    no_js.get_by_label("Write an idea").fill("A concert for her")
    no_js.get_by_role("button", name="Add my idea").click()
    expect(no_js.locator(".messages")).to_contain_text("Your idea was added.")
    expect(no_js.locator("#live-group")).to_contain_text("A concert for her")
    expect(control.locator("#live-control-step")).to_contain_text("A concert for her")

    # Step 5: letters.
    step_button(control, TAKE_ACTION).click()
    expect(stage_title(slow)).to_have_text(TAKE_ACTION, timeout=SLOW_MS)
    for phone in (no_js, broken):
        follow_by_hand(phone, code)
        expect(stage_title(phone)).to_have_text(TAKE_ACTION)

    # The slow phone: the safety choice, a draft saved as it is typed.
    slow.get_by_label("Without my name", exact=True).check(timeout=SLOW_MS)
    slow.get_by_role("button", name="Continue").click()
    slow_letter = slow.get_by_label("Your letter", exact=True)
    expect(slow_letter).to_be_visible(timeout=SLOW_MS)
    slow_letter.press_sequentially("Dear Minister, free Maryia. SAMEND", delay=20)
    expect(slow.locator("#status-authority time")).to_be_visible(timeout=SLOW_MS)

    write_letter_without_scripts(no_js, code, "Dear Minister, release her. NIAEND", finish=True)
    write_letter_without_scripts(broken, code, "Dear Minister, let her go. BENEND", finish=False)

    # The facilitator sees them arrive, and reads them.
    expect(count(control, "finished")).to_have_text("1")
    expect(count(control, "drafts")).to_have_text("2")
    letters = control.context.new_page()
    letters.goto(f"/sessions/{code}/letters/")
    for text in ("SAMEND", "NIAEND", "BENEND"):
        expect(letters.locator(".letter-card", has_text=text)).to_have_count(1)
