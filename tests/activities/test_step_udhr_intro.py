"""The optional UDHR introduction: 30 articles in six families, and the
room's answers to "Which of these rights have you used today?"."""

import copy
import re

import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from activities import identity, services
from activities.live import bus
from activities.live.render import render_part
from activities.models import UdhrTap
from activities.services import SessionError
from activities.steps import udhr_intro
from activities.steps.udhr_intro import udhr_tap_set
from tests.factories import at_step, join, live_session, step_of_kind

pytestmark = pytest.mark.django_db

KIND = "udhr_intro"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def room():
    session = live_session(group_size=2)
    people = [join(session, name) for name in ("Ana", "Ben", "Chloé")]
    return at_step(session, KIND), people


def tap(person, article, used=True):
    return udhr_tap_set(participant=person, step_key="udhr", article=article, used=used)


def phone(settings, person):
    client = Client()
    cookie = identity.remember(HttpResponse(), person).cookies[settings.PARTICIPANT_COOKIE]
    client.cookies[settings.PARTICIPANT_COOKIE] = cookie.value
    return client


def url(name, session, *args):
    return reverse(name, args=[session.room_code, *args])


class TestTaps:
    def test_taps_count_once_per_person_and_can_be_taken_back(
        self, room, monkeypatch, django_capture_on_commit_callbacks
    ):
        session, (ana, ben, _chloe) = room
        sent = []
        monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
        with django_capture_on_commit_callbacks(execute=True):
            tap(ana, 19)
        assert sent == [{bus.PROJECTOR, bus.CONTROL_STEP}]
        tap(ana, 19)  # again: still one
        tap(ben, 19)
        tap(ben, 26)
        step = step_of_kind(session, KIND)
        assert udhr_intro.counts(session, step) == {19: 2, 26: 1}
        tap(ben, 19, used=False)
        tap(ben, 19, used=False)
        assert udhr_intro.counts(session, step) == {19: 1, 26: 1}

    def test_a_repeated_tap_changes_nothing_and_publishes_nothing(
        self, room, monkeypatch, django_capture_on_commit_callbacks
    ):
        session, (ana, *_rest) = room
        tap(ana, 3)
        version = type(session).objects.get(pk=session.pk).version
        sent = []
        monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(parts))
        with django_capture_on_commit_callbacks(execute=True):
            tap(ana, 3)
        assert sent == [] and type(session).objects.get(pk=session.pk).version == version

    @pytest.mark.parametrize("article", [0, 31, -1, 100])
    def test_only_the_30_articles(self, room, article):
        _session, (ana, *_rest) = room
        with pytest.raises(SessionError, match="no such article"):
            tap(ana, article)

    def test_only_while_the_step_runs(self, room):
        session, (ana, *_rest) = room
        services.session_go_to_step(session=session, step_key="protest")
        with pytest.raises(SessionError, match="not running"):
            tap(ana, 1)

    def test_a_removed_person_does_not_count(self, room):
        session, (ana, ben, _chloe) = room
        tap(ana, 1)
        tap(ben, 1)
        services.participant_remove(participant=ben)
        assert udhr_intro.counts(session, step_of_kind(session, KIND)) == {1: 1}
        with pytest.raises(SessionError, match="left this session"):
            tap(ben, 2)

    def test_a_step_without_a_prompt_takes_no_taps(self, room):
        session, (ana, *_rest) = room
        version = session.case_version
        data = copy.deepcopy(version.data)
        del data["activities"][0]["steps"][0]["prompt"]
        version.data = data
        version.save()
        with pytest.raises(SessionError, match="asks no question"):
            tap(ana, 1)

    def test_the_database_keeps_articles_in_range(self, room):
        from django.db import IntegrityError, transaction

        session, (ana, *_rest) = room
        with pytest.raises(IntegrityError), transaction.atomic():
            UdhrTap.objects.create(session=session, step_key="udhr", participant=ana, article=31)


class TestScreens:
    def test_the_six_families_and_thirty_articles_on_the_phone(self, room, settings):
        session, (ana, *_rest) = room
        html = phone(settings, ana).get(url("room", session)).content.decode()
        assert html.count('class="right-button"') == 30
        for family in ("Civil rights and liberties", "Cultural rights, solidarity rights"):
            assert family in html
        assert "Which of these rights have you used today?" in html
        assert 'aria-pressed="false"' in html and 'aria-pressed="true"' not in html

    @pytest.mark.parametrize("htmx", [False, True])
    def test_tapping_from_a_phone(self, room, settings, htmx):
        session, (ana, *_rest) = room
        client = phone(settings, ana)
        response = client.post(
            url("udhr_tap", session, 19), {"step": "udhr", "used": "1"}, **(HX if htmx else {})
        )
        if htmx:
            assert response.status_code == 200
            html = response.content.decode()
            assert 'id="right-udhr-19"' in html and 'aria-pressed="true"' in html
            assert 'name="used" value="0"' in html
        else:
            assert response.status_code == 302
            assert response.url == url("room", session) + "#right-udhr-19"
        assert UdhrTap.objects.get().article == 19

    def test_a_bad_tap_from_a_phone(self, room, settings):
        session, (ana, *_rest) = room
        response = phone(settings, ana).post(
            url("udhr_tap", session, 31), {"step": "udhr", "used": "1"}, **HX
        )
        assert response.status_code == 422 and "no such article" in response.content.decode()

    def test_each_phone_sees_its_own_taps(self, room, settings):
        session, (ana, ben, _chloe) = room
        tap(ana, 26)
        mine = phone(settings, ana).get(url("udhr_rights", session)).content.decode()
        theirs = phone(settings, ben).get(url("udhr_rights", session)).content.decode()
        assert mine.count('aria-pressed="true"') == 1
        assert theirs.count('aria-pressed="true"') == 0
        pushed = render_part(session.pk, bus.STAGE, "en")[1]
        # The room's stage lists the rights without buttons until the phone
        # has fetched its own: a tap cannot race with that fetch.
        assert "aria-pressed" not in pushed and "<form" not in pushed
        assert f'hx-get="{url("udhr_rights", session)}"' in pushed

    def test_the_projector_counts_the_room(self, room, client):
        session, (ana, ben, chloe) = room
        for person in (ana, ben, chloe):
            tap(person, 19)
        tap(ana, 24)
        client.force_login(session.facilitator)
        html = client.get(url("projector", session)).content.decode()
        assert "3 people have answered" in html
        assert html.count('class="udhr-article') == 30
        used = r'class="udhr-article udhr-used bar-(\d+)">.*?"udhr-count">(\d+)<'
        counts = re.findall(used, html, re.S)
        assert sorted(counts) == [("10", "3"), ("3", "1")]
        control = client.get(url("control", session)).content.decode()
        assert "Article 19, Freedom of expression and the right to spread information: 3" in control


def test_summary(room):
    session, (ana, ben, _chloe) = room
    tap(ana, 19)
    tap(ben, 19)
    tap(ben, 26)
    part = udhr_intro.summary(session, step_of_kind(session, KIND))
    assert (part["taps"], part["people"]) == (3, 2)
    assert [(item["article"].number, item["count"]) for item in part["top"]] == [(19, 2), (26, 1)]
    assert "2 people said which rights" in render_to_string(part["template"], {"part": part})
