"""Every page checked by axe-core (WCAG 2.2 A and AA, and best practices): no
serious or critical violation anywhere. Beside axe, what it cannot see: text
at 200 % on a 320px phone, the projector's font-size floor, states that do
not rest on colour alone (forced colours), motion when the system asks for
less, and buttons' accessible names.

Two walks rather than a session per page, to stay fast: the pages around a
session (joining, signing in, errors, the dashboard), then one whole session
with a facilitator, the projector and two phones, checked at every step on
every screen. Phones at 320x640, the projector at 1920x1080, the control view
at 1280x800.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    FACILITATOR,
    PASSWORD,
    STEP_TITLES,
    assert_accessible,
    assert_no_control_covers_another,
    click_control,
    create_session,
    join,
    manage,
)

SMALL_PHONE = {"width": 320, "height": 640}

# The projector's font-size floor at 1920x1080 (docs/accessibility.md).
PROJECTOR_MIN_PX = 28
PROJECTOR_READ_ALOUD_MIN_PX = 32
PROJECTOR_TITLE_MIN_PX = 48


def small(page):
    page.set_viewport_size(SMALL_PHONE)
    return page


# -- What axe does not measure ---------------------------------------------------

_REFLOW_AT_200 = """() => {
  const root = document.documentElement;
  root.style.fontSize = '200%';  // CSSOM: allowed by the Content-Security-Policy
  try {
    const width = root.clientWidth;
    const problems = [];
    if (root.scrollWidth > width) problems.push(`page ${root.scrollWidth}px wide for ${width}px`);
    const controls = document.querySelectorAll(
      'main :is(a[href], button, input:not([type=hidden]), select, textarea, summary, label)');
    for (const el of controls) {
      const box = el.getBoundingClientRect();
      if (!box.width || !box.height || el.closest('.visually-hidden')) continue;
      const text = (el.textContent || el.name || '').trim().slice(0, 40);
      const name = `${el.tagName.toLowerCase()} "${text}"`;
      if (box.left < -1 || box.right > width + 1) problems.push(`${name} outside the screen`);
      else if (!['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
               && el.scrollWidth > el.clientWidth + 1
               && getComputedStyle(el).overflowX !== 'visible')
        problems.push(`${name} clipped`);
    }
    return problems;
  } finally {
    root.style.fontSize = '';
  }
}"""


def assert_reflows_at_200_percent(page, what):
    """WCAG 1.4.4 and 1.4.10: the text at 200 % on a 320px phone, and
    nothing scrolls sideways or is cut off."""
    problems = page.evaluate(_REFLOW_AT_200)
    assert not problems, f"{what} at 200 % text on a 320px phone: {problems}"


def assert_control_view_fits_a_phone(control, what):
    """The control view is for a laptop and for a phone: checked at both."""
    before = control.viewport_size
    assert_no_control_covers_another(control, f"{what}: control view")
    control.set_viewport_size(SMALL_PHONE)
    try:
        assert_no_control_covers_another(control, f"{what}: control view")
    finally:
        control.set_viewport_size(before)


_PROJECTOR_FONTS = """([least, readAloud, title]) => {
  const problems = [];
  const walker = document.createTreeWalker(
    document.getElementById('live-projector'), NodeFilter.SHOW_TEXT);
  let checked = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest('.visually-hidden, [aria-hidden=true]')) continue;
    if (!el.getClientRects().length) continue;
    checked += 1;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const text = node.textContent.trim().slice(0, 30);
    const floor = el.closest('h1') ? title : el.closest('.read-aloud') ? readAloud : least;
    if (size < floor - 0.01) problems.push(`"${text}" ${size}px < ${floor}px`);
  }
  return {checked, problems};
}"""


def assert_projector_readable(projector, what):
    assert projector.viewport_size == {"width": 1920, "height": 1080}
    found = projector.evaluate(
        _PROJECTOR_FONTS,
        [PROJECTOR_MIN_PX, PROJECTOR_READ_ALOUD_MIN_PX, PROJECTOR_TITLE_MIN_PX],
    )
    assert found["checked"] > 0, what
    assert not found["problems"], f"projector, {what}: {found['problems']}"


def check_all(room, what, phones=None):
    """axe on the phones (or those given), the projector and the control
    view; the first phone also at 200 % text; the projector's font sizes."""
    phones = room.phones if phones is None else phones
    for phone in phones:
        assert_accessible(phone, context=f"{what}: phone")
    if phones:
        assert_reflows_at_200_percent(phones[0], what)
    assert_accessible(room.projector, context=f"{what}: projector")
    assert_projector_readable(room.projector, what)
    assert_accessible(room.control, context=f"{what}: control view")
    assert_control_view_fits_a_phone(room.control, what)


