"""Unchanged polls answered before Django (activities.live.fastpath): only
for a participant of the room, only at the version the database last said,
with the headers Django's own 204 carries; everything else goes to Django."""

import time

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.datastructures import CaseInsensitiveMapping

from activities import identity, services
from activities.live import bus, fastpath
from activities.live.fastpath import Versions, unchanged_poll, versions, with_fast_paths
from tests.factories import join, live_session
from tests.test_headers import assert_hardened

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_rooms():
    versions.clear()
    yield
    versions.clear()


def scope(code, version, cookie=None, *, host="testserver", scheme="http", path=None, extra=()):
    headers = [(b"host", host.encode())]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.PARTICIPANT_COOKIE}={cookie}".encode()))
    headers.extend(extra)
    return {
        "type": "http",
        "method": "GET",
        "scheme": scheme,
        "path": path or f"/r/{code}/poll",
        "root_path": "",
        "query_string": f"v={version}".encode(),
        "headers": headers,
    }


@pytest.fixture
def room():
    """A session, a participant's phone (Client with its cookie), and the
    room as the poll view has read it once."""
    session = live_session()
    phone = Client()
    phone.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
    session.refresh_from_db()
    url = reverse("room_poll", args=[session.room_code])
    assert phone.get(url, {"v": session.version}).status_code == 204  # Django reads the room
    return session, phone, phone.cookies[settings.PARTICIPANT_COOKIE].value


class TestVersions:
    def test_a_member_at_the_version_read_is_unchanged(self):
        known = Versions()
        known.remember("ABC-DEFG", 1, 7, [(10, 5), (11, 5)])
        assert known.unchanged("ABC-DEFG", 10, 7)

    @pytest.mark.parametrize(
        "code, participant, version",
        [("ABC-DEFG", 12, 7), ("ABC-DEFG", 10, 6), ("ABC-DEFG", 10, 8), ("XYZ-XYZX", 10, 7)],
    )
    def test_anyone_else_or_another_version_or_room_goes_to_django(
        self, code, participant, version
    ):
        known = Versions()
        known.remember("ABC-DEFG", 1, 7, [(10, 5), (11, 5)])
        assert not known.unchanged(code, participant, version)

    def test_a_change_heard_after_the_reading_goes_to_django(self):
        known = Versions()
        known.remember("ABC-DEFG", 1, 7, [(10, 5)])
        known.heard(1, 8)
        assert not known.unchanged("ABC-DEFG", 10, 7)
        assert not known.unchanged("ABC-DEFG", 10, 8)  # not read yet: Django answers it
        known.remember("ABC-DEFG", 1, 8, [(10, 5)])
        assert known.unchanged("ABC-DEFG", 10, 8)

    def test_a_change_heard_before_the_reading_was_stored_still_counts(self):
        known = Versions()
        known.heard(1, 8)  # committed and heard while the view was reading 7
        known.remember("ABC-DEFG", 1, 7, [(10, 5)])
        assert not known.unchanged("ABC-DEFG", 10, 7)

    def test_an_older_reading_expires(self, monkeypatch):
        known = Versions()
        known.remember("ABC-DEFG", 1, 7, [(10, 5)])
        later = time.monotonic() + fastpath.MAX_AGE + 1
        monkeypatch.setattr(fastpath.time, "monotonic", lambda: later)
        assert not known.unchanged("ABC-DEFG", 10, 7)
        assert known.needs_reading("ABC-DEFG", 7)

    def test_a_break_in_the_subscription_voids_what_was_read_before(self):
        known = Versions()
        before = known.generation
        known.remember("ABC-DEFG", 1, 7, [(10, 5)], generation=before)
        known.new_generation()
        assert not known.unchanged("ABC-DEFG", 10, 7)
        # A reading that started before the break counts as before it.
        known.remember("ABC-DEFG", 1, 7, [(10, 5)], generation=before)
        assert not known.unchanged("ABC-DEFG", 10, 7)

    def test_announcements_without_a_version_change_nothing(self):
        known = Versions()
        known.remember("ABC-DEFG", 1, 7, [(10, 5)])
        known.heard(1, None)  # presence: who is connected, no new version
        assert known.unchanged("ABC-DEFG", 10, 7)


