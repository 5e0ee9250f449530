"""Fault behaviour (docs/security.md, "When a part fails"): the database
briefly unavailable or locked, Redis down. The person sees a clear message,
nothing is half-written, and the app recovers by itself."""

import asyncio
import socket

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from activities import services
from activities.live import bus, presence
from activities.live import hub as hub_module
from activities.live.hub import Connection, Hub
from activities.models import Group, Participant
from tests.activities.test_live import parse_events
from tests.factories import join, live_session


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once it is closed


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails the way a locked SQLite or a gone PostgreSQL does."""
    state = {"down": True}
    real_execute = CursorWrapper.execute

    def execute(self, sql, params=None):
        if state["down"]:
            raise OperationalError("database is locked")
        return real_execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", execute)
    return state


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    bus._redis.cache_clear()
    presence._redis.cache_clear()
    yield settings.REDIS_URL
    bus._redis.cache_clear()
    presence._redis.cache_clear()


@pytest.mark.django_db
class TestDatabaseUnavailable:
    def test_a_page_says_to_try_again_in_a_moment(self, database_down):
        response = Client(raise_request_exception=False).get(reverse("join_room", args=["AAAAAAA"]))
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        page = response.content.decode()
        assert "The server is busy for a moment" in page
        assert "Traceback" not in page and "OperationalError" not in page

    def test_an_htmx_request_gets_a_short_message_the_page_shows(self, database_down):
        database_down["down"] = False
        session = live_session()
        facilitator = Client(raise_request_exception=False)
        facilitator.force_login(session.facilitator)
        database_down["down"] = True
        response = facilitator.post(
            reverse("next_step", args=[session.room_code]), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 503
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == (
            "The server is busy for a moment. Try again in a few seconds."
        )

    def test_nothing_is_half_written(self, monkeypatch):
        session = live_session(group_size=2)
        join(session, "Ana")
        join(session, "Bea")  # the only group is full: the next join makes one
        session.refresh_from_db()
        version = session.version
        real_create = Participant.objects.create

        def fail_after_the_group(**kwargs):
            raise OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(Participant.objects, "create", fail_after_the_group)
        phone = Client(raise_request_exception=False)
        url = reverse("join_room", args=[session.room_code])
        assert phone.post(url, {"nickname": "Cy"}).status_code == 503
        session.refresh_from_db()
        assert session.version == version
        assert Group.objects.filter(session=session).count() == 1  # the new group rolled back
        assert session.participants.count() == 2
        # ...and when the database is back, the same request just works.
        monkeypatch.setattr(Participant.objects, "create", real_create)
        assert phone.post(url, {"nickname": "Cy"}).status_code == 302
        assert session.participants.count() == 3

    def test_it_recovers_by_itself(self, database_down):
        client = Client(raise_request_exception=False)
        url = reverse("join_room", args=["AAAAAAA"])
        assert client.get(url).status_code == 503
        database_down["down"] = False
        assert client.get(url).status_code == 404  # answered normally again: no such room

    def test_the_live_stream_is_refused_cleanly(self, database_down):
        from asgiref.sync import async_to_sync
        from django.test import AsyncClient

        async def open_stream():
            return await AsyncClient(raise_request_exception=False).get(
                reverse("room_events", args=["AAAAAAA"])
            )

        response = async_to_sync(open_stream)()
        assert response.status_code == 503  # the page's event source retries by itself

    def test_the_page_has_somewhere_to_show_it(self, client):
        page = client.get(reverse("home")).content.decode()
        assert 'id="fault"' in page and 'role="alert"' in page
        assert "/static/w4r/faults.js" in page


@pytest.mark.django_db
class TestRedisDown:
    def test_a_change_still_reaches_this_process(
        self, redis_down, monkeypatch, django_capture_on_commit_callbacks
    ):
        delivered = []
        monkeypatch.setattr(hub_module.hub, "deliver_threadsafe", delivered.append)
        session = live_session()
        with django_capture_on_commit_callbacks(execute=True):
            services.session_next_step(session=session)
        assert delivered and delivered[-1]["s"] == session.pk
        assert set(bus.EVERYTHING) <= set(delivered[-1]["parts"])

    def test_joining_and_the_pages_still_work(self, redis_down, settings):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_down,
            }
        }
        session = live_session()
        phone = Client()
        response = phone.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
        assert response.status_code == 302
        # The polling fallback the pages use while the stream cannot follow.
        poll = phone.get(reverse("room_poll", args=[session.room_code]), {"v": "0"})
        assert poll.status_code == 200 and 'id="live-stage"' in poll.content.decode()
        facilitator = Client()
        facilitator.force_login(session.facilitator)
        assert facilitator.get(reverse("control", args=[session.room_code])).status_code == 200

    def test_presence_degrades_to_this_process(self, redis_down):
        presence.arrive(4242, 1)
        try:
            assert presence.connected(4242) == {1}
        finally:
            presence.leave(4242, 1)


@pytest.mark.django_db(transaction=True)
def test_while_redis_is_down_the_stream_tells_pages_to_poll(redis_down, monkeypatch):
    """The keep-alive becomes a "degraded" event: live.js then polls beside
    the stream, so changes made in other processes still arrive."""
    monkeypatch.setattr(hub_module, "KEEPALIVE_SECONDS", 0.05)
    session = live_session()
    person = join(session, "Ana")
    hub = Hub()

    async def scenario():
        conn = Connection(session.pk, [bus.STAGE], language="en", participant_id=person.pk)
        stream = hub.stream(conn)
        names = []
        try:
            while "degraded" not in names:
                chunk = await asyncio.wait_for(stream.__anext__(), 5)
                names += [name for name, _data in parse_events([chunk])]
        finally:
            await stream.aclose()
            for task in list(hub._tasks):
                task.cancel()
        return names

    names = asyncio.run(scenario())
    assert "stage" in names and "degraded" in names and "ping" not in names
    assert hub.redis_listening is False


def test_live_js_polls_while_degraded():
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "static/w4r/live.js").read_text()
    assert 'addEventListener("degraded", markDegraded)' in source
    assert "degradedAt" in source
