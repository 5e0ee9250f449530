"""Step 1: the protest-ideas board, its crossing out and its reflection questions."""

import io
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from PIL import Image

from activities import identity, services, steps
from activities.live import bus
from activities.live.render import render_part
from activities.models import Idea, ReflectionAnswer, Session
from activities.services import SessionError
from activities.steps import common, drawings, protest_ideas
from activities.steps.protest_ideas import (
    idea_add,
    idea_cross_out,
    idea_delete,
    idea_edit,
    idea_restore,
    idea_set_hidden,
    idea_set_tag,
    reflection_answer_save,
    reflection_answer_set_shown,
)
from tests.factories import UserFactory, at_step, join, live_session, picture_bytes, step_of_kind

pytestmark = pytest.mark.django_db

KIND = "protest_ideas"
SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def pushed(monkeypatch, django_capture_on_commit_callbacks):
    """Run an action; (its result, the parts it published once committed)."""

    def run(action):
        sent = []
        monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result, sent

    return run


@pytest.fixture
def room():
    """A session at step 1 with two groups of two."""
    session = live_session(group_size=2)
    people = [join(session, name) for name in ("Ana", "Ben", "Chloé", "Dev")]
    session = at_step(session, KIND)
    return session, people


def step_key(session):
    return step_of_kind(session, KIND).key


def add(person, text="A march", **kwargs):
    return idea_add(participant=person, step_key=step_key(person.session), text=text, **kwargs)


def render(part, session):
    return render_part(session.pk, part, "en")[1]


class TestAddingIdeas:
    def test_an_idea_is_kept_with_its_author_and_pushed_to_the_group_projector_and_control(
        self, room, pushed
    ):
        session, (ana, *_rest) = room
        version = Session.objects.get(pk=session.pk).version
        idea, sent = pushed(lambda: add(ana, "  A silent march  \r\nwith candles \n"))
        assert idea.text == "A silent march\nwith candles"
        assert idea.participant == ana and idea.step_key == step_key(session)
        assert Session.objects.get(pk=session.pk).version == version + 1
        assert sent == [{bus.group_part(ana.group_id), bus.PROJECTOR, bus.CONTROL_STEP}]

    @pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "\r\n \u3000 "])
    def test_an_empty_idea_is_refused(self, room, text):
        _session, (ana, *_rest) = room
        with pytest.raises(SessionError, match="Write an idea or make a drawing first"):
            add(ana, text)
        assert not Idea.objects.exists()

    def test_an_idea_has_at_most_280_characters(self, room):
        _session, (ana, *_rest) = room
        assert add(ana, "x" * 280).text == "x" * 280
        with pytest.raises(SessionError, match="An idea can be at most 280 characters long"):
            add(ana, "x" * 281)

    @pytest.mark.parametrize("text", ["a\x00b", "evil\u202etxt.exe", "zero\u200bwidth"])
    def test_control_and_invisible_characters_are_refused(self, room, text):
        _session, (ana, *_rest) = room
        with pytest.raises(SessionError, match="control or invisible characters"):
            add(ana, text)

    def test_ideas_only_while_the_step_runs(self, room):
        session, (ana, *_rest) = room
        services.session_go_to_step(session=session, step_key="story")
        with pytest.raises(SessionError, match="not running"):
            add(ana)

    def test_not_for_another_kind_of_step(self, room):
        session, (ana, *_rest) = room
        services.session_go_to_step(session=session, step_key="story")
        with pytest.raises(SessionError, match="no such step"):
            idea_add(participant=ana, step_key="story", text="A march")

    def test_not_after_the_session_ended(self, room):
        session, (ana, *_rest) = room
        services.session_end(session=session)
        with pytest.raises(SessionError, match="ended"):
            add(ana)

    def test_not_by_a_removed_participant(self, room):
        _session, (ana, *_rest) = room
        services.participant_remove(participant=ana)
        with pytest.raises(SessionError, match="left this session"):
            add(ana)

    def test_not_without_a_group(self, room):
        _session, (ana, *_rest) = room
        ana.group.delete()
        with pytest.raises(SessionError, match="not in a group"):
            add(ana)

    def test_one_person_has_a_limit(self, room, monkeypatch):
        _session, (ana, *_rest) = room
        monkeypatch.setattr(protest_ideas, "IDEAS_PER_PERSON", 2)
        add(ana, "one")
        add(ana, "two")
        with pytest.raises(SessionError, match="the most one person can add"):
            add(ana, "three")

    def test_a_drawing_is_stored_as_a_png(self, room):
        _session, (ana, *_rest) = room
        idea = add(ana, "", drawing=picture_bytes(image_format="JPEG"))
        assert idea.text == ""
        assert idea.drawing.name.startswith("ideas/") and idea.drawing.name.endswith(".png")
        with idea.drawing.open("rb") as stored:
            assert Image.open(io.BytesIO(stored.read())).format == "PNG"
        assert (idea.drawing_width, idea.drawing_height) == (120, 90)

    def test_a_drawing_can_have_a_caption(self, room):
        _session, (ana, *_rest) = room
        idea = add(ana, "Our banner", drawing=picture_bytes())
        assert idea.text == "Our banner" and idea.drawing

    def test_a_drawing_that_is_not_a_picture_is_refused(self, room):
        _session, (ana, *_rest) = room
        with pytest.raises(SessionError, match="not a picture"):
            add(ana, "", drawing=b"GIF89a but not really")
        assert not Idea.objects.exists()

    def test_a_drawing_too_big_is_refused(self, room, monkeypatch):
        _session, (ana, *_rest) = room
        monkeypatch.setattr(drawings, "MAX_BYTES", 50)
        with pytest.raises(SessionError, match="too big"):
            add(ana, "", drawing=picture_bytes())

    def test_the_database_refuses_an_idea_with_neither_text_nor_drawing(self, room):
        session, (ana, *_rest) = room
        with pytest.raises(IntegrityError), transaction.atomic():
            Idea.objects.create(session=session, step_key="protest", participant=ana, text="")


