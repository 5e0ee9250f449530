"""Keyboard only: a participant joins with the room code, adds an idea, pairs
cards on the matching board (and undoes one) and writes and saves a letter,
using nothing but keys (Tab, Shift+Tab, Enter, Space, arrows) and typing; the
facilitator moves through the steps by keyboard too.

After each action the focus is somewhere sensible, every focused control
shows a visible focus indicator, and no screen is a keyboard trap. Live
updates keep the focus and what is being typed, also on a browser without
`Element.moveBefore` (htmx then moves a preserved field out of the page and
back, which drops the focus), and are announced politely.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import STEP_TITLES, display_code, join, step_button

MAX_TABS = 250

# The focused element, and whether it shows that it is: the app draws a 3px
# outline on :focus-visible.
_FOCUS = """(target) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {hit: false, none: true};
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== 'none';
  return {
    hit: el === target, none: false, ring, visible: el.matches(':focus-visible'),
    what: `${el.tagName.toLowerCase()}#${el.id} "${(el.textContent || el.value || '').trim()}"`,
  };
}"""


def focus_state(page, target=None):
    handle = target.element_handle() if target is not None else None
    return page.evaluate(_FOCUS, handle)


def tab_to(page, target, *, back=False):
    """Press Tab (or Shift+Tab) until `target` has the focus; every stop on
    the way shows a focus indicator."""
    key = "Shift+Tab" if back else "Tab"
    expect(target).to_be_visible()
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        state = focus_state(page, target)
        if state["none"]:
            continue  # past the last control: the browser's own stop
        assert state["visible"] and state["ring"], f"no visible focus on {state['what']}"
        seen.append(state["what"])
        if state["hit"]:
            return
    raise AssertionError(f"{key} never reached the target; went through {seen[-20:]}")


def assert_focused(page, target):
    expect(target).to_be_focused()


_MARK = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (!el.dataset.kbStop) {
    window.__kbStops = (window.__kbStops || 0) + 1;
    el.dataset.kbStop = String(window.__kbStops);
  }
  return `${el.dataset.kbStop}: ${el.tagName.toLowerCase()}#${el.id} ${el.textContent.trim()}`;
}"""


def assert_no_keyboard_trap(page, what):
    """Tab goes through every control and comes back round to the first;
    Shift+Tab goes back the same way."""
    page.evaluate(
        "() => { window.__kbStops = 0; document.querySelectorAll('[data-kb-stop]')"
        ".forEach((e) => e.removeAttribute('data-kb-stop')); }"
    )
    order = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        stop = page.evaluate(_MARK)
        if stop is None:
            continue
        if order and stop == order[0]:
            break
        assert stop not in order, f"{what}: Tab came back to a control before the end: {order}"
        order.append(stop)
    else:
        raise AssertionError(f"{what}: Tab never came round ({len(order)} stops)")
    assert len(order) > 3, f"{what}: {order}"
    backwards = []
    for _ in range(len(order) + 3):
        page.keyboard.press("Shift+Tab")
        stop = page.evaluate(_MARK)
        if stop is None:
            continue
        backwards.append(stop)
        if len(backwards) == len(order):
            break
    # From the first control, Shift+Tab walks the ring backwards to it.
    assert backwards == list(reversed(order)), (
        f"{what}: Shift+Tab order {backwards} is not Tab's {order} reversed"
    )


def announced(page):
    return page.locator("#announcer")


