"""Phones that drop off the network, and a server that dies mid-session.

A phone goes offline for real: Chromium's offline emulation plus a relay
(`FlakyLink`) that breaks its open connections, since the emulation alone
leaves an open event stream flowing.
"""

import pytest
from playwright.sync_api import expect

from .conftest import (
    STEP_TITLES,
    click_control,
    connected_count,
    mark,
    not_reloaded,
    stage_title,
)

RECONNECT_MS = 15_000  # a phone back online shows the current step within this
RESTART_MS = 20_000  # every screen follows again within this after a restart


def go_offline(phone, link):
    phone.context.set_offline(True)
    link.cut()


def go_online(phone, link):
    link.restore()
    phone.context.set_offline(False)


@pytest.mark.browser
def test_a_phone_back_online_shows_the_current_step(open_room, flaky_link):
    wifi = flaky_link()
    room = open_room(("Ana", "Bo"))
    chen = room.add_phone("Chen", via="link", server=wifi)
    control = room.control
    connected_count(control, 3)
    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])
    for page in room.everyone():
        mark(page)

    go_offline(chen, wifi)
    connected_count(control, 2)

    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1], phones=[room.phone("Ana"), room.phone("Bo")])
    expect(stage_title(chen)).to_have_text(STEP_TITLES[0])  # it really was offline

    go_online(chen, wifi)
    expect(stage_title(chen)).to_have_text(STEP_TITLES[1], timeout=RECONNECT_MS)
    connected_count(control, 3)

    # And it keeps following.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[2])
    for page in room.everyone():
        assert not_reloaded(page), page.url


@pytest.mark.browser
def test_the_whole_class_back_online_shows_the_current_step(open_room, flaky_link):
    # The room's Wi-Fi drops for every phone; the facilitator's laptop and the
    # projector are on a cable and carry on.
    wifi = flaky_link()
    room = open_room(("Ana", "Bo", "Chen"), phone_server=wifi)
    control = room.control
    connected_count(control, 3)
    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])
    for page in room.everyone():
        mark(page)

    for phone in room.phones:
        go_offline(phone, wifi)
    connected_count(control, 0)

    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1], phones=[])

    for phone in room.phones:
        go_online(phone, wifi)
    connected_count(control, 3)
    for phone in room.phones:
        expect(stage_title(phone)).to_have_text(STEP_TITLES[1], timeout=RECONNECT_MS)
    for page in room.everyone():
        assert not_reloaded(page), page.url


@pytest.mark.browser
def test_every_screen_follows_again_after_the_server_is_killed_and_restarted(open_room, server):
    room = open_room(("Ana", "Bo", "Chen"), group_size=2)
    control = room.control
    click_control(control, "Start")
    room.expect_step(STEP_TITLES[0])
    connected_count(control, 3)
    for page in [*room.everyone(), control]:
        mark(page)

    server.restart()  # SIGKILL, then the same port and database

    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[1], timeout=RESTART_MS)
    connected_count(control, 3)

    # The pages' streams are back for good: the next change arrives as usual.
    click_control(control, "Next step")
    room.expect_step(STEP_TITLES[2])
    expect(room.phone("Ana").locator("#live-group h2")).to_have_text("Your group: Group 1")
    for page in [*room.everyone(), control]:
        assert not_reloaded(page), page.url
