"""The matching exercise's pages and requests, as plain forms and with htmx."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from activities import identity
from activities import services as session_services
from activities.models import ClosingAnswer, MatchingExercise, MatchPair
from activities.steps.matching import services
from tests.factories import MATCHING_STEP, UserFactory, join, matching_session, pair

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def room():
    return matching_session(groups=3, per_group=2)


def phone(person):
    """A test client holding `person`'s signed cookie, as their phone does."""
    client = Client()
    response = identity.remember(HttpResponse(), person)
    for name, morsel in response.cookies.items():
        client.cookies[name] = morsel.value
    return client


def facilitator(session):
    client = Client()
    client.force_login(session.facilitator)
    return client


def pair_url(session, group, step_key=MATCHING_STEP):
    return reverse("matching_pair", args=[session.room_code, step_key, group.pk])


def done_url(session, group):
    return reverse("matching_done", args=[session.room_code, MATCHING_STEP, group.pk])


def answer_url(session):
    return reverse("matching_answer", args=[session.room_code, MATCHING_STEP])


def room_page(client, session, **params):
    return client.get(reverse("room", args=[session.room_code]), params).content.decode()


def control(session, name, data=None, htmx=False, *args):
    client = facilitator(session)
    url = reverse(name, args=[session.room_code, *(args or [MATCHING_STEP])])
    return client.post(url, data or {}, headers=HTMX if htmx else {})


def pairs(group):
    return set(MatchPair.objects.filter(group=group).values_list("experience", "right"))