class TestChangingOnesOwnIdea:
    def test_the_author_edits_and_deletes(self, room, pushed):
        _session, (ana, *_rest) = room
        idea = add(ana, "A march")
        assert idea_edit(participant=ana, idea=idea, text="A long march").text == "A long march"
        _result, sent = pushed(lambda: idea_delete(participant=ana, idea=idea))
        assert not Idea.objects.exists()
        assert sent == [{bus.group_part(ana.group_id), bus.PROJECTOR, bus.CONTROL_STEP}]

    def test_deleting_a_drawing_deletes_its_file(self, room, django_capture_on_commit_callbacks):
        _session, (ana, *_rest) = room
        idea = add(ana, "", drawing=picture_bytes())
        storage, name = idea.drawing.storage, idea.drawing.name
        assert storage.exists(name)
        with django_capture_on_commit_callbacks(execute=True):
            idea_delete(participant=ana, idea=idea)
        assert not storage.exists(name)

    def test_nobody_edits_or_deletes_another_persons_idea(self, room):
        _session, (ana, ben, *_rest) = room
        idea = add(ana, "A march")
        with pytest.raises(SessionError, match="only change your own"):
            idea_edit(participant=ben, idea=idea, text="Mine now")
        with pytest.raises(SessionError, match="only change your own"):
            idea_delete(participant=ben, idea=idea)
        assert Idea.objects.get().text == "A march"

    def test_an_edit_cannot_empty_a_text_idea(self, room):
        _session, (ana, *_rest) = room
        idea = add(ana, "A march")
        with pytest.raises(SessionError, match="cannot be empty"):
            idea_edit(participant=ana, idea=idea, text="  ")

    @pytest.mark.parametrize(
        "mark",
        [
            lambda idea: idea_set_tag(idea=idea, tag="assembly", on=True),
            lambda idea: idea_cross_out(idea=idea),
            lambda idea: idea_set_hidden(idea=idea, hidden=True),
        ],
    )
    def test_a_marked_idea_can_no_longer_be_changed(self, room, mark):
        _session, (ana, *_rest) = room
        idea = add(ana, "A march")
        mark(idea)
        with pytest.raises(SessionError, match="already marked"):
            idea_edit(participant=ana, idea=idea, text="Something else")
        with pytest.raises(SessionError, match="already marked"):
            idea_delete(participant=ana, idea=idea)


