from datetime import timedelta

import pytest
from django.utils import timezone

from activities import services
from activities.live import bus
from activities.models import Session
from activities.roomcode import ALPHABET, LENGTH, display_room_code, normalize_room_code
from activities.services import SessionError
from tests.factories import join, live_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """Every message the services publish, after their transaction commits."""
    sent = []
    monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
    return sent


def group_sizes(session):
    return sorted(group.members.present().count() for group in session.groups.all())


class TestRoomCodes:
    def test_a_code_has_no_look_alike_characters(self):
        assert not set("0O1IL2Z5S8BGUVQD") & set(ALPHABET)

    def test_codes_are_unique_and_well_formed(self):
        codes = {live_session().room_code for _ in range(20)}
        assert len(codes) == 20
        assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)

    @pytest.mark.parametrize("typed", ["k7m-4pxa", " K7M4PXA ", "k7m 4px-a"])
    def test_typing_is_forgiving(self, typed):
        assert normalize_room_code(typed) == "K7M4PXA"

    @pytest.mark.parametrize("typed", ["", "K7M4PX", "K7M4PXAA", "K0M4PXA", "<script>"])
    def test_wrong_codes_are_refused(self, typed):
        assert normalize_room_code(typed) == ""

    def test_display_splits_the_code(self):
        assert display_room_code("K7M4PXA") == "K7M-4PXA"


class TestJoining:
    def test_nickname_is_trimmed_and_unique_ignoring_case(self):
        session = live_session()
        assert join(session, "  Ana   Maria ").nickname == "Ana Maria"
        with pytest.raises(SessionError, match="already has that nickname"):
            join(session, "ana maria")

    @pytest.mark.parametrize(
        "nickname, message",
        [
            ("", "Choose a nickname"),
            ("   ", "Choose a nickname"),
            ("x" * 31, "at most 30"),
            ("Ana\x00", "control or invisible"),
            ("Ana\u202e", "control or invisible"),
            ("A\u200bna", "control or invisible"),
        ],
    )
    def test_bad_nicknames_are_refused(self, nickname, message):
        with pytest.raises(SessionError, match=message):
            join(live_session(), nickname)

    def test_emoji_and_right_to_left_nicknames_are_fine(self):
        session = live_session()
        assert join(session, "سارة").nickname == "سارة"
        assert join(session, "Leo 🦁").nickname == "Leo 🦁"

    def test_groups_stay_balanced_at_the_chosen_size(self):
        session = live_session(group_size=3)
        for number in range(7):
            join(session, f"Person {number}")
        assert group_sizes(session) == [1, 3, 3]

    def test_a_gap_left_by_a_removed_person_is_filled_first(self):
        session = live_session(group_size=2)
        people = [join(session, name) for name in "ABCD"]
        services.participant_remove(participant=people[0])
        newcomer = join(session, "E")
        assert newcomer.group == people[0].group

    def test_a_locked_room_refuses_newcomers(self):
        session = live_session()
        services.session_set_locked(session=session, locked=True)
        with pytest.raises(SessionError, match="locked"):
            join(session, "Ana")
        services.session_set_locked(session=session, locked=False)
        assert join(session, "Ana").pk

    def test_a_full_room_refuses_newcomers(self):
        session = live_session()
        Session.objects.filter(pk=session.pk).update(max_participants=2)
        join(session, "A")
        join(session, "B")
        with pytest.raises(SessionError, match="full"):
            join(session, "C")

    def test_a_removed_name_stays_taken(self):
        session = live_session()
        services.participant_remove(participant=join(session, "Ana"))
        with pytest.raises(SessionError, match="already has that nickname"):
            join(session, "Ana")

    def test_an_ended_session_refuses_newcomers(self):
        session = live_session()
        services.session_end(session=session)
        with pytest.raises(SessionError, match="ended"):
            join(session, "Ana")

    def test_joining_tells_the_roster_projector_and_group(
        self, published, django_capture_on_commit_callbacks
    ):
        session = live_session()
        with django_capture_on_commit_callbacks(execute=True):
            person = join(session, "Ana")
        assert published == [{bus.CONTROL_ROSTER, bus.PROJECTOR, bus.group_part(person.group_id)}]


