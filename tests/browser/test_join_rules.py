"""The facilitator's join rules, played through: approving each join, and
deleting everyone's data at once."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import display_code


def ask_to_join(phone, code, nickname):
    phone.goto("/join")
    phone.get_by_label("Room code").fill(display_code(code).lower())
    phone.get_by_role("button", name="Join").click()
    phone.get_by_label("Nickname").fill(nickname)
    phone.get_by_role("button", name="Join").click()


@pytest.mark.browser
def test_approving_each_join(open_room, people):
    room = open_room(("Ana", "Bo", "Chen"))
    roster = room.control.locator("#live-control-roster")
    roster.get_by_role("button", name="Approve each join").click()
    expect(roster.get_by_role("button", name="Stop approving each join")).to_be_visible()

    dara, eve = people.phone(), people.phone()
    ask_to_join(dara, room.code, "Dara")
    ask_to_join(eve, room.code, "Eve")
    for phone in (dara, eve):
        expect(phone.get_by_role("heading", name="Waiting to be let in")).to_be_visible()
    expect(roster.get_by_role("heading", name="2 people waiting to be let in")).to_be_visible()

    # Let one in: that phone moves into the room by itself; refuse the other.
    roster.get_by_role("button", name="Let in Dara", exact=True).click()
    expect(dara).to_have_url(re.compile(rf"/r/{room.code}$"), timeout=15_000)
    expect(dara.locator("#live-stage h1")).to_have_text("You're in!")
    expect(dara.locator("#live-group")).to_contain_text("Dara")
    roster.get_by_role("button", name="Refuse Eve", exact=True).click()
    expect(eve.get_by_role("heading", name="You were not let in")).to_be_visible(timeout=15_000)

    expect(roster.locator(".counts")).to_contain_text("4 people joined")
    expect(room.projector.locator(".lobby-count")).to_have_text("4 people have joined")


@pytest.mark.browser
def test_deleting_everyones_data_at_once(open_room):
    room = open_room(("Ana", "Bo", "Chen"))
    control = room.control
    roster = control.locator("#live-control-roster")
    roster.get_by_text("Delete everyone's data now").click()
    roster.get_by_label("Yes, delete it all now").check()
    roster.get_by_role("button", name="Delete the data").click()

    expect(roster).to_contain_text("Only the count is kept: 3 people took part.", timeout=15_000)
    expect(roster.get_by_text("Ana", exact=True)).to_have_count(0)
    for phone in room.phones:
        expect(phone.get_by_role("heading", name="The session has ended")).to_be_visible(
            timeout=15_000
        )
    # A reload finds nothing of it either.
    control.reload()
    expect(control.get_by_text("Bo", exact=True)).to_have_count(0)