class TestTheFacilitatorsMarks:
    def test_tags(self, room, pushed):
        _session, (ana, *_rest) = room
        idea = add(ana)
        idea = idea_set_tag(idea=idea, tag="assembly", on=True)
        idea = idea_set_tag(idea=idea, tag="expression", on=True)
        assert idea.about_assembly and idea.about_expression
        idea, sent = pushed(lambda: idea_set_tag(idea=idea, tag="assembly", on=False))
        assert not idea.about_assembly and idea.about_expression
        assert sent == [{bus.group_part(ana.group_id), bus.PROJECTOR, bus.CONTROL_STEP}]

    def test_an_unknown_tag_is_refused(self, room):
        _session, (ana, *_rest) = room
        with pytest.raises(SessionError, match="no such tag"):
            idea_set_tag(idea=add(ana), tag="religion", on=True)

    def test_crossing_out_with_a_reason_and_undoing_it(self, room):
        _session, (ana, *_rest) = room
        idea = idea_cross_out(idea=add(ana), reason="  Marches  are banned here ")
        assert idea.crossed_out and idea.crossed_out_reason == "Marches are banned here"
        idea = idea_restore(idea=idea)
        assert not idea.crossed_out and idea.crossed_out_reason == ""

    def test_a_reason_has_a_limit(self, room):
        _session, (ana, *_rest) = room
        with pytest.raises(SessionError, match="A reason can be at most 200"):
            idea_cross_out(idea=add(ana), reason="x" * 201)

    def test_the_database_keeps_a_reason_only_with_a_crossing_out(self, room):
        _session, (ana, *_rest) = room
        idea = add(ana)
        with pytest.raises(IntegrityError), transaction.atomic():
            Idea.objects.filter(pk=idea.pk).update(crossed_out_reason="why")

    def test_hiding_keeps_the_idea(self, room):
        _session, (ana, *_rest) = room
        idea = idea_set_hidden(idea=add(ana), hidden=True)
        assert Idea.objects.get(pk=idea.pk).hidden
        assert not idea_set_hidden(idea=idea, hidden=False).hidden

    def test_nothing_changes_after_the_session_ended(self, room):
        session, (ana, *_rest) = room
        idea = add(ana)
        services.session_end(session=session)
        with pytest.raises(SessionError, match="ended"):
            idea_cross_out(idea=idea)


class TestReflectionAnswers:
    def test_an_answer_is_saved_changed_and_withdrawn(self, room, pushed):
        session, (ana, *_rest) = room
        key = step_key(session)
        answer, sent = pushed(
            lambda: reflection_answer_save(
                participant=ana, step_key=key, question=0, text=" Angry "
            )
        )
        assert answer.text == "Angry"
        assert sent == [{bus.CONTROL_STEP}]
        reflection_answer_save(participant=ana, step_key=key, question=0, text="Very angry")
        assert ReflectionAnswer.objects.get().text == "Very angry"
        assert reflection_answer_save(participant=ana, step_key=key, question=0, text="") is None
        assert not ReflectionAnswer.objects.exists()

    @pytest.mark.parametrize("question", [-1, 2, 99, "0"])
    def test_only_the_steps_questions(self, room, question):
        session, (ana, *_rest) = room
        with pytest.raises(SessionError, match="no such question"):
            reflection_answer_save(
                participant=ana, step_key=step_key(session), question=question, text="Hi"
            )

    def test_a_changed_answer_leaves_the_projector(self, room, pushed):
        session, (ana, *_rest) = room
        key = step_key(session)
        answer = reflection_answer_save(participant=ana, step_key=key, question=1, text="Fear")
        answer, sent = pushed(lambda: reflection_answer_set_shown(answer=answer, shown=True))
        assert answer.shown_on_projector
        assert sent == [{bus.PROJECTOR, bus.CONTROL_STEP}]
        answer, sent = pushed(
            lambda: reflection_answer_save(participant=ana, step_key=key, question=1, text="Rude")
        )
        assert not answer.shown_on_projector
        assert sent == [{bus.PROJECTOR, bus.CONTROL_STEP}]

    def test_an_answer_is_never_empty_in_the_database(self, room):
        session, (ana, *_rest) = room
        with pytest.raises(IntegrityError), transaction.atomic():
            ReflectionAnswer.objects.create(
                session=session, step_key="protest", participant=ana, question=0, text=""
            )