class TestTheFastAnswer:
    def test_an_unchanged_poll_gets_the_headers_of_djangos_own_204(self, room):
        session, phone, cookie = room
        django_204 = phone.get(
            reverse("room_poll", args=[session.room_code]), {"v": session.version}
        )
        fast = unchanged_poll(scope(session.room_code, session.version, cookie))
        assert fast is not None
        fast_headers = {name.decode(): value.decode() for name, value in fast}
        expected = {
            name.lower(): value
            for name, value in django_204.headers.items()
            # About a body in a language; a 204 has none.
            if name.lower() not in ("content-language", "vary", "content-length")
        }
        assert fast_headers == expected

    def test_over_https_it_is_hardened_like_every_response(self, room, settings):
        settings.SECURE_HSTS_SECONDS = 31_536_000
        settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        settings.SECURE_HSTS_PRELOAD = True
        session, phone, cookie = room
        fast = unchanged_poll(scope(session.room_code, session.version, cookie, scheme="https"))

        class Answer:
            headers = CaseInsensitiveMapping(
                {name.decode(): value.decode() for name, value in fast}
            )

        assert_hardened(Answer)

    def test_behind_a_tls_proxy_the_forwarded_scheme_counts(self, room, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_HSTS_SECONDS = 3600
        session, _phone, cookie = room
        plain = scope(session.room_code, session.version, cookie)
        assert unchanged_poll(plain) is None  # Django redirects it
        forwarded = scope(
            session.room_code, session.version, cookie, extra=[(b"x-forwarded-proto", b"https")]
        )
        assert (b"strict-transport-security", b"max-age=3600") in unchanged_poll(forwarded)

    def test_through_the_asgi_application_django_is_not_called(self, room):
        session, _phone, cookie = room
        called, sent = [], []

        async def django(scope, receive, send):
            called.append(scope["path"])

        async def send(message):
            sent.append(message)

        app = with_fast_paths(django)
        async_to_sync(app)(scope(session.room_code, session.version, cookie), None, send)
        assert called == []
        assert sent[0]["status"] == 204 and sent[1]["body"] == b""
        async_to_sync(app)(scope(session.room_code, session.version + 1, cookie), None, send)
        assert called == [f"/r/{session.room_code}/poll"]


class TestEverythingElseGoesToDjango:
    def test_no_cookie_a_forged_one_or_a_stranger(self, room):
        session, _phone, cookie = room
        code, version = session.room_code, session.version
        assert unchanged_poll(scope(code, version)) is None
        assert unchanged_poll(scope(code, version, cookie[:-2] + "xx")) is None
        # A participant of another room, with a genuine cookie.
        stranger = join(live_session(), "Eve")
        signed = identity.remember(HttpResponse(), stranger).cookies[settings.PARTICIPANT_COOKIE]
        assert unchanged_poll(scope(code, version, signed.value)) is None

    def test_a_host_django_would_refuse(self, room):
        session, _phone, cookie = room
        assert (
            unchanged_poll(scope(session.room_code, session.version, cookie, host="evil.example"))
            is None
        )

    def test_other_urls_and_methods(self, room):
        session, _phone, cookie = room
        other = scope(session.room_code, session.version, cookie, path=f"/r/{session.room_code}")
        assert unchanged_poll(other) is None
        post = scope(session.room_code, session.version, cookie)
        post["method"] = "POST"
        assert unchanged_poll(post) is None
        bad = scope(session.room_code, session.version, cookie)
        bad["query_string"] = b"v=abc"
        assert unchanged_poll(bad) is None

    def test_a_removed_participant_is_told_by_django(
        self, room, django_capture_on_commit_callbacks
    ):
        session, phone, cookie = room
        person = session.participants.get()
        with django_capture_on_commit_callbacks(execute=True):
            services.participant_remove(participant=person)
        # The phone still shows the version before its removal: Django answers.
        assert unchanged_poll(scope(session.room_code, session.version, cookie)) is None
        url = reverse("room_poll", args=[session.room_code])
        assert phone.get(url, {"v": session.version}).status_code == 403
        # Even a phone that guessed the new version is not answered here.
        session.refresh_from_db()
        assert unchanged_poll(scope(session.room_code, session.version, cookie)) is None
        assert phone.get(url, {"v": session.version}).status_code == 403

    def test_a_change_is_never_answered_unchanged(self, room, django_capture_on_commit_callbacks):
        session, phone, cookie = room
        old = session.version
        with django_capture_on_commit_callbacks(execute=True):
            services.session_next_step(session=session)
        assert unchanged_poll(scope(session.room_code, old, cookie)) is None
        response = phone.get(reverse("room_poll", args=[session.room_code]), {"v": old})
        assert response.status_code == 200
        new = int(response["X-W4R-Version"])
        # Django read the room again: the new version is answered here now.
        assert unchanged_poll(scope(session.room_code, new, cookie)) is not None

    def test_a_phone_let_in_later_is_read_again(self, room):
        session, _phone, _cookie = room
        later = Client()
        later.post(reverse("join_room", args=[session.room_code]), {"nickname": "Bea"})
        cookie = later.cookies[settings.PARTICIPANT_COOKIE].value
        session.refresh_from_db()
        url = reverse("room_poll", args=[session.room_code])
        assert unchanged_poll(scope(session.room_code, session.version, cookie)) is None
        assert later.get(url, {"v": session.version}).status_code == 204
        assert unchanged_poll(scope(session.room_code, session.version, cookie)) is not None

    def test_with_redis_only_while_the_channel_is_heard(self, room, settings, monkeypatch):
        from activities.live.hub import hub

        session, _phone, cookie = room
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
        monkeypatch.setattr(hub, "ensure_started", lambda: None)
        monkeypatch.setattr(hub, "redis_listening", False)
        assert unchanged_poll(scope(session.room_code, session.version, cookie)) is None
        monkeypatch.setattr(hub, "redis_listening", True)
        assert unchanged_poll(scope(session.room_code, session.version, cookie)) is not None

    def test_a_publish_from_this_process_is_heard_at_once(self, room):
        session, _phone, cookie = room
        bus.publish(session.pk, session.version + 1, [bus.STAGE])
        assert unchanged_poll(scope(session.room_code, session.version, cookie)) is None


class TestChangedPolls:
    def test_phones_polling_after_the_same_change_share_one_render(self, monkeypatch):
        from activities.live import render

        session = live_session()
        phones = []
        for nickname in ("Ana", "Bea", "Cem"):
            phone = Client()
            phone.post(reverse("join_room", args=[session.room_code]), {"nickname": nickname})
            phones.append(phone)
        session.refresh_from_db()
        renders = []
        real = render.render_part

        def counting(session_id, part, language):
            renders.append(part)
            return real(session_id, part, language)

        monkeypatch.setattr(render, "render_part", counting)
        url = reverse("room_poll", args=[session.room_code])
        answers = [phone.get(url, {"v": 0}).content for phone in phones]
        assert len(set(answers)) == 1  # one group of four: the same screen
        assert renders.count("stage") == 1


@pytest.mark.django_db(transaction=True)
class TestChangedPollsAnsweredHere:
    def joined(self):
        session = live_session()
        phone = Client(HTTP_ACCEPT_LANGUAGE="fr")
        phone.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
        session.refresh_from_db()
        return session, phone, phone.cookies[settings.PARTICIPANT_COOKIE].value

    def through_the_application(self, request_scope):
        called, sent = [], []

        async def django(scope, receive, send):
            called.append(scope["path"])

        async def send(message):
            sent.append(message)

        async_to_sync(with_fast_paths(django))(request_scope, None, send)
        return called, sent

    def test_a_phone_that_missed_a_change_gets_djangos_answer_without_django(self):
        session, phone, cookie = self.joined()
        missed = session.version
        services.session_next_step(session=session)
        session.refresh_from_db()
        url = reverse("room_poll", args=[session.room_code])
        djangos = phone.get(url, {"v": missed})
        assert djangos.status_code == 200 and djangos["X-W4R-Version"] == str(session.version)

        extra = [(b"accept-language", b"fr")]
        called, sent = self.through_the_application(
            scope(session.room_code, missed, cookie, extra=extra)
        )
        assert called == []
        assert sent[0]["status"] == 200
        assert sent[1]["body"] == djangos.content
        assert sent[1]["body"].decode().count('hx-swap-oob="innerHTML"') == 2  # stage, group
        ours = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
        assert ours == {name.lower(): value for name, value in djangos.headers.items()}

    def test_a_phone_ahead_of_what_was_read_goes_to_django(self):
        session, phone, cookie = self.joined()
        url = reverse("room_poll", args=[session.room_code])
        assert phone.get(url, {"v": session.version}).status_code == 204  # read
        called, _sent = self.through_the_application(
            scope(session.room_code, session.version + 1, cookie)
        )
        assert called == [url]


@pytest.mark.django_db(transaction=True)
class TestReadingTheRoomItself:
    """Without a recent reading the application reads the room in a worker
    thread (once for all the phones asking) instead of sending every poll
    through Django."""

    def _ask(self, scope_):
        called, sent = [], []

        async def django(scope, receive, send):
            called.append(scope["path"])

        async def send(message):
            sent.append(message)

        async_to_sync(with_fast_paths(django))(scope_, None, send)
        return called, sent

    def test_a_room_never_read_is_read_and_answered_here(self):
        session = live_session()
        person = join(session, "Ana")
        session.refresh_from_db()
        cookie = identity.remember(HttpResponse(), person).cookies[settings.PARTICIPANT_COOKIE]
        versions.clear()
        called, sent = self._ask(scope(session.room_code, session.version, cookie.value))
        assert called == [] and sent[0]["status"] == 204

    def test_an_expired_reading_is_read_again(self):
        session = live_session()
        person = join(session, "Ana")
        session.refresh_from_db()
        cookie = identity.remember(HttpResponse(), person).cookies[settings.PARTICIPANT_COOKIE]
        fastpath.read_room(session.room_code)
        services.participant_remove(participant=person)  # from elsewhere: nothing heard
        versions._rooms[session.room_code].at -= fastpath.MAX_AGE + 1  # read long ago
        called, _sent = self._ask(scope(session.room_code, session.version, cookie.value))
        assert called == [f"/r/{session.room_code}/poll"]  # read again: removed, Django answers

    def test_an_unknown_room_goes_to_django(self):
        session = live_session()
        person = join(session, "Ana")
        cookie = identity.remember(HttpResponse(), person).cookies[settings.PARTICIPANT_COOKIE]
        called, _sent = self._ask(scope("ZZZ-ZZZZ", 1, cookie.value))
        assert called == ["/r/ZZZ-ZZZZ/poll"]
