"""The control view's roster for a full hall: one group-number field per
person instead of a list of every group (issue 7)."""

import re

import pytest
from django.urls import reverse

from activities import services
from activities.live.render import render_part
from tests.factories import join, live_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return live_session(group_size=2)


@pytest.fixture
def facilitator_client(client, session):
    client.force_login(session.facilitator)
    return client


def _move(client, session, person, number, **headers):
    return client.post(
        reverse("move_participant", args=[session.room_code, person.pk]),
        {"group_number": number},
        headers=headers,
    )


def test_the_roster_grows_with_people_not_people_times_groups(session):
    people = [join(session, f"P{number}") for number in range(40)]  # 20 groups
    html = render_part(session.pk, "control-roster", "en")[1]
    assert "<option" not in html
    fields = re.findall(r'<input id="move-(\d+)" class="group-number"[^>]*value="(\d+)"', html)
    assert len(fields) == 40
    numbers = {person.pk: person.group.number for person in people}
    assert all(numbers[int(pk)] == int(value) for pk, value in fields)
    assert f'for="move-{people[0].pk}">Move P0 to group number</label>' in html


def test_moving_by_group_number(facilitator_client, session):
    ana, ben, cy = (join(session, name) for name in ("Ana", "Ben", "Cy"))
    target = cy.group
    response = _move(facilitator_client, session, ana, str(target.number))
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.group == target
    response = _move(facilitator_client, session, ben, f" {target.number} ", HX_Request="true")
    assert response.status_code == 204
    ben.refresh_from_db()
    assert ben.group == target


@pytest.mark.parametrize("number", ["99", "0", "-1", "two", ""])
def test_a_group_number_that_does_not_exist_is_refused_with_a_reason(
    facilitator_client, session, number
):
    ana = join(session, "Ana")
    before = ana.group_id
    response = _move(facilitator_client, session, ana, number, HX_Request="true")
    assert response.status_code == 409
    assert "There is no group with that number." in response.content.decode()
    plain = _move(facilitator_client, session, ana, number)
    assert plain.status_code == 302
    ana.refresh_from_db()
    assert ana.group_id == before


def test_another_sessions_group_number_is_not_this_sessions(facilitator_client, session):
    ana = join(session, "Ana")
    other = live_session(group_size=2)
    for name in ("A", "B", "C", "D", "E"):
        join(other, name)  # groups 1-3 there, one here
    response = _move(facilitator_client, session, ana, "3", HX_Request="true")
    assert response.status_code == 409
    services.group_add(session=session)
    assert _move(facilitator_client, session, ana, "2", HX_Request="true").status_code == 204