def exactly_one(page, role, name):
    expect(page.get_by_role(role, name=name, exact=True)).to_have_count(1)


# -- The pages around a session ------------------------------------------------------


@pytest.mark.browser
def test_pages_around_a_session_are_accessible(people, server):
    phone = small(people.phone())

    # Joining: the start page, the code form, a wrong code, the privacy page.
    phone.goto("/")
    assert_accessible(phone, context="start page")
    assert_reflows_at_200_percent(phone, "start page")
    phone.goto("/join")
    assert_accessible(phone, context="room code form")
    phone.get_by_label("Room code").fill("ZZZ-ZZZZ")
    phone.get_by_role("button", name="Join").click()
    expect(phone.locator(".error")).to_be_visible()
    assert_accessible(phone, context="room code form with an error")
    phone.goto("/privacy")
    assert_accessible(phone, context="privacy page")
    assert_reflows_at_200_percent(phone, "privacy page")
    phone.goto("/no-such-page")
    assert_accessible(phone, context="404 page")

    # Signing in and resetting a password, as a facilitator on a laptop.
    visitor = people.visitor()
    visitor.goto("/accounts/login/")
    assert_accessible(visitor, context="sign-in page")
    visitor.get_by_label("Username").fill(FACILITATOR)
    visitor.get_by_label("Password").fill("not the password")
    visitor.get_by_role("button", name="Sign in").click()
    expect(visitor.locator(".error")).to_be_visible()
    assert_accessible(visitor, context="sign-in page with an error")
    visitor.get_by_role("link", name="Forgotten your password?").click()
    expect(visitor.locator("h1")).to_have_text("Password reset")
    assert_accessible(visitor, context="password reset")
    visitor.get_by_label("Email").fill("teacher@example.org")
    visitor.get_by_role("button", name="Reset my password").click()
    expect(visitor).to_have_url(re.compile("password_reset/done"))
    assert_accessible(visitor, context="password reset sent")
    visitor.goto("/accounts/reset/MQ/not-a-token/")
    expect(visitor.locator("h1")).to_have_text("Password reset confirmation")
    assert_accessible(visitor, context="password reset link no longer valid")

    control = people.facilitator()
    assert_accessible(control, context="dashboard, no session yet")
    code = create_session(control, title="Class 9B", group_size=2)
    projector = people.projector(control, code)
    assert_accessible(projector, context="projector lobby with the QR code")
    control.goto("/sessions/")
    assert_accessible(control, context="dashboard with a session")
    control.goto(f"/sessions/{code}/")

    # The nickname form, empty and refused; the lobby on a phone.
    phone.goto(f"/join/{code}")
    assert_accessible(phone, context="nickname form")
    phone.get_by_role("button", name="Join").click()
    expect(phone.locator(".error")).to_be_visible()
    assert_accessible(phone, context="nickname form with an error")
    join(phone, code, "Ana", via="link")
    assert_accessible(phone, context="participant lobby")
    assert_reflows_at_200_percent(phone, "participant lobby")
    expect(control.locator("#live-control-roster")).to_contain_text("Ana")
    exactly_one(control, "button", "Move Ana")
    exactly_one(control, "button", "Remove Ana")
    exactly_one(control, "spinbutton", "Move Ana to group number")
    assert_accessible(control, context="control view, the lobby")
    assert_control_view_fits_a_phone(control, "control view, the lobby")

    # Approving each join: the waiting page and the control view's list.
    control.get_by_role("button", name="Approve each join").click()
    expect(control.get_by_role("button", name="Stop approving each join")).to_be_visible()
    waiting = small(people.phone())
    waiting.goto(f"/join/{code}")
    waiting.get_by_label("Nickname").fill("Bo")
    waiting.get_by_role("button", name="Join").click()
    expect(waiting.locator("h1")).to_have_text("Waiting to be let in")
    assert_accessible(waiting, context="waiting to be let in")
    exactly_one(control, "button", "Let in Bo")
    exactly_one(control, "button", "Refuse Bo")
    assert_accessible(control, context="control view, someone waiting")
    assert_control_view_fits_a_phone(control, "control view, someone waiting")

    # A locked room, as a phone arriving late sees it.
    control.get_by_role("button", name="Lock the room").click()
    expect(control.get_by_role("button", name="Unlock the room")).to_be_visible()
    late = small(people.phone())
    late.goto(f"/join/{code}")
    expect(late.locator(".notice")).to_contain_text("locked")
    assert_accessible(late, context="join page of a locked room")
    expect(projector.locator(".notice")).to_have_text("The room is locked.")
    assert_accessible(projector, context="projector lobby, the room locked")

    # An expired form (403) and too many wrong codes (429).
    late.goto("/join")
    late.context.clear_cookies()
    late.get_by_label("Room code").fill("AAA-AAAA")
    late.get_by_role("button", name="Join").click()
    expect(late.locator("h1")).to_have_text("That form has expired")
    assert_accessible(late, context="403 page (form expired)")
    phone.goto("/join")
    token = phone.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    for _ in range(12):  # wrong codes, sent straight (the limit is 10 a minute)
        answer = phone.request.post(
            "/join",
            form={"csrfmiddlewaretoken": token, "code": "AAA-AAAA"},
            headers={"Referer": phone.url},
        )
        if answer.status == 429:
            break
    phone.get_by_label("Room code").fill("AAA-AAAA")
    phone.get_by_role("button", name="Join").click()
    expect(phone.locator("h1")).to_have_text("Too many tries")
    assert_accessible(phone, context="429 page")