class TestWhatTheProjectorShows:
    def test_the_facilitator_chooses_the_view(self, room, pushed):
        session, _people = room
        key = step_key(session)
        step = step_of_kind(session, KIND)
        assert protest_ideas.context(session, step, screen="projector")["ideas_view"] == "scenario"
        _state, sent = pushed(
            lambda: common.step_set_view(session=session, step_key=key, view="ideas")
        )
        assert sent == [{bus.PROJECTOR, bus.STAGE, bus.CONTROL_STEP}]
        context = protest_ideas.context(session, step_of_kind(session, KIND), screen="projector")
        assert context["ideas_view"] == "ideas"

    def test_an_unknown_view_is_refused(self, room):
        session, _people = room
        with pytest.raises(SessionError, match="cannot show that"):
            common.step_set_view(session=session, step_key=step_key(session), view="secrets")

    def test_only_for_the_running_step(self, room):
        session, _people = room
        with pytest.raises(SessionError, match="not running"):
            common.step_set_view(session=session, step_key="udhr", view="ideas")

    def test_the_board_groups_ideas_and_leaves_out_hidden_ones(self, room):
        session, (ana, ben, chloe, dev) = room
        first = add(ana, "Petition")
        add(chloe, "Banner")
        idea_set_hidden(idea=add(ben, "Rude"), hidden=True)
        step = step_of_kind(session, KIND)
        board = protest_ideas.board(session, step, include_hidden=False)
        assert [[i.text for i in column["ideas"]] for column in board] == [
            ["Petition"],
            ["Banner"],
        ]
        assert board[0]["group"] == first.participant.group
        control = protest_ideas.board(session, step, include_hidden=True, all_groups=True)
        assert [[i.text for i in column["ideas"]] for column in control] == [
            ["Petition", "Rude"],
            ["Banner"],
        ]

    def test_ideas_follow_their_author_and_leave_with_them(self, room):
        session, (ana, ben, chloe, dev) = room
        add(ana, "Petition")
        add(ben, "Sit-in")
        services.participant_move(participant=ana, group=chloe.group)
        step = step_of_kind(session, KIND)
        panel = protest_ideas.group_ideas(session, step, chloe.group)
        assert [i.text for i in panel["group_ideas"]] == ["Petition"]
        services.participant_remove(participant=ben)
        assert protest_ideas.group_ideas(session, step, ben.group)["group_ideas"] == []
        assert "Sit-in" not in render(bus.PROJECTOR, session)


class TestSummary:
    def test_counts(self, room):
        session, (ana, ben, chloe, _dev) = room
        idea_cross_out(idea=add(ana, "Petition"))
        idea_set_tag(idea=add(ben, "", drawing=picture_bytes()), tag="expression", on=True)
        idea_set_tag(idea=add(chloe, "March"), tag="assembly", on=True)
        reflection_answer_save(participant=ana, step_key="protest", question=0, text="Sad")
        part = protest_ideas.summary(session, step_of_kind(session, KIND))
        assert part["ideas"] == 3 and part["drawings"] == 1 and part["authors"] == 3
        assert part["crossed_out"] == 1 and part["assembly"] == 1 and part["expression"] == 1
        assert part["answers"] == 1
        html = render_to_string(part["template"], {"part": part})
        assert "3 ideas" in html and "1 crossed out" in html

    def test_the_summary_is_in_the_session_summary(self, room):
        session, _people = room
        templates = [part["template"] for part in steps.kind_summaries(session)]
        assert "activities/steps/protest_ideas/summary.html" in templates


