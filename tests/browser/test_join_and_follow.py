"""Joining a room from phones, forming groups, and following the facilitator."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    STEP_TITLES,
    click_control,
    connected_count,
    create_session,
    display_code,
    group_heading,
    group_members,
    join,
    mark,
    not_reloaded,
    projector_title,
    screenshot,
    stage_title,
    step_button,
)


def joined_text(count):
    return f"{count} person has joined" if count == 1 else f"{count} people have joined"


@pytest.mark.browser
def test_phones_join_by_code_or_qr_link_into_balanced_groups(people, server):
    control = people.facilitator()
    code = create_session(control, title="Class 9B", group_size=2)
    projector = people.projector(control, code)

    # The lobby on the big screen: code, QR code and the link it holds, count.
    lobby = projector.locator("#live-projector")
    expect(lobby.locator(".lobby-code")).to_have_text(display_code(code))
    expect(lobby.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    expect(lobby.locator(".qr svg")).to_have_count(1)
    link = f"{server.url}/join/{code}"
    expect(lobby.locator(".lobby-url")).to_have_text(link)
    expect(lobby.locator(".lobby-count")).to_have_text(joined_text(0))
    mark(projector)

    # Two type the code as people do (lower case, with the dash), two open
    # the QR code's link; the projector counts them as they arrive.
    phones = {}
    for count, (nickname, via) in enumerate(
        [("Ana", "typed"), ("Bo", "link"), ("Chen", "typed"), ("Dara", "link")], start=1
    ):
        phone = people.phone()
        join(phone, code, nickname, via=via, link=lobby.locator(".lobby-url").inner_text())
        mark(phone)
        phones[nickname] = phone
        expect(lobby.locator(".lobby-count")).to_have_text(joined_text(count))
        expect(stage_title(phone)).to_have_count(0)
        expect(phone.locator("#live-stage h1")).to_have_text("You're in!")

    # Groups of two, filled as people arrive; each phone lists its group,
    # including the members who joined after it.
    for nickname, group, members in [
        ("Ana", "Group 1", ["Ana", "Bo"]),
        ("Bo", "Group 1", ["Ana", "Bo"]),
        ("Chen", "Group 2", ["Chen", "Dara"]),
        ("Dara", "Group 2", ["Chen", "Dara"]),
    ]:
        expect(group_heading(phones[nickname])).to_have_text(f"Your group: {group}")
        expect(group_members(phones[nickname])).to_have_text(members)
    roster = control.locator("#live-control-roster")
    expect(roster.locator(".group-card h3")).to_have_text(["Group 1 (2)", "Group 2 (2)"])
    expect(roster.locator(".counts")).to_contain_text("4 people joined")
    connected_count(control, 4)

    # Nothing above needed a reload.
    assert not_reloaded(projector)
    for nickname, phone in phones.items():
        assert not_reloaded(phone), nickname

    screenshot(phones["Ana"], "participant-lobby")
    screenshot(projector, "projector-lobby")
    screenshot(control, "control-lobby")


@pytest.mark.browser
def test_every_screen_follows_the_facilitator_through_the_steps(open_room):
    assert STEP_TITLES[:3] == [
        "Introducing the Universal Declaration of Human Rights",
        "Understanding the right to protest",
        "Maryia Kalesnikava’s story",
    ]
    room = open_room(("Ana", "Bo", "Chen"), group_size=2)
    control = room.control
    for page in [*room.everyone(), control]:
        mark(page)
    for phone in room.phones:
        expect(phone.locator("#live-stage h1")).to_have_text("You're in!")
    connected_count(control, 3)

    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])
    screenshot(room.phones[0], "participant-step")
    screenshot(room.projector, "projector-step")
    screenshot(control, "control-step")

    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1])

    # Jump ahead by clicking a step in the list, then back one.
    step_button(control, STEP_TITLES[3]).click()
    room.expect_step(STEP_TITLES[3])
    click_control(control, "Previous")
    room.expect_step(STEP_TITLES[2])

    for page in [*room.everyone(), control]:
        assert not_reloaded(page), page.url

    # Someone arriving late lands straight on the current step, in the group
    # with room left; that group's phone sees them arrive.
    late = room.add_phone("Eli")
    expect(stage_title(late)).to_have_text(STEP_TITLES[2])
    expect(group_heading(late)).to_have_text("Your group: Group 2")
    expect(group_members(late)).to_have_text(["Chen", "Eli"])
    expect(group_members(room.phone("Chen"))).to_have_text(["Chen", "Eli"])
    expect(group_members(room.phone("Ana"))).to_have_text(["Ana", "Bo"])
    mark(late)

    # ... and from then on follows like everyone else.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[3])
    assert not_reloaded(late)


@pytest.mark.browser
def test_a_reload_or_a_second_tab_is_the_same_participant(open_room):
    room = open_room(("Ana", "Bo", "Chen"), group_size=2)
    control = room.control
    click_control(control, "Start")
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1])

    ana = room.phone("Ana")
    ana.reload()
    expect(ana.locator(".whoami")).to_contain_text("Ana")
    expect(stage_title(ana)).to_have_text(STEP_TITLES[1])
    expect(group_heading(ana)).to_have_text("Your group: Group 1")
    expect(group_members(ana)).to_have_text(["Ana", "Bo"])
    mark(ana)

    # The reloaded page still follows.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[2])

    # A second tab on the same phone, even through the join link, is Ana again.
    tab = ana.context.new_page()
    tab.goto(f"/join/{room.code}")
    expect(tab).to_have_url(re.compile(rf"/r/{room.code}$"))
    expect(tab.locator(".whoami")).to_contain_text("Ana")
    expect(stage_title(tab)).to_have_text(STEP_TITLES[2])
    expect(group_heading(tab)).to_have_text("Your group: Group 1")
    expect(group_members(tab)).to_have_text(["Ana", "Bo"])
    mark(tab)

    roster = control.locator("#live-control-roster")
    expect(roster.locator(".counts")).to_contain_text("3 people joined")
    connected_count(control, 3)

    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[3])
    expect(stage_title(tab)).to_have_text(STEP_TITLES[3])

    # Closing one of the two tabs leaves Ana connected through the other.
    tab.close()
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[4])
    connected_count(control, 3)
    assert not_reloaded(ana)
    expect(projector_title(room.projector)).to_have_text(STEP_TITLES[4])