class TestTheBoard:
    def test_the_phone_shows_the_groups_board_with_every_card_labelled(self, room):
        session, people = room
        pair(people[1], "arrested", "art-9")
        html = room_page(phone(people[0]), session)
        assert "Your group’s cards" in html
        assert html.count('<button id="pair-') == 9 * 8
        assert html.count("<details") == 9
        assert "Maryia did not receive a fair and public trial." in html
        assert "No unjust detention, imprisonment or exile" in html
        paired = 'name="unpair" value="art-9" aria-pressed="true"'
        unpaired = 'name="pair" value="art-3" aria-pressed="false"'
        assert f'id="pair-arrested-art-9" {paired}' in html
        assert f'id="pair-arrested-art-3" {unpaired}' in html
        assert "<legend" in html and "Our board is done" in html
        assert "w4r/matching.js" in html
        assert 'style="' not in html and "<script>" not in html

    def test_the_experience_cards_are_shuffled_per_group(self, room):
        session, people = room
        orders = set()
        for person in (people[0], people[2], people[4]):
            html = room_page(phone(person), session)
            keys = [chunk.split('"')[0] for chunk in html.split('id="exp-open-')[1:]]
            assert len(keys) == 9
            assert keys == [
                chunk.split('"')[0]
                for chunk in room_page(phone(person), session).split('id="exp-open-')[1:]
            ]
            orders.add(tuple(keys))
        assert len(orders) > 1

    def test_a_plain_form_pairs_and_comes_back_with_the_card_open(self, room):
        session, people = room
        client = phone(people[0])
        response = client.post(
            pair_url(session, people[0].group), {"experience": "arrested", "pair": "art-9"}
        )
        assert response.status_code == 302
        assert response.url.endswith("?card=arrested#exp-arrested")
        assert pairs(people[0].group) == {("arrested", "art-9")}
        html = room_page(client, session, card="arrested")
        assert 'id="exp-open-arrested" data-match-card open' in html

    def test_an_htmx_pair_answers_a_sentence_for_screen_readers(self, room):
        session, people = room
        response = phone(people[0]).post(
            pair_url(session, people[0].group),
            {"experience": "arrested", "pair": "art-9"},
            headers=HTMX,
        )
        assert response.status_code == 200
        assert response.content.decode() == (
            "Paired with Article 9: No unjust detention, imprisonment or exile."
        )

    def test_undo(self, room):
        session, people = room
        pair(people[0], "arrested", "art-9")
        response = phone(people[1]).post(
            pair_url(session, people[1].group),
            {"experience": "arrested", "unpair": "art-9"},
            headers=HTMX,
        )
        assert response.content.decode().startswith("Pair undone: Article 9")
        assert pairs(people[0].group) == set()

    def test_double_submissions_leave_one_pair(self, room):
        session, people = room
        for client in (phone(people[0]), phone(people[0]), phone(people[1])):
            client.post(
                pair_url(session, people[0].group),
                {"experience": "arrested", "pair": "art-9"},
                headers=HTMX,
            )
        assert MatchPair.objects.count() == 1

    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_card_not_in_the_exercise_is_refused(self, room, htmx):
        session, people = room
        client = phone(people[0])
        response = client.post(
            pair_url(session, people[0].group),
            {"experience": "arrested", "pair": "art-12"},
            headers=HTMX if htmx else {},
        )
        if htmx:
            assert response.status_code == 409
            assert response.content.decode() == "That card is not in this exercise."
        else:
            assert response.status_code == 302
            assert "That card is not in this exercise." in client.get(response.url).content.decode()
        assert not MatchPair.objects.exists()

    @pytest.mark.parametrize("htmx", [False, True])
    def test_another_groups_board_is_refused(self, room, htmx):
        session, people = room
        response = phone(people[0]).post(
            pair_url(session, people[2].group),
            {"experience": "arrested", "pair": "art-9"},
            headers=HTMX if htmx else {},
        )
        assert response.status_code == (409 if htmx else 302)
        assert not MatchPair.objects.exists()

    def test_a_group_of_another_session_is_not_found(self, room):
        session, people = room
        other, strangers = matching_session(groups=1)
        response = phone(people[0]).post(
            pair_url(session, strangers[0].group), {"experience": "arrested", "pair": "art-9"}
        )
        assert response.status_code == 404

    def test_a_phone_waiting_to_be_let_in_is_refused(self, room):
        session, people = room
        session_services.session_set_approve_joins(session=session, approve_joins=True)
        waiting = join(session, "Wai")
        response = phone(waiting).post(
            pair_url(session, people[0].group), {"experience": "arrested", "pair": "art-9"}
        )
        assert response.status_code == 403
        assert not MatchPair.objects.exists()

    def test_strangers_and_removed_participants_are_refused(self, room):
        session, people = room
        data = {"experience": "arrested", "pair": "art-9"}
        assert Client().post(pair_url(session, people[0].group), data).status_code == 403
        client = phone(people[0])
        session_services.participant_remove(participant=people[0])
        response = client.post(pair_url(session, people[0].group), data, headers=HTMX)
        assert response.status_code == 403
        other, strangers = matching_session(groups=1)
        response = phone(strangers[0]).post(pair_url(session, people[0].group), data)
        assert response.status_code == 403
        assert not MatchPair.objects.filter(exercise__session=session).exists()

    def test_a_closed_exercise_is_refused(self, room):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        response = phone(people[0]).post(
            pair_url(session, people[0].group),
            {"experience": "arrested", "pair": "art-9"},
            headers=HTMX,
        )
        assert response.status_code == 409
        assert "closed the exercise" in response.content.decode()

    def test_get_is_not_allowed(self, room):
        session, people = room
        assert phone(people[0]).get(pair_url(session, people[0].group)).status_code == 405

    @pytest.mark.parametrize("htmx", [False, True])
    def test_done_and_reopen(self, room, htmx):
        session, people = room
        client = phone(people[0])
        headers = HTMX if htmx else {}
        response = client.post(done_url(session, people[0].group), {"done": "1"}, headers=headers)
        assert response.status_code == (200 if htmx else 302)
        html = room_page(phone(people[1]), session)
        assert "Reopen our board" in html and '<button id="pair-' not in html
        client.post(done_url(session, people[0].group), {"done": "0"}, headers=headers)
        assert "Our board is done" in room_page(client, session)

    def test_after_closing_the_phone_shows_its_answers_beside_the_suggested(self, room):
        session, people = room
        pair(people[0], "no-fair-trial", "art-10")
        pair(people[0], "no-fair-trial", "art-5")
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        html = room_page(phone(people[1]), session)
        assert '<button id="pair-' not in html
        assert "Suggested" in html and "also suggested" in html
        section = html.split('id="exp-no-fair-trial"')[1].split("</li>\n      \n")[0]
        assert "Right to a fair trial" in section and "Freedom from torture" in section
        assert "What do you think should happen to Maryia now?" in html
        assert answer_url(session) in html


