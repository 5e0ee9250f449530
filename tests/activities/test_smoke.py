import pytest

from tests.factories import join, live_session


@pytest.mark.django_db
def test_a_participant_lands_in_a_group():
    session = live_session()
    person = join(session, "Ana")
    assert person.group.number == 1
