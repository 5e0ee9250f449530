"""Step 2: the story, the group's shared note and the background pages."""

import threading

import pytest
from django.db import IntegrityError, close_old_connections, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from activities import identity, services
from activities.live import bus
from activities.live.render import render_part
from activities.models import GroupNote
from activities.services import SessionError
from activities.steps import story
from activities.steps.story import background_set_shown, note_feature, note_save
from tests.factories import PACK_OTHER, at_step, join, live_session, step_of_kind

pytestmark = pytest.mark.django_db

KIND = "story"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pushed(monkeypatch, django_capture_on_commit_callbacks):
    def run(action):
        sent = []
        monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result, sent

    return run


@pytest.fixture
def room():
    session = live_session(group_size=2)
    people = [join(session, name) for name in ("Ana", "Ben", "Chloé", "Dev")]
    return at_step(session, KIND), people


def save(person, text):
    return note_save(participant=person, step_key="story", text=text)


def render(part, session):
    return render_part(session.pk, part, "en")[1]


def phone(settings, person):
    client = Client()
    cookie = identity.remember(HttpResponse(), person).cookies[settings.PARTICIPANT_COOKIE]
    client.cookies[settings.PARTICIPANT_COOKIE] = cookie.value
    return client


def url(name, session, *args):
    return reverse(name, args=[session.room_code, *args])


class TestTheGroupsNote:
    def test_each_member_writes_their_own_part(self, room, pushed):
        session, (ana, ben, chloe, _dev) = room
        _note, sent = pushed(lambda: save(ana, "She is brave"))
        assert sent == [{bus.group_part(ana.group_id), bus.CONTROL_STEP}]
        save(ben, "Love is stronger than fear")
        save(chloe, "Another group")
        step = step_of_kind(session, KIND)
        parts = story.group_note(session, step, ana.group)
        assert [(p.participant.nickname, p.text) for p in parts] == [
            ("Ana", "She is brave"),
            ("Ben", "Love is stronger than fear"),
        ]

    def test_saving_again_replaces_ones_own_part_only(self, room):
        session, (ana, ben, *_rest) = room
        save(ana, "First")
        save(ben, "Ben's")
        save(ana, "First, then more")
        assert dict(GroupNote.objects.values_list("participant__nickname", "text")) == {
            "Ana": "First, then more",
            "Ben": "Ben's",
        }

    def test_an_unchanged_save_publishes_nothing(self, room, pushed):
        _session, (ana, *_rest) = room
        save(ana, "Same")
        _note, sent = pushed(lambda: save(ana, " Same "))
        assert sent == []

    def test_emptying_withdraws_the_part(self, room):
        _session, (ana, *_rest) = room
        save(ana, "Something")
        assert save(ana, "  ") is None
        assert not GroupNote.objects.exists()

    def test_limits(self, room):
        _session, (ana, *_rest) = room
        assert len(save(ana, "x" * 2000).text) == 2000
        with pytest.raises(SessionError, match="at most 2000 characters"):
            save(ana, "x" * 2001)
        with pytest.raises(SessionError, match="control or invisible"):
            save(ana, "\x00")

    def test_only_while_the_step_runs(self, room):
        session, (ana, *_rest) = room
        services.session_go_to_step(session=session, step_key="protest")
        with pytest.raises(SessionError, match="not running"):
            save(ana, "Late")

    def test_not_by_a_removed_member_and_their_part_leaves(self, room):
        session, (ana, ben, *_rest) = room
        save(ana, "Mine")
        services.participant_remove(participant=ana)
        with pytest.raises(SessionError, match="left this session"):
            save(ana, "Again")
        assert story.group_note(session, step_of_kind(session, KIND), ben.group) == []

    def test_a_part_is_never_empty_in_the_database(self, room):
        session, (ana, *_rest) = room
        with pytest.raises(IntegrityError), transaction.atomic():
            GroupNote.objects.create(session=session, step_key="story", participant=ana, text="")

    def test_one_part_per_member_in_the_database(self, room):
        session, (ana, *_rest) = room
        save(ana, "One")
        with pytest.raises(IntegrityError), transaction.atomic():
            GroupNote.objects.create(session=session, step_key="story", participant=ana, text="2")


