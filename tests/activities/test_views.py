import re

import pytest
from django.conf import settings
from django.urls import reverse

from activities import services
from activities.models import Participant
from tests.factories import UserFactory, case_version, join, live_session

pytestmark = pytest.mark.django_db


def join_by_phone(client, session, nickname="Ana"):
    return client.post(reverse("join_room", args=[session.room_code]), {"nickname": nickname})


@pytest.fixture
def session():
    return live_session()


@pytest.fixture
def facilitator_client(client, session):
    client.force_login(session.facilitator)
    return client


class TestJoining:
    def test_the_join_page_labels_its_controls(self, client):
        html = client.get(reverse("join")).content.decode()
        assert '<label for="id_code">Room code</label>' in html
        assert ">Join</button>" in html

    def test_a_typed_code_leads_to_the_room(self, client, session):
        typed = session.display_code.lower()
        response = client.post(reverse("join"), {"code": typed})
        assert response.status_code == 302
        assert response.url == reverse("join_room", args=[session.room_code])

    def test_an_unknown_code_says_so(self, client):
        response = client.post(reverse("join"), {"code": "AAA-AAAA"})
        assert response.status_code == 400
        assert "There is no room with this code" in response.content.decode()

    def test_a_malformed_code_says_what_a_code_looks_like(self, client):
        response = client.post(reverse("join"), {"code": "hello"})
        assert "7 letters and digits" in response.content.decode()

    def test_joining_remembers_the_phone_in_a_signed_httponly_cookie(self, client, session):
        response = join_by_phone(client, session)
        assert response.status_code == 302
        assert response.url == reverse("room", args=[session.room_code])
        cookie = response.cookies[settings.PARTICIPANT_COOKIE]
        assert cookie["httponly"]
        person = Participant.objects.get(session=session)
        assert cookie.value != str(person.pk)  # signed, not a bare id
        page = client.get(response.url)
        assert page.status_code == 200
        assert "Ana" in page.content.decode()

    def test_coming_back_is_the_same_participant(self, client, session):
        join_by_phone(client, session)
        again = client.get(reverse("join_room", args=[session.room_code]))
        assert again.status_code == 302  # straight back to the room
        assert Participant.objects.filter(session=session).count() == 1

    def test_a_tampered_cookie_is_nobody(self, client, session):
        join_by_phone(client, session)
        client.cookies[settings.PARTICIPANT_COOKIE] = "1:forged"
        response = client.get(reverse("room", args=[session.room_code]))
        assert response.status_code == 302
        assert response.url == reverse("join_room", args=[session.room_code])

    def test_the_room_needs_a_participant(self, client, session):
        response = client.get(reverse("room", args=[session.room_code]))
        assert response.url == reverse("join_room", args=[session.room_code])

    def test_a_removed_participant_is_out(self, client, session):
        join_by_phone(client, session)
        services.participant_remove(participant=Participant.objects.get(session=session))
        response = client.get(reverse("room", args=[session.room_code]))
        assert response.status_code == 302
        page = client.get(response.url).content.decode()
        assert "You were removed from this session" in page
        assert 'name="nickname"' not in page

    def test_a_locked_room_says_so(self, client, session):
        services.session_set_locked(session=session, locked=True)
        page = client.get(reverse("join_room", args=[session.room_code])).content.decode()
        assert "This room is locked" in page

    def test_an_ended_room_says_so(self, client, session):
        services.session_end(session=session)
        page = client.get(reverse("join_room", args=[session.room_code])).content.decode()
        assert "This session has ended" in page

    def test_a_duplicate_nickname_is_explained(self, client, session):
        join(session, "Ana")
        response = join_by_phone(client, session, "ana")
        assert response.status_code == 400
        assert "already has that nickname" in response.content.decode()

    def test_a_late_joiner_lands_on_the_current_step(self, client, session):
        services.session_next_step(session=session)
        join_by_phone(client, session)
        page = client.get(reverse("room", args=[session.room_code])).content.decode()
        assert session.activity.steps[0].title.text in page


