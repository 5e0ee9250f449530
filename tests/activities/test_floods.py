"""Join floods and who may join (docs/security.md, "A flood bot").

Rate limits per address on wrong room codes (strict) and joins (generous),
the room's cap, "approve each join", a removed phone staying out, the
nickname filter."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from activities import services, wordfilter
from activities.live import bus
from activities.models import Participant
from activities.roomcode import ALPHABET, LENGTH
from activities.services import SessionError
from tests.factories import UserFactory, join, live_session

pytestmark = pytest.mark.django_db

WRONG = "AAA-AAAA"


def phone(address="203.0.113.7"):
    return Client(REMOTE_ADDR=address)


def type_code(client, code):
    return client.post(reverse("join"), {"code": code})


def join_by_phone(client, session, nickname, **extra):
    return client.post(
        reverse("join_room", args=[session.room_code]), {"nickname": nickname}, **extra
    )


@pytest.fixture
def session():
    return live_session()


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
    return sent


class TestWrongCodes:
    def test_ten_wrong_codes_a_minute_then_a_clear_429(self, session):
        guesser = phone()
        for _ in range(10):
            assert type_code(guesser, WRONG).status_code == 400
        response = type_code(guesser, WRONG)
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        page = response.content.decode()
        assert "Too many tries" in page and "Wait a minute, then try again" in page

    def test_once_exhausted_even_a_right_code_is_not_looked_up(self, session):
        # Otherwise the answer would tell a right code from a wrong one.
        guesser = phone()
        for _ in range(10):
            type_code(guesser, WRONG)
        assert type_code(guesser, session.display_code).status_code == 429
        assert guesser.get(reverse("join_room", args=[session.room_code])).status_code == 429
        assert guesser.get(reverse("room", args=[session.room_code])).status_code == 429

    def test_every_way_of_naming_a_room_counts(self, session):
        guesser = phone()
        for number in range(10):
            code = "AAAAAA" + ALPHABET[number]
            url = (reverse("join_room", args=[code]), reverse("room", args=[code]))[number % 2]
            assert guesser.get(url).status_code == 404
        assert guesser.get(reverse("join_room", args=["AAAAAAA"])).status_code == 429

    def test_unknown_and_existing_rooms_look_alike_to_a_stranger(self, session):
        stranger = phone()
        unknown = stranger.get(reverse("room", args=["AAAAAAA"]))
        known = stranger.get(reverse("room", args=[session.room_code]))
        # /r/<code> answers 404 for an unknown room: not a redirect that only
        # known rooms get. (A known room leads to its nickname form, which
        # anyone holding the code may see.)
        assert unknown.status_code == 404
        assert known.status_code == 302

    def test_counted_per_address(self, session):
        guesser, classmate = phone("203.0.113.7"), phone("198.51.100.9")
        for _ in range(10):
            type_code(guesser, WRONG)
        assert type_code(guesser, WRONG).status_code == 429
        assert type_code(classmate, session.display_code).status_code == 302

    def test_a_typo_that_is_not_a_code_costs_nothing(self, session):
        typist = phone()
        for _ in range(20):
            assert type_code(typist, "hello").status_code == 400
        assert type_code(typist, session.display_code).status_code == 302

    def test_someone_who_joined_comes_back_whatever_the_address_did(self, session):
        # A whole class behind one address: one pupil's typos must not lock
        # out the ones already in.
        pupil = phone()
        join_by_phone(pupil, session, "Ana")
        for _ in range(10):
            type_code(pupil, WRONG)
        assert type_code(pupil, WRONG).status_code == 429
        assert pupil.get(reverse("room", args=[session.room_code])).status_code == 200
        assert pupil.get(reverse("join_room", args=[session.room_code])).status_code == 302

    def test_the_guess_space(self):
        # The arithmetic in docs/security.md.
        assert len(ALPHABET) == 20 and LENGTH == 7
        assert len(ALPHABET) ** LENGTH == 1_280_000_000


class TestJoinRate:
    def test_a_whole_school_behind_one_address_joins(self, session, settings):
        session.max_participants = 1000
        session.save()
        settings.W4R_JOIN_RATE = "600/m"
        school = phone()
        for number in range(120):
            school.cookies.clear()
            response = join_by_phone(school, session, f"Pupil {number}")
            assert response.status_code == 302, number
        assert session.participants.present().count() == 120

    def test_a_bot_is_stopped_at_the_join_rate(self, session, settings):
        settings.W4R_JOIN_RATE = "5/m"
        bot = phone()
        statuses = []
        for number in range(8):
            bot.cookies.clear()
            statuses.append(join_by_phone(bot, session, f"bot{number}").status_code)
        assert statuses == [302] * 5 + [429] * 3
        assert session.participants.count() == 5

    def test_the_rooms_cap(self, session):
        services.session_set_max_participants(session=session, max_participants=2)
        join(session, "Ana")
        join(session, "Bea")
        response = join_by_phone(phone(), session, "Cy")
        assert response.status_code == 400
        assert "This room is full" in response.content.decode()

    def test_a_counter_store_that_fails_opens_rather_than_locking_everyone_out(
        self, session, settings
    ):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            }
        }
        assert join_by_phone(phone(), session, "Ana").status_code == 302
        assert type_code(phone(), WRONG).status_code == 400


class TestTheCap:
    def test_the_facilitator_sets_it_in_the_control_view(self, client, session):
        client.force_login(session.facilitator)
        page = client.get(reverse("control", args=[session.room_code])).content.decode()
        assert 'name="max_participants"' in page
        assert '<label for="max-participants">Most people in the room</label>' in page
        response = client.post(
            reverse("max_participants", args=[session.room_code]), {"max_participants": "30"}
        )
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.max_participants == 30

    @pytest.mark.parametrize("value", ["0", "10001", "-5", "lots", "", "²"])
    def test_bad_caps_are_refused(self, client, session, value):
        client.force_login(session.facilitator)
        response = client.post(
            reverse("max_participants", args=[session.room_code]),
            {"max_participants": value},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 409
        session.refresh_from_db()
        assert session.max_participants == 500

    def test_the_service_checks_it_too(self, session):
        with pytest.raises(SessionError, match="between 1 and 10000"):
            services.session_set_max_participants(session=session, max_participants=0)

    def test_lowering_it_removes_nobody(self, session):
        join(session, "Ana")
        join(session, "Bea")
        services.session_set_max_participants(session=session, max_participants=1)
        assert session.participants.present().count() == 2
        with pytest.raises(SessionError, match="full"):
            join(session, "Cy")

    def test_people_waiting_count_against_it(self, session):
        services.session_set_approve_joins(session=session, approve_joins=True)
        services.session_set_max_participants(session=session, max_participants=2)
        join(session, "Ana")
        join(session, "Bea")
        with pytest.raises(SessionError, match="full"):
            join(session, "Cy")


class TestApproveEachJoin:
    @pytest.fixture
    def approving(self, session):
        return services.session_set_approve_joins(session=session, approve_joins=True)

    def test_a_join_waits_outside_any_group(
        self, approving, published, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            person = join(approving, "Ana")
        assert person.waiting and person.group is None
        assert published == [{bus.CONTROL_ROSTER}]  # nobody else sees them yet
        assert approving.participants.present().count() == 0
        assert list(approving.participants.waiting_for_approval()) == [person]

    def test_the_waiting_phone_sees_a_waiting_page_and_follows_only_its_admission(self, approving):
        ana = phone()
        join_by_phone(ana, approving, "Ana")
        page = ana.get(reverse("room", args=[approving.room_code])).content.decode()
        assert "Waiting to be let in" in page
        assert 'sse-swap="admission"' in page
        assert 'sse-swap="stage"' not in page
        assert reverse("waiting_events", args=[approving.room_code]) in page
        poll = ana.get(reverse("waiting_poll", args=[approving.room_code]), {"v": "0"})
        assert 'id="live-admission"' in poll.content.decode()
        assert "live-stage" not in poll.content.decode()

    def test_letting_in_gives_a_group_and_tells_the_phone(
        self, approving, published, django_capture_on_commit_callbacks
    ):
        person = join(approving, "Ana")
        with django_capture_on_commit_callbacks(execute=True):
            services.participant_admit(participant=person)
        person.refresh_from_db()
        assert not person.waiting and person.group is not None
        assert bus.admission_part(person.pk) in published[-1]
        assert bus.group_part(person.group_id) in published[-1]

    def test_the_phone_moves_on_by_itself(self, approving):
        ana = phone()
        join_by_phone(ana, approving, "Ana")
        person = Participant.objects.get(nickname="Ana")
        services.participant_admit(participant=person)
        # What the push brings: a fragment that asks for a reload.
        fragment = ana.get(reverse("waiting_poll", args=[approving.room_code]), {"v": "0"})
        assert "You're in!" in fragment.content.decode()
        assert reverse("room_admission", args=[approving.room_code]) in fragment.content.decode()
        reload = ana.get(
            reverse("room_admission", args=[approving.room_code]), HTTP_HX_REQUEST="true"
        )
        assert reload["HX-Refresh"] == "true"
        room = ana.get(reverse("room", args=[approving.room_code])).content.decode()
        assert 'sse-swap="stage"' in room

    def test_a_refused_phone_is_told_and_stays_out(self, approving, client):
        ana = phone()
        join_by_phone(ana, approving, "Ana")
        person = Participant.objects.get(nickname="Ana")
        client.force_login(approving.facilitator)
        client.post(reverse("remove_participant", args=[approving.room_code, person.pk]))
        person.refresh_from_db()
        assert person.is_refused
        page = ana.get(reverse("join_room", args=[approving.room_code])).content.decode()
        assert "did not let you into this session" in page
        assert 'name="nickname"' not in page
        assert join_by_phone(ana, approving, "Ana2").status_code == 403

    def test_let_everyone_in(self, approving, client):
        people = [join(approving, name) for name in ("Ana", "Bea", "Cy")]
        client.force_login(approving.facilitator)
        page = client.get(reverse("control", args=[approving.room_code])).content.decode()
        assert "3 people waiting to be let in" in page
        assert "Let everyone waiting in" in page
        client.post(reverse("admit_all", args=[approving.room_code]))
        assert approving.participants.present().count() == 3
        assert all(not Participant.objects.get(pk=p.pk).waiting for p in people)

    def test_the_toggle_in_the_control_view(self, client, session):
        client.force_login(session.facilitator)
        client.post(reverse("approve_joins", args=[session.room_code]), {"approve": "1"})
        session.refresh_from_db()
        assert session.approve_joins
        page = client.get(reverse("control", args=[session.room_code])).content.decode()
        assert "Stop approving each join" in page
        client.post(reverse("approve_joins", args=[session.room_code]), {"approve": "0"})
        session.refresh_from_db()
        assert not session.approve_joins

    def test_a_removed_person_cannot_be_let_in(self, approving):
        person = join(approving, "Ana")
        services.participant_remove(participant=person)
        with pytest.raises(SessionError, match="removed"):
            services.participant_admit(participant=person)

    def test_letting_in_twice_is_harmless(self, approving):
        person = join(approving, "Ana")
        services.participant_admit(participant=person)
        services.participant_admit(participant=person)
        assert approving.participants.present().count() == 1


class TestRemovedStayOut:
    def test_a_removed_phone_cannot_come_back_under_another_name_while_locked(self, session):
        troll = phone()
        join_by_phone(troll, session, "Troll")
        services.participant_remove(participant=Participant.objects.get(nickname="Troll"))
        services.session_set_locked(session=session, locked=True)
        response = join_by_phone(troll, session, "Nice Person")
        assert response.status_code == 403
        assert not session.participants.filter(nickname="Nice Person").exists()
        assert "You were removed" in response.content.decode()

    def test_nor_while_unlocked_from_the_same_phone(self, session):
        troll = phone()
        join_by_phone(troll, session, "Troll")
        services.participant_remove(participant=Participant.objects.get(nickname="Troll"))
        assert join_by_phone(troll, session, "Nice Person").status_code == 403

    def test_with_its_cookie_thrown_away_the_lock_still_keeps_it_out(self, session):
        troll = phone()
        join_by_phone(troll, session, "Troll")
        services.participant_remove(participant=Participant.objects.get(nickname="Troll"))
        services.session_set_locked(session=session, locked=True)
        troll.cookies.clear()
        response = join_by_phone(troll, session, "Nice Person")
        assert "This room is locked" in response.content.decode()
        assert session.participants.count() == 1

    def test_its_name_stays_taken(self, session):
        person = join(session, "Troll")
        services.participant_remove(participant=person)
        with pytest.raises(SessionError, match="already has that nickname"):
            join(session, "troll")


class TestNicknameFilter:
    def test_on_by_default_and_refuses_listed_words(self, session):
        assert session.filter_nicknames
        with pytest.raises(SessionError, match="not allowed here"):
            join(session, "Sh1t Happens")

    @pytest.mark.parametrize("name", ["Cassandra", "Scunthorpe", "Shi Tao", "Merdeka", "Dickens"])
    def test_names_that_merely_contain_a_word_are_fine(self, session, name):
        assert join(session, name).nickname == name

    @pytest.mark.parametrize("name", ["F.U.C.K", "s h i t", "ShIt", "BIG_ASS", "Coño", "merde"])
    def test_spelling_tricks_do_not_get_around_it(self, name):
        assert wordfilter.is_blocked(name)

    def test_the_facilitator_can_turn_it_off(self, client, session):
        client.force_login(session.facilitator)
        client.post(reverse("nickname_filter", args=[session.room_code]), {"filter": "0"})
        session.refresh_from_db()
        assert not session.filter_nicknames
        assert join(session, "Sh1t Happens").nickname == "Sh1t Happens"

    def test_the_site_list_is_a_file_admins_can_replace(self, settings, tmp_path, session):
        words = tmp_path / "words.txt"
        words.write_text("# ours\nbroccoli\nkale*\n", encoding="utf-8")
        settings.W4R_BLOCKED_WORDS_FILE = words
        assert wordfilter.is_blocked("Broccoli Fan")
        assert wordfilter.is_blocked("Kalewarrior")
        assert not wordfilter.is_blocked("Sh1t")

    def test_the_join_form_explains(self, session):
        response = join_by_phone(phone(), session, "fuckface")
        assert response.status_code == 400
        assert "This nickname is not allowed here" in response.content.decode()


def test_only_the_sessions_facilitator_changes_the_rules(client, session):
    client.force_login(UserFactory())
    for name in (
        "approve_joins",
        "nickname_filter",
        "max_participants",
        "admit_all",
        "delete_data",
    ):
        assert client.post(reverse(name, args=[session.room_code])).status_code == 404
    session.refresh_from_db()
    assert not session.approve_joins and session.filter_nicknames
    assert settings.W4R_WRONG_CODE_RATE == "10/m"


@pytest.mark.django_db(transaction=True)
def test_the_waiting_phone_hears_it_is_let_in_live(monkeypatch):
    """Through the real push path: the waiting page's stream gets the
    admission part when the facilitator lets the phone in."""
    import asyncio

    from activities.live import hub as hub_module
    from activities.live.hub import Connection, Hub
    from tests.activities.test_live import in_thread, next_event

    hub = Hub()
    monkeypatch.setattr(hub_module, "hub", hub)
    session = services.session_set_approve_joins(session=live_session(), approve_joins=True)
    person = join(session, "Ana")

    async def scenario():
        conn = Connection(session.pk, [bus.admission_part(person.pk)], language="en")
        stream = hub.stream(conn)
        assert "Waiting to be let in" in await next_event(stream, "admission")
        await in_thread(services.participant_admit, participant=person)
        moved_on = await next_event(stream, "admission")
        await stream.aclose()
        return moved_on

    moved_on = asyncio.run(scenario())
    assert "You're in!" in moved_on
    assert reverse("room_admission", args=[session.room_code]) in moved_on