class TestSteps:
    def test_next_previous_and_any_step(self):
        session = live_session()
        steps = session.activity.steps
        session = services.session_next_step(session=session)
        assert session.current_step == steps[0].key
        assert session.status == Session.Status.RUNNING
        session = services.session_next_step(session=session)
        assert session.current_step == steps[1].key
        session = services.session_go_to_step(session=session, step_key=steps[4].key)
        assert session.step.kind == "take_action"
        with pytest.raises(SessionError, match="last step"):
            services.session_next_step(session=session)
        session = services.session_go_to_step(session=session, step_key=steps[0].key)
        session = services.session_previous_step(session=session)
        assert session.current_step == ""  # back to the lobby

    def test_an_unknown_step_is_refused(self):
        with pytest.raises(SessionError, match="no such step"):
            services.session_go_to_step(session=live_session(), step_key="nope")

    def test_every_change_bumps_the_version(self):
        session = live_session()
        before = session.version
        session = services.session_next_step(session=session)
        assert session.version == before + 1

    def test_a_step_change_is_published_to_every_screen_after_commit(
        self, published, django_capture_on_commit_callbacks
    ):
        session = live_session()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.session_next_step(session=session)
        assert published == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert published == [set(bus.EVERYTHING)]


class TestTimer:
    def test_a_step_starts_its_timer_from_the_pack(self):
        session = services.session_next_step(session=live_session())
        remaining = session.timer_remaining()
        assert timedelta(minutes=4, seconds=58) < remaining <= timedelta(minutes=5)

    def test_pause_extend_resume(self):
        session = services.session_next_step(session=live_session())
        session = services.timer_pause(session=session)
        paused = session.timer_remaining()
        assert session.timer_ends_at is None
        session = services.timer_extend(session=session, minutes=5)
        assert session.timer_remaining() == paused + timedelta(minutes=5)
        session = services.timer_resume(session=session)
        assert session.timer_paused_remaining is None
        assert session.timer_ends_at > timezone.now() + timedelta(minutes=9)

    def test_no_timer_in_the_lobby(self):
        with pytest.raises(SessionError):
            services.timer_extend(session=live_session(), minutes=1)


class TestGroups:
    def test_moving_a_person(self):
        session = live_session(group_size=2)
        people = [join(session, name) for name in "ABC"]
        second = people[2].group
        moved = services.participant_move(participant=people[0], group=second)
        assert moved.group == second

    def test_a_group_of_another_session_is_refused(self):
        session, other = live_session(), live_session()
        person = join(session, "A")
        foreign = join(other, "B").group
        with pytest.raises(SessionError, match="not in this session"):
            services.participant_move(participant=person, group=foreign)

    def test_rebalancing_deals_people_into_groups_of_the_new_size(self):
        session = live_session(group_size=10)
        for name in "ABCDEFG":
            join(session, name)
        assert group_sizes(session) == [7]
        session = services.session_set_group_size(session=session, group_size=3)
        session = services.session_regroup(session=session)
        assert group_sizes(session) == [2, 2, 3]

    @pytest.mark.parametrize("size", [1, 51])
    def test_group_size_limits(self, size):
        with pytest.raises(SessionError):
            services.session_set_group_size(session=live_session(), group_size=size)


class TestEnding:
    def test_an_ended_session_is_read_only(self):
        session = live_session()
        person = join(session, "A")
        session = services.session_end(session=session)
        assert session.is_ended and session.ended_at
        with pytest.raises(SessionError, match="ended"):
            services.session_next_step(session=session)
        with pytest.raises(SessionError, match="ended"):
            services.participant_move(participant=person, group=person.group)