_CREATE_ADMIN = f"""
from django.contrib.auth import get_user_model
get_user_model().objects.create_superuser("section-admin", "admin@example.org", {PASSWORD!r})
"""


@pytest.mark.browser
def test_the_admins_pages_are_accessible(people, app_env):
    """The pages of a section's staff: case packs and the campaign tally."""
    manage(app_env["env"], "shell", "-c", _CREATE_ADMIN)
    admin = people.visitor()
    admin.goto("/admin/login/")
    assert_accessible(admin, context="admin sign-in")
    admin.get_by_label("Username").fill("section-admin")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    expect(admin).to_have_url(re.compile(r"/admin/$"))
    assert_accessible(admin, context="admin index")
    admin.get_by_role("link", name="Cases", exact=True).click()
    expect(admin).to_have_url(re.compile(r"/admin/activities/case/$"))
    assert_accessible(admin, context="admin: the cases")
    change = admin.locator("#result_list th a").first.get_attribute("href")
    admin.get_by_role("link", name=re.compile("Load a case pack")).click()
    assert_accessible(admin, context="admin: load a case pack")
    for path, what in (
        (change, "a case"),
        (change.replace("/change/", "/content/"), "a case's texts"),
        ("/admin/letters/tally/", "the tally"),
        ("/admin/letters/tally/totals/", "the tally's totals"),
    ):
        assert admin.goto(path).status == 200, path
        assert_accessible(admin, context=f"admin: {what}")


@pytest.mark.browser
def test_motion_stops_when_the_system_asks(browser, server):
    """prefers-reduced-motion: every transition and animation is off, even
    one set on an element by a script."""
    probe = """() => {
      const el = document.createElement('div');
      el.style.transition = 'opacity 1s';  // CSSOM, as a script would
      el.style.animation = 'spin 1s infinite';
      document.querySelector('main').append(el);
      const all = [...document.querySelectorAll('*')];
      const moving = all.filter((e) => {
        const style = getComputedStyle(e);
        return style.transitionDuration.split(',').some((d) => parseFloat(d) > 0)
          || style.animationName !== 'none';
      });
      return moving.map((e) => e.tagName + '.' + e.className);
    }"""
    for motion, expected in (("no-preference", ["DIV."]), ("reduce", [])):
        context = browser.new_context(base_url=server.url, reduced_motion=motion)
        try:
            page = context.new_page()
            page.goto("/join")
            assert page.evaluate(probe) == expected, motion
        finally:
            context.close()