@pytest.mark.django_db(transaction=True)
def test_two_members_typing_at_once_lose_neither_ones_words():
    """Two phones save as their members type, at the same time, many times
    over: every word of both ends up in the group's note."""
    session = live_session(group_size=2)
    ana, ben = join(session, "Ana"), join(session, "Ben")
    session = at_step(session, KIND)
    start = threading.Barrier(2)
    errors = []

    def type_(person, words):
        try:
            start.wait()
            typed = ""
            for word in words:
                typed = f"{typed} {word}".strip()
                save(person, typed)
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    ana_words = [f"ana{index}" for index in range(25)]
    ben_words = [f"ben{index}" for index in range(25)]
    threads = [
        threading.Thread(target=type_, args=(ana, ana_words)),
        threading.Thread(target=type_, args=(ben, ben_words)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    parts = story.group_note(session, step_of_kind(session, KIND), ana.group)
    assert {p.participant.nickname: p.text for p in parts} == {
        "Ana": " ".join(ana_words),
        "Ben": " ".join(ben_words),
    }


class TestTheProjector:
    def test_the_story_with_a_placeholder_when_the_pack_has_no_picture(self, room, client):
        session, _people = room
        client.force_login(session.facilitator)
        html = client.get(url("projector", session)).content.decode()
        assert 'class="portrait-placeholder" role="img" aria-label="Maryia Kalesnikava"' in html
        assert ">MK<" in html
        assert "musician, a political activist" in html  # the introduction
        assert "love is stronger than fear" in html  # the read-aloud paragraphs

    def test_the_story_with_the_packs_picture(self, client):
        session = live_session(pack=PACK_OTHER)
        session = at_step(session, KIND)
        client.force_login(session.facilitator)
        html = client.get(url("projector", session)).content.decode()
        assert "A drawn figure standing by a blue river" in html
        assert "portrait-placeholder" not in html

    def test_a_groups_note_on_the_projector(self, room, client, pushed):
        session, (ana, ben, chloe, _dev) = room
        save(ana, "She never gave up")
        _state, sent = pushed(
            lambda: note_feature(session=session, step_key="story", group=ana.group)
        )
        assert sent == [{bus.PROJECTOR, bus.CONTROL_STEP, bus.group_part(ana.group_id)}]
        client.force_login(session.facilitator)
        html = client.get(url("projector", session)).content.decode()
        assert "She never gave up" in html and ana.group.name in html
        _note, sent = pushed(lambda: save(ben, "Hope"))
        assert bus.PROJECTOR in sent[0]
        _note, sent = pushed(lambda: save(chloe, "Not featured"))
        assert bus.PROJECTOR not in sent[0]
        assert "On the projector now" in render(bus.group_part(ana.group_id), session)
        note_feature(session=session, step_key="story", group=None)
        html = client.get(url("projector", session)).content.decode()
        assert "She never gave up" not in html and "love is stronger than fear" in html

    def test_a_group_of_another_session_is_refused(self, room):
        session, _people = room
        other = live_session()
        stranger = join(other, "Zed")
        with pytest.raises(SessionError, match="not in this session"):
            note_feature(session=session, step_key="story", group=stranger.group)


class TestBackgroundPages:
    def test_the_facilitator_sees_them_and_opens_one_to_the_phones(self, room, client, settings):
        session, (ana, *_rest) = room
        client.force_login(session.facilitator)
        control = client.get(url("control", session)).content.decode()
        assert "The right to protest in Belarus" in control
        assert "red and white trousers" in control
        assert "Show to participants" in control
        ana_phone = phone(settings, ana)
        assert "red and white trousers" not in ana_phone.get(url("room", session)).content.decode()
        response = client.post(
            url("background_show", session, "story"),
            {"key": "right-to-protest-in-belarus", "shown": "1"},
            **HX,
        )
        assert response.status_code == 204
        page = ana_phone.get(url("room", session)).content.decode()
        assert "red and white trousers" in page
        assert "Article 19 of the UDHR protects" not in page  # the other page stays closed
        assert "red and white trousers" in render(bus.STAGE, session)
        background_set_shown(
            session=session, step_key="story", key="right-to-protest-in-belarus", shown=False
        )
        assert "red and white trousers" not in render(bus.STAGE, session)

    def test_pages_keep_the_packs_order(self, room):
        session, _people = room
        for key in ("right-to-peaceful-protest", "right-to-protest-in-belarus"):
            state = background_set_shown(session=session, step_key="story", key=key, shown=True)
        assert state.shown_backgrounds == [
            "right-to-protest-in-belarus",
            "right-to-peaceful-protest",
        ]

    def test_only_the_steps_pages(self, room):
        session, _people = room
        with pytest.raises(SessionError, match="no such background page"):
            background_set_shown(session=session, step_key="story", key="secret", shown=True)


class TestPhones:
    def test_the_handout_questions_and_note(self, room, settings):
        session, (ana, *_rest) = room
        save(ana, "My thoughts")
        html = phone(settings, ana).get(url("room", session)).content.decode()
        assert "Maryia Kalesnikava has a dream for her country" in html
        assert "What do you believe gives Maryia the strength to protest?" in html
        assert 'for="note-text-story"' in html and "My thoughts</textarea>" in html

    @pytest.mark.parametrize("htmx", [False, True])
    def test_saving_a_note(self, room, settings, htmx):
        session, (ana, *_rest) = room
        response = phone(settings, ana).post(
            url("group_note", session), {"step": "story", "text": "Hope"}, **(HX if htmx else {})
        )
        assert response.status_code == (200 if htmx else 302)
        assert GroupNote.objects.get().text == "Hope"

    def test_a_refused_note_says_why_and_keeps_the_text(self, room, settings):
        session, (ana, *_rest) = room
        client = phone(settings, ana)
        data = {"step": "story", "text": "y" * 2001}
        response = client.post(url("group_note", session), data, **HX)
        assert response.status_code == 422 and "at most 2000" in response.content.decode()
        response = client.post(url("group_note", session), data)
        assert response.status_code == 400 and "y" * 2001 in response.content.decode()

    def test_the_personal_editor_holds_only_ones_own_part(self, room, settings):
        session, (ana, ben, *_rest) = room
        save(ana, "Ana's part")
        save(ben, "Ben's part")
        editor = phone(settings, ana).get(url("group_note", session)).content.decode()
        assert "Ana&#x27;s part</textarea>" in editor and "Ben" not in editor
        pushed = render(bus.STAGE, session)
        assert "Ana&#x27;s part" not in pushed
        assert f'hx-get="{url("group_note", session)}"' in pushed
        group = render(bus.group_part(ana.group_id), session)
        assert "Ana&#x27;s part" in group and "Ben&#x27;s part" in group

    def test_text_is_text(self, room, settings, client):
        session, (ana, *_rest) = room
        save(ana, "<img src=x onerror=alert(1)>")
        note_feature(session=session, step_key="story", group=ana.group)
        client.force_login(session.facilitator)
        for html in (
            render(bus.group_part(ana.group_id), session),
            client.get(url("projector", session)).content.decode(),
            client.get(url("control", session)).content.decode(),
        ):
            assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html

    def test_featuring_from_the_control_view(self, room, client):
        session, (ana, *_rest) = room
        client.force_login(session.facilitator)
        response = client.post(url("note_feature", session, "story"), {"group": ana.group_id})
        assert response.status_code == 302
        assert story.state_of(session, "story").featured_group == ana.group
        response = client.post(url("note_feature", session, "story"), {"group": "999999"}, **HX)
        assert response.status_code == 404
        response = client.post(url("note_feature", session, "story"), {"group": ""}, **HX)
        assert response.status_code == 204
        assert story.state_of(session, "story").featured_group is None


def test_summary(room):
    session, (ana, ben, chloe, _dev) = room
    save(ana, "One")
    save(ben, "Two")
    save(chloe, "Three")
    part = story.summary(session, step_of_kind(session, KIND))
    assert (part["notes"], part["writers"], part["groups"]) == (3, 3, 2)
    assert "2 groups wrote a note" in render_to_string(part["template"], {"part": part})
