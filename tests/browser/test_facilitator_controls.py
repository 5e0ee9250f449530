"""What the facilitator can do to the room, seen on the phones and the projector."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    OTHER_FACILITATOR,
    STEP_TITLES,
    click_control,
    group_heading,
    group_members,
    join,
    mark,
    move_person,
    not_reloaded,
    projector_title,
    remove_person,
    stage_title,
)

LOCKED = "This room is locked. Ask the facilitator to unlock it."


def seconds(text):
    minutes, secs = text.split(":")
    return int(minutes) * 60 + int(secs)


@pytest.mark.browser
def test_a_locked_room_lets_nobody_new_in_until_unlocked(open_room, people):
    room = open_room(("Ana", "Bo", "Chen"))
    control, projector = room.control, room.projector
    roster = control.locator("#live-control-roster")
    mark(projector)

    # Someone already has the nickname form open when the room gets locked.
    slow = people.phone()
    slow.goto(f"/join/{room.code}")
    slow.get_by_label("Nickname").fill("Slow")

    roster.get_by_role("button", name="Lock the room").click()
    expect(roster.get_by_text("Locked: nobody new can join")).to_be_visible()
    expect(roster.get_by_role("button", name="Unlock the room")).to_be_visible()
    expect(projector.locator("#live-projector")).to_contain_text("The room is locked.")

    # A new phone typing the code is told the room is locked, with no form.
    newcomer = people.phone()
    newcomer.goto("/join")
    newcomer.get_by_label("Room code").fill(f"{room.code[:3]}-{room.code[3:]}".lower())
    newcomer.get_by_role("button", name="Join").click()
    expect(newcomer).to_have_url(re.compile(rf"/join/{room.code}$"))
    expect(newcomer.get_by_role("alert")).to_have_text(LOCKED)
    expect(newcomer.get_by_label("Nickname")).to_have_count(0)

    # The form that was already open is refused too.
    slow.get_by_role("button", name="Join").click()
    expect(slow.get_by_role("alert")).to_contain_text("This room is locked")
    expect(slow).to_have_url(re.compile(rf"/join/{room.code}$"))

    expect(roster.locator(".counts")).to_contain_text("3 people joined")
    expect(projector.locator(".lobby-count")).to_have_text("3 people have joined")

    roster.get_by_role("button", name="Unlock the room").click()
    expect(roster.get_by_role("button", name="Lock the room")).to_be_visible()
    expect(roster.get_by_text("Locked: nobody new can join")).to_have_count(0)
    expect(projector.locator("#live-projector")).not_to_contain_text("The room is locked.")

    newcomer.reload()
    join(newcomer, room.code, "Dara", via="link")
    expect(newcomer.locator("#live-stage h1")).to_have_text("You're in!")
    expect(projector.locator(".lobby-count")).to_have_text("4 people have joined")
    expect(roster.locator(".counts")).to_contain_text("4 people joined")
    assert not_reloaded(projector)


@pytest.mark.browser
def test_a_removed_participant_is_told_and_cannot_come_back(open_room):
    room = open_room(("Ana", "Bo", "Chen"))
    control, projector = room.control, room.projector
    bo = room.phone("Bo")
    for page in room.everyone():
        mark(page)
    expect(group_members(room.phone("Ana"))).to_have_text(["Ana", "Bo", "Chen"])

    remove_person(control, "Bo")  # accepts "Remove Bo from the session?"
    expect(bo.locator("#live-bye")).to_contain_text(
        "The facilitator removed you from this session."
    )
    assert not_reloaded(bo)
    for nickname in ("Ana", "Chen"):
        expect(group_members(room.phone(nickname))).to_have_text(["Ana", "Chen"])
    expect(projector.locator(".lobby-count")).to_have_text("2 people have joined")
    roster = control.locator("#live-control-roster")
    expect(roster.locator(".counts")).to_contain_text("2 people joined")
    expect(roster.locator("details.removed summary")).to_have_text("1 person removed")
    for page in room.everyone():
        assert not_reloaded(page), page.url

    # Reloading sends Bo to the join page, which says why and offers no form.
    bo.reload()
    expect(bo).to_have_url(re.compile(rf"/join/{room.code}$"))
    expect(bo.get_by_role("alert")).to_have_text(
        "You were removed from this session by the facilitator."
    )
    expect(bo.get_by_label("Nickname")).to_have_count(0)
    bo.goto(f"/r/{room.code}")
    expect(bo).to_have_url(re.compile(rf"/join/{room.code}$"))
    bo.goto("/join")
    bo.get_by_label("Room code").fill(room.code)
    bo.get_by_role("button", name="Join").click()
    expect(bo.get_by_role("alert")).to_have_text(
        "You were removed from this session by the facilitator."
    )
    expect(roster.locator(".counts")).to_contain_text("2 people joined")


@pytest.mark.browser
def test_a_removed_phone_stops_following_the_session(open_room):
    room = open_room(("Ana", "Bo", "Chen"))
    control = room.control
    bo = room.phone("Bo")
    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])

    remove_person(control, "Bo")
    expect(bo.locator("#live-bye")).to_contain_text("removed you")

    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1], phones=[room.phone("Ana"), room.phone("Chen")])
    # The others have the new step; had Bo's stream still been fed, it would
    # have arrived with theirs. Give it a moment more all the same. Bo's phone
    # keeps only the notice: no step, no group.
    bo.wait_for_timeout(1000)
    expect(bo.locator("#live-stage")).to_have_count(0)
    expect(bo.locator("#live-group")).to_have_count(0)
    expect(bo.get_by_text(STEP_TITLES[1])).to_have_count(0)
    expect(bo.get_by_text("Chen")).to_have_count(0)


@pytest.mark.browser
def test_moving_a_person_updates_both_groups_phones(open_room):
    room = open_room(("Ana", "Bo", "Chen", "Dara"), group_size=2)
    control = room.control
    for phone in room.phones:
        mark(phone)
    expect(group_members(room.phone("Ana"))).to_have_text(["Ana", "Bo"])
    expect(group_members(room.phone("Chen"))).to_have_text(["Chen", "Dara"])

    move_person(control, "Bo", "Group 2")
    roster = control.locator("#live-control-roster")
    expect(roster.locator(".group-card h3")).to_have_text(["Group 1 (1)", "Group 2 (3)"])

    # The group Bo left, and the group Bo joined.
    expect(group_members(room.phone("Ana"))).to_have_text(["Ana"])
    for nickname in ("Chen", "Dara"):
        expect(group_heading(room.phone(nickname))).to_have_text("Your group: Group 2")
        expect(group_members(room.phone(nickname))).to_have_text(["Bo", "Chen", "Dara"])
    # Bo's own phone: now in Group 2, with its new members.
    bo = room.phone("Bo")
    expect(group_heading(bo)).to_have_text("Your group: Group 2")
    expect(group_members(bo)).to_have_text(["Bo", "Chen", "Dara"])
    for phone in room.phones:
        assert not_reloaded(phone)


@pytest.mark.browser
def test_the_step_timer_counts_pauses_and_extends(open_room):
    room = open_room(("Ana", "Bo", "Chen"))
    control, projector = room.control, room.projector
    phone = room.phone("Ana")
    click_control(control, "Start")  # step 1: 5 minutes
    room.expect_step(STEP_TITLES[0])

    mm_ss = re.compile(r"^\d{1,2}:\d{2}$")
    screens = {
        "phone": phone.locator("#live-stage .timer"),
        "projector": projector.locator("#live-projector .timer"),
        "control": control.locator("#live-control-step .timer"),
    }
    for timer in screens.values():
        expect(timer.locator(".timer-value")).to_have_text(mm_ss)
        assert 240 < seconds(timer.locator(".timer-value").inner_text()) <= 300
        expect(timer.locator(".timer-paused")).to_have_count(0)
    # It runs.
    start = seconds(screens["phone"].locator(".timer-value").inner_text())
    expect(screens["phone"].locator(".timer-value")).not_to_have_text(
        f"{start // 60}:{start % 60:02d}", timeout=3000
    )

    click_control(control, "Pause timer")
    for timer in screens.values():
        expect(timer.locator(".timer-paused")).to_have_text("(paused)")
    expect(control.get_by_role("button", name="Resume timer")).to_be_visible()
    paused = {name: timer.locator(".timer-value").inner_text() for name, timer in screens.items()}
    phone.wait_for_timeout(1500)  # more than one tick of the clock
    for name, timer in screens.items():
        expect(timer.locator(".timer-value")).to_have_text(paused[name], timeout=1)
    left = seconds(paused["phone"])

    click_control(control, "+5 min")
    for timer in screens.values():
        expect(timer.locator(".timer-value")).to_have_text(
            f"{(left + 300) // 60}:{(left + 300) % 60:02d}"
        )
        expect(timer.locator(".timer-paused")).to_have_text("(paused)")

    click_control(control, "Resume timer")
    for timer in screens.values():
        expect(timer.locator(".timer-paused")).to_have_count(0)
    expect(control.get_by_role("button", name="Pause timer")).to_be_visible()
    expect(screens["phone"].locator(".timer-value")).not_to_have_text(
        f"{(left + 300) // 60}:{(left + 300) % 60:02d}", timeout=3000
    )
    running = seconds(screens["projector"].locator(".timer-value").inner_text())
    assert left + 290 < running <= left + 300

    click_control(control, "+1 min")
    expect(screens["projector"].locator(".timer-value")).to_have_text(re.compile(r"^\d+:\d\d$"))
    projector.wait_for_function(
        "min => { const t = document.querySelector('#live-projector .timer-value').textContent;"
        " const [m, s] = t.split(':').map(Number); return m * 60 + s >= min; }",
        arg=running + 50,
        timeout=10_000,
    )


@pytest.mark.browser
def test_ending_the_session_ends_it_on_every_screen(open_room, people):
    room = open_room(("Ana", "Bo", "Chen"))
    control, projector = room.control, room.projector
    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])
    for page in room.everyone():
        mark(page)

    control.get_by_role("button", name="End the session").click()  # accepts the confirm
    for phone in room.phones:
        expect(phone.locator("#live-stage h1")).to_have_text("The session has ended")
        expect(phone.locator("#live-stage")).to_contain_text("Thank you for taking part!")
        expect(stage_title(phone)).to_have_count(0)
    expect(projector.locator(".projector-end h1")).to_have_text("Thank you!")
    expect(projector.locator(".projector-end")).to_contain_text("3 people took part.")
    expect(projector_title(projector)).to_have_count(0)
    expect(control.locator("#live-control-step")).to_contain_text("This session has ended.")
    for page in room.everyone():
        assert not_reloaded(page), page.url

    # Nobody can join an ended session.
    late = people.phone()
    late.goto(f"/join/{room.code}")
    expect(late.get_by_role("alert")).to_have_text(
        "This session has ended. Thank you for taking part!"
    )
    expect(late.get_by_label("Nickname")).to_have_count(0)


@pytest.mark.browser
def test_another_facilitator_cannot_open_the_session(open_room, people):
    room = open_room(("Ana", "Bo", "Chen"))
    other = people.facilitator(OTHER_FACILITATOR)
    expect(other.get_by_role("link", name="Class 9B")).to_have_count(0)
    for path in (f"/sessions/{room.code}/", f"/sessions/{room.code}/projector"):
        response = other.goto(path)
        assert response.status == 404, path
    response = other.request.get(f"/sessions/{room.code}/events")
    assert response.status == 403
    response = other.request.get(f"/sessions/{room.code}/poll")
    assert response.status == 403

    # Their own actions on it go nowhere either: the room is unchanged.
    response = other.request.post(
        f"/sessions/{room.code}/next",
        headers={"X-CSRFToken": _csrf_token(other), "Referer": other.url},
    )
    assert response.status == 404
    click_control(room.control, "Start")
    room.expect_step(STEP_TITLES[0])


def _csrf_token(page):
    page.goto("/sessions/")
    return page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