# -- Views ------------------------------------------------------------------------


@pytest.fixture
def phones(client_factory, room):
    """The room with a logged-in phone (a test client) per person."""
    session, people = room
    return session, people, [client_factory(person) for person in people]


@pytest.fixture
def client_factory(settings):
    """A phone: a test client carrying the participant's signed cookie."""

    def make(person):
        client = Client()
        cookie = identity.remember(HttpResponse(), person).cookies[settings.PARTICIPANT_COOKIE]
        client.cookies[settings.PARTICIPANT_COOKIE] = cookie.value
        return client

    return make


def url(name, session, *args):
    return reverse(name, args=[session.room_code, *args])


HX = {"HTTP_HX_REQUEST": "true"}


class TestPhoneViews:
    def test_the_room_shows_the_task_the_forms_and_the_questions(self, phones):
        session, _people, (ana, *_rest) = phones
        html = ana.get(url("room", session)).content.decode()
        step = step_of_kind(session, KIND)
        assert step.task.text in html
        assert 'for="idea-text-protest"' in html and 'name="drawing"' in html
        assert "How and where would you try to draw attention" in html
        assert 'id="group-ideas-protest"' in html

    def test_adding_an_idea_without_javascript(self, phones):
        session, _people, (ana, *_rest) = phones
        response = ana.post(url("idea_add", session), {"step": "protest", "text": "A march"})
        assert response.status_code == 302
        assert response.url == url("room", session) + "#group-ideas"
        page = ana.get(response.url).content.decode()
        assert "Your idea was added." in page and "A march" in page

    def test_adding_an_idea_with_htmx(self, phones):
        session, _people, (ana, *_rest) = phones
        response = ana.post(url("idea_add", session), {"step": "protest", "text": "A march"}, **HX)
        assert response.status_code == 200
        assert response.content.decode() == "Your idea was added."

    def test_a_refused_idea_says_why_with_htmx(self, phones):
        session, _people, (ana, *_rest) = phones
        response = ana.post(url("idea_add", session), {"step": "protest", "text": " "}, **HX)
        assert response.status_code == 422
        assert "Write an idea or make a drawing first" in response.content.decode()

    def test_a_refused_idea_keeps_what_was_typed_without_javascript(self, phones):
        session, _people, (ana, *_rest) = phones
        response = ana.post(url("idea_add", session), {"step": "protest", "text": "x" * 300})
        assert response.status_code == 400
        html = response.content.decode()
        assert "at most 280 characters" in html and "x" * 300 in html

    def test_an_idea_for_a_step_that_is_over_is_refused(self, phones):
        session, _people, (ana, *_rest) = phones
        services.session_go_to_step(session=session, step_key="story")
        response = ana.post(url("idea_add", session), {"step": "protest", "text": "Late"}, **HX)
        assert response.status_code == 422 and "not running" in response.content.decode()

    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_drawing_upload(self, phones, htmx):
        session, _people, (ana, *_rest) = phones
        upload = io.BytesIO(picture_bytes(image_format="JPEG"))
        upload.name = "photo-of-my-drawing.jpg"
        response = ana.post(
            url("idea_add", session),
            {"step": "protest", "text": "Our banner", "drawing": upload},
            **(HX if htmx else {}),
        )
        if htmx:
            assert response.status_code == 200
            assert response.content.decode() == "Your drawing was added."
        else:
            assert response.status_code == 302 and response.url.endswith("#group-ideas")
        idea = Idea.objects.get()
        assert idea.drawing.name.endswith(".png") and idea.text == "Our banner"

    def test_a_drawing_that_is_not_a_picture(self, phones):
        session, _people, (ana, *_rest) = phones
        upload = io.BytesIO(b"<svg onload=alert(1)>")
        upload.name = "drawing.png"
        response = ana.post(url("idea_add", session), {"step": "protest", "drawing": upload}, **HX)
        assert response.status_code == 422 and "not a picture" in response.content.decode()

    def test_a_drawing_too_big(self, phones, monkeypatch):
        from activities.views import steps as step_views

        session, _people, (ana, *_rest) = phones
        monkeypatch.setattr(step_views, "MAX_BYTES", 10)
        upload = io.BytesIO(picture_bytes())
        upload.name = "drawing.png"
        response = ana.post(url("idea_add", session), {"step": "protest", "drawing": upload}, **HX)
        assert response.status_code == 422 and "too big" in response.content.decode()

    def test_a_stranger_cannot_post(self, client, room):
        session, _people = room
        response = client.post(url("idea_add", session), {"step": "protest", "text": "Hi"})
        assert response.status_code == 302
        assert response.url == url("join_room", session)
        response = client.post(url("idea_add", session), {"step": "protest", "text": "Hi"}, **HX)
        assert response.status_code == 403
        assert not Idea.objects.exists()

    def test_the_group_list_shows_ones_own_ideas_as_ones_own(self, phones):
        session, (ana_p, ben_p, *_rest), (ana, ben, *_clients) = phones
        idea = add(ana_p, "Petition")
        add(ben_p, "Sit-in")
        mine = ana.get(url("group_ideas", session)).content.decode()
        assert "Your idea" in mine and url("idea_edit", session, idea.pk) in mine
        theirs = ben.get(url("group_ideas", session)).content.decode()
        assert "Ana" in theirs and url("idea_edit", session, idea.pk) not in theirs

    def test_the_group_list_is_204_once_the_step_moved_on(self, phones):
        session, _people, (ana, *_rest) = phones
        services.session_go_to_step(session=session, step_key="story")
        assert ana.get(url("group_ideas", session)).status_code == 204

    def test_the_edit_page(self, phones):
        session, (ana_p, *_people), (ana, ben, *_clients) = phones
        idea = add(ana_p, "Petition")
        assert ana.get(url("idea_edit", session, idea.pk)).status_code == 200
        assert ben.get(url("idea_edit", session, idea.pk)).status_code == 404
        assert ben.post(url("idea_edit", session, idea.pk), {"delete": "1"}).status_code == 404
        response = ana.post(url("idea_edit", session, idea.pk), {"text": "Big petition"})
        assert response.status_code == 302 and Idea.objects.get().text == "Big petition"
        response = ana.post(url("idea_edit", session, idea.pk), {"text": ""})
        assert response.status_code == 400 and "cannot be empty" in response.content.decode()
        response = ana.post(url("idea_edit", session, idea.pk), {"delete": "1"})
        assert response.status_code == 302 and not Idea.objects.exists()

    def test_a_crossed_out_idea_on_its_authors_phone(self, phones):
        session, (ana_p, *_people), (ana, *_clients) = phones
        idea_cross_out(idea=add(ana_p, "Paint the ministry"), reason="Vandalism")
        html = ana.get(url("room", session)).content.decode()
        assert '<del dir="auto">Paint the ministry</del>' in html
        assert "Crossed out:" in html and "Vandalism" in html
        assert "might not be accepted by the government" in html
        pushed = render(bus.group_part(ana_p.group_id), session)
        assert '<del dir="auto">Paint the ministry</del>' in pushed

    def test_tags_on_the_phone(self, phones):
        session, (ana_p, *_people), (ana, *_clients) = phones
        idea_set_tag(idea=add(ana_p, "March"), tag="assembly", on=True)
        html = ana.get(url("group_ideas", session)).content.decode()
        assert "Freedom of assembly" in html and "Freedom of expression" not in html

    def test_text_is_text_everywhere(self, phones):
        session, (ana_p, *_people), (ana, *_clients) = phones
        add(ana_p, SCRIPT)
        common.step_set_view(session=session, step_key="protest", view="ideas")
        escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        for html in (
            ana.get(url("group_ideas", session)).content.decode(),
            render(bus.group_part(ana_p.group_id), session),
            render(bus.PROJECTOR, session),
            render(bus.CONTROL_STEP, session),
        ):
            assert SCRIPT not in html and escaped in html

    def test_the_pushed_group_panel_has_nothing_personal(self, phones):
        session, (ana_p, *_people), _clients = phones
        idea = add(ana_p, "Petition")
        pushed = render(bus.group_part(ana_p.group_id), session)
        assert "Petition" in pushed and "Your idea" not in pushed
        assert url("idea_edit", session, idea.pk) not in pushed
        assert f'hx-get="{url("group_ideas", session)}"' in pushed