class TestClosingQuestion:
    def test_the_answer_form_is_the_phones_own(self, room):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        services.answer_save(participant=people[0], step_key=MATCHING_STEP, text="Mine")
        fragment = phone(people[0]).get(answer_url(session), headers=HTMX).content.decode()
        assert "<html" not in fragment and ">Mine</textarea>" in fragment
        other = phone(people[1]).get(answer_url(session), headers=HTMX).content.decode()
        assert "Mine" not in other
        page = phone(people[1]).get(answer_url(session)).content.decode()
        assert "<html" in page and 'name="csrfmiddlewaretoken"' in page
        assert '<label for="closing-answer-text-matching">' in page

    def test_the_stage_never_carries_anyones_answer(self, room):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        services.answer_save(participant=people[0], step_key=MATCHING_STEP, text="Secret words")
        html = room_page(phone(people[0]), session)
        assert "Secret words" not in html  # fetched by the phone, not in the pushed stage
        assert 'hx-trigger="load" hx-preserve' in html

    @pytest.mark.parametrize("htmx", [False, True])
    def test_sending_an_answer(self, room, htmx):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        client = phone(people[0])
        response = client.post(
            answer_url(session), {"text": "Free her"}, headers=HTMX if htmx else {}
        )
        if htmx:
            assert response.status_code == 200
            assert "Sent." in response.content.decode()
        else:
            assert response.status_code == 302
            assert "Your answer is sent." in client.get(response.url).content.decode()
        assert ClosingAnswer.objects.get().text == "Free her"

    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_bad_answer_comes_back_with_its_reason_and_text(self, room, htmx):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        response = phone(people[0]).post(
            answer_url(session), {"text": "x" * 501}, headers=HTMX if htmx else {}
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "at most 500" in html and 'aria-invalid="true"' in html and "x" * 501 in html

    def test_before_closing_an_answer_is_refused(self, room):
        session, people = room
        response = phone(people[0]).post(answer_url(session), {"text": "Hi"}, headers=HTMX)
        assert response.status_code == 409
        assert not ClosingAnswer.objects.exists()

    def test_strangers_are_refused(self, room):
        session, people = room
        assert Client().get(answer_url(session)).status_code == 403
        assert Client().post(answer_url(session), {"text": "Hi"}).status_code == 403

    def test_an_unknown_room_code_answers_as_a_stranger_does(self, room):
        session, people = room
        client = phone(people[0])
        for code in ("AAAAAAA", "nonsense"):
            url = reverse("matching_answer", args=[code, MATCHING_STEP])
            response = client.get(url)
            assert response.status_code == 403
            assert response.content.decode() == "You are not in this session."
            url = reverse("matching_pair", args=[code, MATCHING_STEP, people[0].group_id])
            assert client.post(url, {"experience": "arrested", "pair": "art-9"}).status_code == 403

    def test_a_step_without_the_question_or_not_matching_is_not_found(self, room):
        session, people = room
        url = reverse("matching_answer", args=[session.room_code, "story"])
        assert phone(people[0]).get(url).status_code == 404


class TestControlAndProjector:
    def test_the_control_view_shows_each_groups_progress(self, room):
        session, people = room
        pair(people[0], "arrested", "art-9")
        services.board_set_done(
            participant=people[2], group=people[2].group, step_key=MATCHING_STEP, done=True
        )
        html = (
            facilitator(session).get(reverse("control", args=[session.room_code])).content.decode()
        )
        assert "The groups’ boards" in html
        assert "<td>1</td>" in html and "<td>1 / 9</td>" in html
        assert "Done: 1 of 3 groups." in html
        assert "Close the exercise and start the reveal" in html

    @pytest.mark.parametrize("htmx", [False, True])
    def test_closing(self, room, htmx):
        session, people = room
        response = control(session, "matching_close", {"closed": "1"}, htmx)
        assert response.status_code == (204 if htmx else 302)
        assert MatchingExercise.objects.get().is_closed
        control(session, "matching_close", {"closed": "0"}, htmx)
        assert not MatchingExercise.objects.get().is_closed

    def test_the_projector_shows_progress_then_the_reveal(self, room):
        session, people = room
        pair(people[0], "disappeared", "art-3")
        pair(people[2], "disappeared", "art-3")
        pair(people[4], "disappeared", "art-19")
        client = facilitator(session)
        html = client.get(reverse("projector", args=[session.room_code])).content.decode()
        assert "Group 1" in html and "1 pair" in html
        assert "<form" not in html
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        html = client.get(reverse("projector", args=[session.room_code])).content.decode()
        assert "Card 1 of 9" in html and "forcibly disappeared" in html
        assert "The groups chose" in html and "Suggested matches" in html
        chosen = html.split("The groups chose")[1].split("Suggested matches")[0]
        assert chosen.index("Right to life, liberty") < chosen.index("Freedom of expression")
        assert "2 groups" in chosen and "1 group" in chosen
        assert "Groups 1, 2" in chosen and "Group 3" in chosen
        assert "<form" not in html

    @pytest.mark.parametrize("htmx", [False, True])
    def test_stepping_through_the_reveal(self, room, htmx):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        response = control(session, "matching_reveal", {"card": "2"}, htmx)
        assert response.status_code == (204 if htmx else 302)
        assert MatchingExercise.objects.get().reveal_index == 2
        html = (
            facilitator(session).get(reverse("control", args=[session.room_code])).content.decode()
        )
        assert "Card 3 of 9" in html
        assert 'name="card" value="1"' in html and 'name="card" value="3"' in html

    @pytest.mark.parametrize("card", ["", "x", "9", "-1"])
    def test_a_bad_card_is_refused(self, room, card):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        response = control(session, "matching_reveal", {"card": card}, True)
        assert response.status_code == 409
        assert "no such card" in response.content.decode()

    def test_the_closing_answers_reach_the_projector_when_the_facilitator_chooses(self, room):
        session, people = room
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        answer = services.answer_save(
            participant=people[0], step_key=MATCHING_STEP, text="Free <b>her</b>"
        )
        services.answer_save(participant=people[1], step_key=MATCHING_STEP, text="Hidden one")
        client = facilitator(session)
        html = client.get(reverse("control", args=[session.room_code])).content.decode()
        assert "Free &lt;b&gt;her&lt;/b&gt;" in html and "Hidden one" in html
        assert "Show P0’s answer" in html
        control(session, "matching_projector", {"answers": "1"}, True)
        args = [session.room_code, answer.pk]
        response = client.post(
            reverse("matching_answer_shown", args=args), {"shown": "1"}, headers=HTMX
        )
        assert response.status_code == 204
        html = client.get(reverse("projector", args=[session.room_code])).content.decode()
        assert "What do you think should happen to Maryia now?" in html
        assert "Free &lt;b&gt;her&lt;/b&gt;" in html and "Hidden one" not in html
        assert "P0" not in html  # the projector shows words, not who wrote them
        control(session, "matching_answers_all", {"shown": "1"}, True)
        html = client.get(reverse("projector", args=[session.room_code])).content.decode()
        assert "Hidden one" in html

    def test_another_facilitator_gets_nothing(self, room):
        session, people = room
        client = Client()
        client.force_login(UserFactory())
        url = reverse("matching_close", args=[session.room_code, MATCHING_STEP])
        assert client.post(url, {"closed": "1"}).status_code == 404
        assert not MatchingExercise.objects.filter(closed_at__isnull=False).exists()

    def test_participants_never_reach_the_facilitators_actions(self, room):
        session, people = room
        url = reverse("matching_close", args=[session.room_code, MATCHING_STEP])
        response = phone(people[0]).post(url, {"closed": "1"})
        assert response.status_code == 302 and "/accounts/login/" in response.url

    def test_an_answer_of_another_session_cannot_be_shown(self, room):
        session, people = room
        other, strangers = matching_session(groups=1)
        services.exercise_set_closed(session=other, step_key=MATCHING_STEP, closed=True)
        answer = services.answer_save(participant=strangers[0], step_key=MATCHING_STEP, text="Hi")
        client = facilitator(session)
        url = reverse("matching_answer_shown", args=[session.room_code, answer.pk])
        assert client.post(url, {"shown": "1"}, headers=HTMX).status_code == 409
        answer.refresh_from_db()
        assert not answer.shown_on_projector


class TestLiveParts:
    def test_the_pushed_group_part_is_the_board(self, room):
        from activities.live.render import render_part

        session, people = room
        pair(people[0], "arrested", "art-9")
        name, html, _version = render_part(session.pk, f"group:{people[0].group_id}", "en")
        assert name == "group"
        assert 'aria-pressed="true"' in html and html.count('<button id="pair-') == 72
        assert "csrfmiddlewaretoken" not in html  # the token rides in hx-headers
        name, html, _version = render_part(session.pk, "control-step", "en")
        assert "The groups’ boards" in html
        name, html, _version = render_part(session.pk, "stage", "en")
        assert "Pair up the cards" in html


class TestSummaryPage:
    def test_the_session_summary_keeps_each_groups_pairs(self, room):
        session, people = room
        pair(people[0], "no-fair-trial", "art-10")
        pair(people[2], "no-fair-trial", "art-5")
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)
        services.answer_save(participant=people[0], step_key=MATCHING_STEP, text="Free her")
        html = (
            facilitator(session)
            .get(reverse("session_summary", args=[session.room_code]))
            .content.decode()
        )
        section = html.split('id="summary-matching-matching"')[1].split("</section>")[0]
        assert "2 groups matched the cards." in section
        trial = section.split("Maryia did not receive a fair and public trial.")[1]
        trial = trial.split("</li>\n    \n")[0]
        assert "Group 1:" in trial and "Right to a fair trial" in trial
        assert "Group 2:" in trial and "Freedom from torture" in trial
        assert "Free her" in section