# -- A whole session ----------------------------------------------------------------


@pytest.mark.browser
def test_a_whole_session_is_accessible_on_every_screen(open_room):
    room = open_room(("Ana", "Bo"), group_size=2)
    control, projector = room.control, room.projector
    ana, bo = room.phones
    for phone in room.phones:
        small(phone)
    steps = control.locator("#live-control-step")

    # Step 1, the UDHR: a right tapped.
    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])
    article_19 = ana.get_by_role("button", name=re.compile(r"^Article 19 "))
    article_19.click()
    expect(article_19).to_have_attribute("aria-pressed", "true")
    check_all(room, "UDHR introduction")

    # Step 2: ideas written, the drawing form open; then the board with a
    # tag and a crossed-out idea; then the reflection questions.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1])
    ana.get_by_label("Write an idea").fill("A silent march to the court")
    ana.get_by_role("button", name="Add my idea").click()
    bo.get_by_label("Write an idea").fill("Paint slogans on the ministry")
    bo.get_by_role("button", name="Add my idea").click()
    expect(ana.locator("#live-group .idea")).to_have_count(2)
    bo.get_by_text("Draw an idea instead").click()
    expect(bo.locator(".draw-canvas")).to_be_visible()
    check_all(room, "ideas, the scenario")
    control.get_by_role("button", name="Everyone’s ideas").click()
    steps.locator("li.idea-control", has_text="A silent march").get_by_role(
        "button", name=re.compile(r"^Assembly")
    ).click()
    slogans = steps.locator("li.idea-control", has_text="Paint slogans")
    slogans.get_by_role("textbox").fill("Graffiti means prison there")
    exactly_one(steps, "button", "Cross out (Bo, Paint slogans on the ministry)")
    slogans.get_by_role("button", name=re.compile(r"^Cross out")).click()
    expect(projector.locator(".idea-board del")).to_have_text("Paint slogans on the ministry")
    expect(bo.locator("#live-group del")).to_have_text("Paint slogans on the ministry")
    expect(ana.locator("#live-group .tag-assembly")).to_be_visible()
    # The pressed tag: a check mark beside the colour, not in its name.
    exactly_one(steps, "button", "Assembly (Ana, A silent march to the court)")
    check_all(room, "ideas on the board, one crossed out")
    control.get_by_role("button", name="The reflection questions").click()
    expect(ana.locator(".reflection-block")).to_be_visible()
    ana.get_by_label(re.compile(r"^1\. How would you feel")).fill("Angry and afraid")
    expect(ana.locator(".answer-form .save-status").first).to_have_text("Saved.")
    steps.get_by_role("button", name="Show on the projector (Ana)").click()
    expect(projector.locator(".answer-list")).to_contain_text("Angry and afraid")
    check_all(room, "reflection questions")

    # Step 3, the story: a group note on the projector, a background page.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[2])
    ana.get_by_label("Add your thoughts to your group’s note").fill("She stayed")
    expect(steps).to_contain_text("She stayed")
    check_all(room, "story")
    steps.get_by_role("button", name="Put on the projector (Group 1)", exact=True).click()
    steps.get_by_role(
        "button", name="Show to participants (The right to protest in Belarus)", exact=True
    ).click()
    expect(projector.locator(".featured-note")).to_contain_text("She stayed")
    expect(bo.locator(".backgrounds")).to_be_visible()
    check_all(room, "story, a group's note on the projector")

    # Step 4, matching: a card open and paired; the pressed right and the
    # current step are marked by more than colour when the system forces its
    # own colours. Then the reveal and the closing question.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[3])
    ana.locator("#exp-card-arrested").click()
    ana.locator("#exp-open-arrested").get_by_role("button", name=re.compile(r"^Article 9 ")).click()
    expect(bo.locator("#exp-card-arrested .exp-paired .chip")).to_have_text(["Art. 9"])
    bo.locator("#exp-card-arrested").click()
    check_all(room, "matching, a pair made")
    for page in (ana, control):
        page.emulate_media(forced_colors="active")
    pressed = ana.locator("#exp-open-arrested [aria-pressed=true]")
    expect(pressed).to_have_count(1)
    assert "✓" in pressed.evaluate("b => getComputedStyle(b, '::after').content")
    assert pressed.evaluate("b => parseFloat(getComputedStyle(b).borderTopWidth)") >= 4
    widths = control.locator("#live-control-step .step-button").evaluate_all(
        "bs => bs.map(b => parseFloat(getComputedStyle(b).borderInlineStartWidth))"
    )
    assert widths[4] >= 3 * max(widths[:4] + widths[5:]), widths  # step 4 of lobby + 5
    for page in (ana, control):
        page.emulate_media(forced_colors="none")
    control.get_by_role("button", name="Close the exercise and start the reveal").click()
    expect(projector.locator(".reveal")).to_be_visible()
    control.get_by_role("button", name="Next card").click()
    expect(projector.locator(".reveal-count")).to_have_text("Card 2 of 9")
    expect(ana.locator(".match-compare")).to_be_visible()
    check_all(room, "matching, the reveal")
    ana.get_by_label("What do you think should happen to Maryia now?").fill("Freed")
    ana.get_by_role("button", name="Send my answer").click()
    expect(ana.get_by_text("Sent.")).to_be_visible()
    control.get_by_role("button", name="Show the closing question on the projector").click()
    control.get_by_role("button", name="Show Ana’s answer").click()
    expect(projector.locator(".projector-answers li")).to_have_text(["Freed"])
    check_all(room, "matching, the closing question")

    # Step 5, take action: why letters work, the safety check, the letter
    # editor, the solidarity message and the social actions; a letter finished.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[4])
    control.get_by_role("button", name="Show “Why letters work”").click()
    expect(projector.locator(".why")).to_be_visible()
    expect(ana.locator("#live-stage .why")).to_be_visible()
    check_all(room, "take action, why letters work")
    control.get_by_role("button", name="Start writing").click()
    expect(ana.get_by_role("button", name="Continue")).to_be_visible()
    check_all(room, "take action, the safety check", phones=[ana])
    ana.get_by_label("With my name", exact=True).check()
    ana.get_by_role("button", name="Continue").click()
    ana.get_by_label("Your letter", exact=True).fill("Dear Minister, release Maryia.")
    expect(ana.locator("#status-authority time")).to_be_visible(timeout=15_000)
    ana.get_by_label("Your message", exact=True).fill("Stay strong, Maryia.")
    expect(ana.locator("#status-solidarity time")).to_be_visible(timeout=15_000)
    expect(ana.locator("#social")).to_be_visible()
    exactly_one(ana, "button", "Copy Hashtags")
    assert_accessible(ana, context="take action: letter, message, social actions")
    assert_reflows_at_200_percent(ana, "the letter editor")
    ana.locator("#section-authority").get_by_role("button", name="My letter is finished").click()
    expect(ana.locator("#section-authority")).to_contain_text("Thank you!")
    assert_accessible(ana, context="take action: a finished letter")
    bo.get_by_label("I won't take part").check()
    bo.get_by_role("button", name="Continue").click()
    expect(bo.locator("#not-taking-part")).to_be_visible()
    assert_accessible(bo, context="take action: not taking part")
    expect(control.locator('[data-count-kind="authority"] [data-finished]')).to_have_text("1")
    assert_accessible(control, context="take action: control view, a letter in")
    assert_accessible(projector, context="take action: projector, a letter in")
    assert_projector_readable(projector, "take action")

    # The facilitator's letters: the list and the print page.
    letters = control.context.new_page()
    letters.goto(f"/sessions/{room.code}/letters/")
    expect(letters.locator(".letter-card")).to_have_count(2)
    assert_accessible(letters, context="letters list")
    letters.goto(f"/sessions/{room.code}/print")
    expect(letters.locator(".sheet-letter")).to_have_count(1)
    assert_accessible(letters, context="print page")

    # The end, on every screen; the summary.
    control.get_by_role("button", name="End the session").click()
    expect(projector.locator(".projector-end")).to_be_visible()
    expect(ana.locator("#live-stage h1")).to_have_text("The session has ended")
    check_all(room, "the session ended")
    late = small(room.people.phone())
    late.goto(f"/join/{room.code}")
    expect(late.locator(".notice")).to_contain_text("This session has ended.")
    assert_accessible(late, context="join page of an ended session")
    letters.goto(f"/sessions/{room.code}/summary")
    assert_accessible(letters, context="session summary")