class TestDrawingFiles:
    @pytest.fixture
    def drawing(self, phones):
        session, people, clients = phones
        idea = add(people[0], "", drawing=picture_bytes())
        return session, idea, clients

    def test_the_author_and_the_group_see_it(self, drawing):
        session, idea, (ana, ben, chloe, _dev) = drawing
        for client in (ana, ben):
            response = client.get(url("idea_drawing", session, idea.pk))
            assert response.status_code == 200 and response["Content-Type"] == "image/png"
            assert "private" in response["Cache-Control"]
        assert chloe.get(url("idea_drawing", session, idea.pk)).status_code == 404

    def test_the_facilitator_sees_it_and_nobody_else(self, drawing, client):
        session, idea, _clients = drawing
        assert client.get(url("idea_drawing", session, idea.pk)).status_code == 404
        client.force_login(UserFactory())
        assert client.get(url("idea_drawing", session, idea.pk)).status_code == 404
        client.force_login(session.facilitator)
        assert client.get(url("idea_drawing", session, idea.pk)).status_code == 200

    def test_the_file_is_out_of_reach_of_media(self, drawing, client, settings):
        _session, idea, _clients = drawing
        path = Path(idea.drawing.path)
        assert path.is_file() and Path(settings.UPLOADS_ROOT) in path.parents
        assert Path(settings.MEDIA_ROOT) not in path.parents
        assert client.get(f"/{settings.MEDIA_URL}{idea.drawing.name}").status_code == 404
        with pytest.raises(ValueError):
            idea.drawing.url  # noqa: B018

    def test_not_through_another_session(self, drawing, client):
        _session, idea, _clients = drawing
        other = live_session()
        client.force_login(other.facilitator)
        assert client.get(url("idea_drawing", other, idea.pk)).status_code == 404