@pytest.mark.browser
def test_a_participant_and_the_facilitator_by_keyboard_alone(open_room, people):
    room = open_room(nicknames=())
    control = room.control
    code = room.code

    # -- Ana joins: type the room code, Enter; type a nickname, Enter.
    ana = people.phone()
    ana.goto("/join")
    tab_to(ana, ana.get_by_label("Room code"))
    ana.keyboard.type(display_code(code).lower())
    ana.keyboard.press("Enter")
    expect(ana).to_have_url(re.compile(rf"/join/{code}$"))
    tab_to(ana, ana.get_by_label("Nickname"))
    ana.keyboard.type("Ana")
    ana.keyboard.press("Enter")
    expect(ana).to_have_url(re.compile(rf"/r/{code}$"))
    expect(ana.locator(".whoami")).to_contain_text("Ana")
    # The first Tab stop skips to the content.
    ana.keyboard.press("Tab")
    skip = ana.get_by_role("link", name="Skip to content")
    assert_focused(ana, skip)
    ana.keyboard.press("Enter")
    assert_focused(ana, ana.locator("main"))

    # Bo's browser has no Element.moveBefore, like many phones today.
    bo = people.phone()
    bo.context.add_init_script("delete Element.prototype.moveBefore;")
    join(bo, code, "Bo", via="link")
    room.phones += [ana, bo]
    room.nicknames += ["Ana", "Bo"]

    # -- The facilitator types a group size; a roster push (someone joins)
    # keeps the focus and the number. Another person's group number, typed
    # and left for the Move button, stays too.
    group_size = control.get_by_label("People per group")
    tab_to(control, group_size)
    control.keyboard.press("Control+A")
    control.keyboard.type("3")
    room.add_phone("Chen")
    expect(control.locator("#live-control-roster .counts")).to_contain_text("3 people joined")
    assert_focused(control, group_size)
    expect(group_size).to_have_value("3")
    move_bo = control.get_by_label("Move Bo to group number", exact=True)
    tab_to(control, move_bo)
    control.keyboard.press("Control+A")
    control.keyboard.type("2")
    control.keyboard.press("Tab")
    move_button = control.get_by_role("button", name="Move Bo", exact=True)
    assert_focused(control, move_button)
    room.add_phone("Dara")
    expect(control.locator("#live-control-roster .counts")).to_contain_text("4 people joined")
    expect(move_bo).to_have_value("2")
    assert_focused(control, move_button)

    # -- The facilitator starts by keyboard; the focus stays on the button,
    # now "Next step", and Enter goes on. Every phone hears the new step.
    tab_to(control, control.get_by_role("button", name="Start", exact=True), back=True)
    control.keyboard.press("Enter")
    room.expect_step(STEP_TITLES[0])
    assert_focused(control, control.locator("#next-step-button"))
    expect(announced(ana)).to_have_text(f"Now: {STEP_TITLES[0]}")
    control.keyboard.press("Enter")
    room.expect_step(STEP_TITLES[1])
    assert_focused(control, control.locator("#next-step-button"))
    expect(announced(ana)).to_have_text(f"Now: {STEP_TITLES[1]}")
    assert_no_keyboard_trap(control, "control view")

    # -- Ana adds an idea: Tab to the field, type, Tab, Enter. The focus stays
    # on the button, the field is emptied for the next idea.
    idea = ana.get_by_label("Write an idea")
    tab_to(ana, idea)
    ana.keyboard.type("A silent march to the court")
    ana.keyboard.press("Tab")
    add = ana.get_by_role("button", name="Add my idea")
    assert_focused(ana, add)
    ana.keyboard.press("Enter")
    expect(ana.locator("#idea-status-protest")).to_have_text("Your idea was added.")
    expect(idea).to_have_value("")
    assert_focused(ana, add)
    expect(ana.locator("#live-group .idea-by")).to_have_text(["Your idea"])
    assert_no_keyboard_trap(ana, "ideas step")

    # Typing a second idea when Bo's idea arrives (a group push), then while
    # the facilitator adds a minute (a push of the whole stage): the focus
    # and the text stay, and the new idea is announced. Bo, typing too on a
    # browser without moveBefore, keeps his as well.
    tab_to(ana, idea, back=True)
    ana.keyboard.type("Half an id")
    bo.get_by_label("Write an idea").fill("Paint slogans on the ministry")
    bo.get_by_role("button", name="Add my idea").click()
    expect(ana.locator("#live-group .idea")).to_have_count(2)
    expect(announced(ana)).to_have_text("A new idea in your group.")
    assert_focused(ana, idea)
    expect(idea).to_have_value("Half an id")
    bo_idea = bo.get_by_label("Write an idea")
    bo_idea.focus()
    bo.keyboard.type("Bo half")
    timer = ana.locator("#live-stage .timer")
    seconds = timer.get_attribute("data-timer-seconds")
    tab_to(control, control.get_by_role("button", name="+1 min"))
    control.keyboard.press("Enter")
    expect(timer).not_to_have_attribute("data-timer-seconds", seconds)
    expect(bo.locator("#live-stage .timer")).not_to_have_attribute("data-timer-seconds", seconds)
    assert_focused(control, control.get_by_role("button", name="+1 min"))
    assert_focused(ana, idea)
    ana.keyboard.type("ea")
    expect(idea).to_have_value("Half an idea")
    assert_focused(bo, bo_idea)
    expect(bo_idea).to_have_value("Bo half")

    # The facilitator crosses out Ana's first idea: her phone says so.
    control.get_by_role("button", name="Everyone’s ideas").focus()
    control.keyboard.press("Enter")
    cross = control.get_by_role("button", name="Cross out (Ana, A silent march to the court)")
    tab_to(control, cross)
    control.keyboard.press("Enter")
    expect(ana.locator("#live-group del")).to_have_text("A silent march to the court")
    expect(announced(ana)).to_have_text("One of your ideas was crossed out.")

    # -- Matching: the facilitator jumps to the step by keyboard. Ana opens a
    # card with Enter, pairs it with two rights, undoes one; the focus stays on
    # the right she pressed, through the board's pushes. Bo hears the pairs.
    tab_to(control, step_button(control, STEP_TITLES[3]), back=True)
    control.keyboard.press("Enter")
    room.expect_step(STEP_TITLES[3])
    # A group mate's pair is announced unless this phone itself sent a change
    # in the last 1.5 s (live.js: OWN_ACTION_MS): Bo's idea may be that recent.
    bo.wait_for_timeout(1600)
    expect(announced(ana)).to_have_text(f"Now: {STEP_TITLES[3]}")
    card = ana.locator("#exp-card-arrested")
    tab_to(ana, card)
    ana.keyboard.press("Enter")
    expect(ana.locator("#exp-open-arrested")).to_have_attribute("open", "")
    rights = ana.locator("#exp-open-arrested")
    for article in (9, 3):
        right = rights.get_by_role("button", name=re.compile(rf"^Article {article} "))
        tab_to(ana, right)
        ana.keyboard.press("Enter")
        expect(right).to_have_attribute("aria-pressed", "true")
        assert_focused(ana, right)
    expect(bo.locator("#exp-card-arrested .exp-paired .chip")).to_have_text(["Art. 9", "Art. 3"])
    expect(announced(bo)).to_have_text("Your group made a new pair.")
    three = rights.get_by_role("button", name=re.compile(r"^Article 3 "))
    ana.keyboard.press("Space")  # pressed again: undone
    expect(three).to_have_attribute("aria-pressed", "false")
    assert_focused(ana, three)
    expect(ana.locator("#exp-card-arrested .exp-paired .chip")).to_have_text(["Art. 9"])
    assert_no_keyboard_trap(ana, "matching board with a card open")

    # -- Take action: the safety check with the arrow keys, then a letter
    # typed and saved with the Save button.
    tab_to(control, step_button(control, STEP_TITLES[4]))
    control.keyboard.press("Enter")
    room.expect_step(STEP_TITLES[4])
    first = ana.get_by_label("With my name", exact=True)
    tab_to(ana, first)
    ana.keyboard.press("Space")
    ana.keyboard.press("ArrowDown")
    expect(ana.get_by_label("With my first name only", exact=True)).to_be_checked()
    tab_to(ana, ana.get_by_role("button", name="Continue"))
    ana.keyboard.press("Enter")
    # The answer replaced the form: the focus goes to what came instead.
    heading = ana.locator("#heading-authority")
    expect(heading).to_be_visible()
    assert_focused(ana, heading)
    letter = ana.get_by_label("Your letter", exact=True)
    tab_to(ana, letter)
    ana.keyboard.type("Dear Minister, I am Ana. Release Maryia Kalesnikava.")
    save = ana.locator("#section-authority").get_by_role("button", name="Save", exact=True)
    tab_to(ana, save)
    ana.keyboard.press("Enter")
    expect(ana.locator("#status-authority time")).to_be_visible(timeout=15_000)
    assert_focused(ana, save)
    assert_no_keyboard_trap(ana, "letter editor")
    expect(control.locator('[data-count-kind="authority"] [data-drafts]')).to_have_text("1")