class TestFacilitator:
    def test_pages_need_a_login(self, client, session):
        for name in ("dashboard",):
            assert client.get(reverse(name)).status_code == 302
        response = client.get(reverse("control", args=[session.room_code]))
        assert response.status_code == 302 and "/accounts/login/" in response.url

    def test_another_facilitator_sees_nothing(self, client, session):
        client.force_login(UserFactory())
        for name in ("control", "projector"):
            assert client.get(reverse(name, args=[session.room_code])).status_code == 404
        assert client.post(reverse("next_step", args=[session.room_code])).status_code == 404
        assert session.room_code not in client.get(reverse("dashboard")).content.decode()

    def test_creating_a_session(self, client):
        case_version()
        user = UserFactory()
        client.force_login(user)
        form = client.get(reverse("dashboard")).context["form"]
        choice = form.fields["activity"].choices[0][0]
        response = client.post(
            reverse("session_create"), {"activity": choice, "title": "Class 9B", "group_size": 3}
        )
        session = user.w4r_sessions.get()
        assert response.url == reverse("control", args=[session.room_code])
        assert (session.title, session.group_size) == ("Class 9B", 3)
        assert session.join_url == f"http://testserver/join/{session.room_code}"

    def test_the_control_view_lists_the_steps_and_the_roster(self, facilitator_client, session):
        join(session, "Ana")
        html = facilitator_client.get(reverse("control", args=[session.room_code])).content.decode()
        for step in session.activity.steps:
            assert step.title.text.replace("’", "&#x27;")[:20] in html.replace("’", "&#x27;")
        assert "Ana" in html
        assert "1 person joined" in html

    def test_the_projector_shows_code_qr_and_count(self, facilitator_client, session):
        join(session, "Ana")
        join(session, "Bo")
        html = facilitator_client.get(
            reverse("projector", args=[session.room_code])
        ).content.decode()
        assert session.display_code in html
        assert "<svg" in html and 'role="img"' in html
        assert "2 people have joined" in html
        assert "<form" not in html  # no controls on the big screen

    @pytest.mark.parametrize(
        "language, count",
        [("en", "2,000"), ("fr", "2\xa0000"), ("es", "2\xa0000"), ("ar", "2000")],
    )
    def test_a_hall_s_count_is_grouped_the_language_s_way(
        self, facilitator_client, session, language, count
    ):
        Participant.objects.bulk_create(
            Participant(session=session, nickname=f"P{n}", nickname_key=f"p{n}")
            for n in range(2000)
        )
        session.projector_language = language
        session.save(update_fields=["projector_language"])
        projector = reverse("projector", args=[session.room_code])
        html = facilitator_client.get(projector).content.decode()
        (lobby,) = re.findall(r'<p class="lobby-count"[^>]*>([^<]*)</p>', html)
        assert count in lobby
        control = reverse("control", args=[session.room_code])
        html = facilitator_client.get(control, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        (counts,) = re.findall(r'<p class="counts"[^>]*>(.*?)</p>', html, re.S)
        assert count in counts

    def test_a_plain_form_post_redirects_back(self, facilitator_client, session):
        response = facilitator_client.post(reverse("next_step", args=[session.room_code]))
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.current_step == session.activity.steps[0].key

    def test_an_htmx_post_answers_204_and_the_push_does_the_rest(self, facilitator_client, session):
        response = facilitator_client.post(
            reverse("next_step", args=[session.room_code]), headers={"HX-Request": "true"}
        )
        assert response.status_code == 204

    def test_a_refused_action_explains_itself(self, facilitator_client, session):
        services.session_end(session=session)
        response = facilitator_client.post(
            reverse("next_step", args=[session.room_code]), headers={"HX-Request": "true"}
        )
        assert response.status_code == 409
        assert "ended" in response.content.decode()

    def test_moving_and_removing(self, facilitator_client, session):
        services.session_set_group_size(session=session, group_size=2)
        people = [join(session, name) for name in "ABC"]
        target = people[2].group
        facilitator_client.post(
            reverse("move_participant", args=[session.room_code, people[0].pk]),
            {"group": target.pk},
        )
        facilitator_client.post(
            reverse("remove_participant", args=[session.room_code, people[1].pk])
        )
        people[0].refresh_from_db()
        people[1].refresh_from_db()
        assert people[0].group == target
        assert people[1].is_removed

    def test_a_person_of_another_session_cannot_be_touched(self, facilitator_client, session):
        stranger = join(live_session(), "Zed")
        response = facilitator_client.post(
            reverse("remove_participant", args=[session.room_code, stranger.pk])
        )
        assert response.status_code == 404
        stranger.refresh_from_db()
        assert not stranger.is_removed

    def test_a_bad_group_value_is_a_404_not_a_crash(self, facilitator_client, session):
        person = join(session, "A")
        response = facilitator_client.post(
            reverse("move_participant", args=[session.room_code, person.pk]), {"group": "x"}
        )
        assert response.status_code == 404

    def test_participants_never_reach_facilitator_actions(self, client, session):
        join_by_phone(client, session)
        for name in ("next_step", "end_session", "lock"):
            response = client.post(reverse(name, args=[session.room_code]))
            assert response.status_code == 302 and "/accounts/login/" in response.url
        session.refresh_from_db()
        assert session.current_step == "" and not session.is_ended


class TestPolling:
    def test_unchanged_answers_204_without_rendering(self, client, session):
        join_by_phone(client, session)
        session.refresh_from_db()
        url = reverse("room_poll", args=[session.room_code])
        assert client.get(url, {"v": session.version}).status_code == 204

    def test_changed_answers_the_live_parts(self, client, session):
        join_by_phone(client, session)
        session.refresh_from_db()
        seen = session.version
        services.session_next_step(session=session)
        response = client.get(reverse("room_poll", args=[session.room_code]), {"v": seen})
        html = response.content.decode()
        assert response.status_code == 200
        assert int(response["X-W4R-Version"]) == seen + 1
        assert 'id="live-stage" hx-swap-oob="innerHTML"' in html
        assert session.activity.steps[0].title.text in html

    def test_strangers_get_nothing(self, client, session):
        url = reverse("room_poll", args=[session.room_code])
        assert client.get(url).status_code == 403
        assert client.get(reverse("control_poll", args=[session.room_code])).status_code == 403