class TestFacilitatorViews:
    @pytest.fixture
    def board(self, room, client):
        session, (ana, *_rest) = room
        client.force_login(session.facilitator)
        return session, add(ana, "March on the square"), client

    def test_the_control_view_shows_ideas_with_labelled_actions(self, board):
        session, idea, client = board
        html = client.get(url("control", session)).content.decode()
        assert "March on the square" in html
        assert f'id="idea-{idea.pk}-cross"' in html
        assert f'<label for="reason-{idea.pk}"' in html
        assert "Hide from the projector" in html

    @pytest.mark.parametrize("htmx", [False, True])
    def test_tag_cross_out_restore_hide(self, board, htmx):
        session, idea, client = board
        extra = HX if htmx else {}
        expected = 204 if htmx else 302
        post = lambda name, data: client.post(url(name, session, idea.pk), data, **extra)  # noqa: E731
        assert post("idea_tag", {"tag": "expression", "on": "1"}).status_code == expected
        assert post("idea_cross_out", {"reason": "Not allowed"}).status_code == expected
        idea.refresh_from_db()
        assert idea.about_expression and idea.crossed_out and idea.crossed_out_reason
        assert post("idea_restore", {}).status_code == expected
        assert post("idea_hide", {"hidden": "1"}).status_code == expected
        idea.refresh_from_db()
        assert not idea.crossed_out and idea.hidden

    def test_a_refused_mark_says_why(self, board):
        session, idea, client = board
        response = client.post(url("idea_tag", session, idea.pk), {"tag": "x", "on": "1"}, **HX)
        assert response.status_code == 409 and "no such tag" in response.content.decode()

    def test_a_participant_cannot_cross_out_or_hide(self, phones):
        session, (ana_p, *_people), (ana, *_clients) = phones
        idea = add(ana_p, "March")
        for name, data in (("idea_cross_out", {}), ("idea_hide", {"hidden": "1"})):
            response = ana.post(url(name, session, idea.pk), data)
            assert response.status_code == 302 and "/accounts/login/" in response.url
        idea.refresh_from_db()
        assert not idea.crossed_out and not idea.hidden

    def test_another_facilitator_cannot(self, board):
        session, idea, client = board
        client.force_login(UserFactory())
        assert client.post(url("idea_cross_out", session, idea.pk)).status_code == 404

    def test_an_idea_of_another_session_is_not_found(self, board):
        _session, idea, client = board
        other = live_session(facilitator=idea.session.facilitator)
        assert client.post(url("idea_cross_out", other, idea.pk)).status_code == 404

    def test_the_projector_shows_the_board_with_crossings_out_and_tags(self, board):
        session, idea, client = board
        client.post(url("step_view", session, "protest"), {"view": "ideas"})
        idea_set_tag(idea=idea, tag="assembly", on=True)
        idea_cross_out(idea=idea, reason="Banned")
        html = client.get(url("projector", session)).content.decode()
        assert '<del dir="auto">March on the square</del>' in html and "Banned" in html
        assert "Freedom of assembly" in html
        assert "might not be accepted by the government" in html
        idea_set_hidden(idea=idea, hidden=True)
        assert "March on the square" not in client.get(url("projector", session)).content.decode()

    def test_reflection_on_the_projector_with_chosen_answers(self, room, client):
        session, (ana, ben, *_rest) = room
        client.force_login(session.facilitator)
        chosen = reflection_answer_save(participant=ana, step_key="protest", question=0, text="Sad")
        reflection_answer_save(participant=ben, step_key="protest", question=0, text="Unchosen")
        response = client.post(url("step_view", session, "protest"), {"view": "reflection"}, **HX)
        assert response.status_code == 204
        response = client.post(url("answer_show", session, chosen.pk), {"shown": "1"}, **HX)
        assert response.status_code == 204
        html = client.get(url("projector", session)).content.decode()
        assert "How would you feel if your way of protesting was not allowed" in html
        assert "Sad" in html and "Unchosen" not in html and "Ana" not in html

    def test_the_phones_get_the_reflection_questions(self, phones):
        session, (ana_p, *_people), (ana, ben, *_clients) = phones
        common.step_set_view(session=session, step_key="protest", view="reflection")
        reflection_answer_save(participant=ana_p, step_key="protest", question=0, text="Sad")
        assert "Sad" in ana.get(url("room", session)).content.decode()
        assert "Sad" not in ben.get(url("room", session)).content.decode()
        pushed = render(bus.STAGE, session)
        assert "Sad" not in pushed and f'hx-get="{url("reflection_answers", session)}"' in pushed
        assert "Sad" in ana.get(url("reflection_answers", session)).content.decode()

    @pytest.mark.parametrize("htmx", [False, True])
    def test_answering_from_a_phone(self, phones, htmx):
        session, _people, (ana, *_clients) = phones
        data = {"step": "protest", "question": "1", "text": "Because they fear us"}
        response = ana.post(url("reflection_answers", session), data, **(HX if htmx else {}))
        assert response.status_code == (200 if htmx else 302)
        assert ReflectionAnswer.objects.get().text == "Because they fear us"

    def test_a_bad_question_from_a_phone(self, phones):
        session, _people, (ana, *_clients) = phones
        data = {"step": "protest", "question": "x", "text": "Hi"}
        response = ana.post(url("reflection_answers", session), data, **HX)
        assert response.status_code == 422
