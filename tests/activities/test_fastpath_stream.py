"""A participant's event stream opened before Django (activities.live.fastpath):
the same stream, the same headers and language as Django's, only for a
phone let into the room as the database last said; everything else goes to
Django."""

import asyncio

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from activities import identity, services
from activities.live import hub as hub_module
from activities.live.fastpath import stream_request, stream_response, versions, with_fast_paths
from activities.live.hub import Hub
from tests.activities.test_live import in_thread, parse_events
from tests.factories import join, live_session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_hub(monkeypatch):
    versions.clear()
    hub = Hub()
    monkeypatch.setattr(hub_module, "hub", hub)
    yield hub
    versions.clear()


def cookie_of(person):
    return identity.remember(HttpResponse(), person).cookies[settings.PARTICIPANT_COOKIE].value


def stream_scope(code, cookie=None, *, language=None):
    headers = [(b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.PARTICIPANT_COOKIE}={cookie}".encode()))
    if language is not None:
        headers.append((b"accept-language", language.encode()))
    return {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": f"/r/{code}/events",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
    }


class Phone:
    """The ASGI side of one browser tab following a stream."""

    def __init__(self, app, scope):
        self.app, self.scope = app, scope
        self.sent = []
        self.arrived = asyncio.Event()
        self._asked = False
        self._leave = asyncio.Event()
        self.task = None

    async def receive(self):
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._leave.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        self.sent.append(message)
        self.arrived.set()

    def open(self):
        self.task = asyncio.ensure_future(self.app(self.scope, self.receive, self.send))

    def events(self):
        return parse_events([m.get("body", b"") for m in self.sent if m["type"].endswith("body")])

    async def wait_for(self, name, count=1):
        async def enough():
            while sum(1 for event, _data in self.events() if event == name) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), 10)

    async def leave(self):
        self._leave.set()
        await asyncio.wait_for(self.task, 10)


def django_recorder():
    called = []

    async def django(scope, receive, send):
        called.append(scope["path"])
        await send({"type": "http.response.start", "status": 403, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return called, django


def test_a_members_stream_opens_and_follows_the_session_without_django(fresh_hub):
    session = live_session()
    ana = join(session, "Ana")
    called, django = django_recorder()
    app = with_fast_paths(django)

    async def scenario():
        phone = Phone(app, stream_scope(session.room_code, cookie_of(ana)))
        phone.open()
        await phone.wait_for("stage")
        await phone.wait_for("group")
        assert fresh_hub.connection_count() == 1
        await in_thread(services.session_next_step, session=session)
        await phone.wait_for("stage", count=2)
        await phone.leave()
        return phone

    phone = asyncio.run(scenario())
    assert called == []
    assert phone.sent[0]["status"] == 200
    stages = [data for name, data in phone.events() if name == "stage"]
    assert "You're in!" in stages[0]
    assert session.activity.steps[0].title.text in stages[1]
    assert "Ana" in dict(phone.events())["group"]
    # The phone left: the response ended properly and the room let it go.
    assert phone.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert fresh_hub.connection_count() == 0


def test_the_headers_and_language_are_djangos_own():
    session = live_session()
    ana = join(session, "Ana")
    cookie = cookie_of(ana)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.cookies[settings.PARTICIPANT_COOKIE] = cookie
    response = client.get(reverse("room_events", args=[session.room_code]))
    assert response.status_code == 200
    djangos = {name.lower(): value for name, value in response.headers.items()}
    response.close()

    from activities.live import fastpath

    fastpath.read_room(session.room_code)
    scope = stream_scope(session.room_code, cookie, language="fr")
    conn, headers = stream_response(scope, stream_request(scope))
    ours = {name.decode(): value.decode() for name, value in headers}
    assert ours == djangos
    assert ours["content-language"] == "fr" and conn.language == "fr"
    assert conn.participant_id == ana.pk and conn.session_id == session.pk
    assert conn.parts == {"stage", f"participant:{ana.pk}", f"group:{ana.group_id}"}


def test_everyone_else_goes_to_django():
    session = live_session()
    ana, bo, cy = join(session, "Ana"), join(session, "Bo"), join(session, "Cy")
    services.participant_remove(participant=bo)
    other = live_session()
    stranger = join(other, "Dee")
    services.session_set_approve_joins(session=session, approve_joins=True)
    session.refresh_from_db()
    waiting = join(session, "Eve")
    assert waiting.waiting
    called, django = django_recorder()
    app = with_fast_paths(django)
    code = session.room_code

    async def scenario():
        for scope in [
            stream_scope(code),  # no cookie
            stream_scope(code, cookie_of(ana)[:-2] + "xx"),  # forged
            stream_scope(code, cookie_of(bo)),  # removed
            stream_scope(code, cookie_of(stranger)),  # in another room
            stream_scope(code, cookie_of(waiting)),  # not let in yet
            {**stream_scope(code, cookie_of(cy)), "method": "POST"},
            {**stream_scope(code, cookie_of(cy)), "path": f"/r/{code}/waiting/events"},
        ]:
            phone = Phone(app, scope)
            phone.open()
            await asyncio.wait_for(phone.task, 10)

    asyncio.run(scenario())
    assert len(called) == 7


def test_a_phone_moved_to_another_group_opens_on_its_new_group(fresh_hub):
    session = live_session(group_size=2)
    ana, _bo, cy = join(session, "Ana"), join(session, "Bo"), join(session, "Cy")
    called, django = django_recorder()
    app = with_fast_paths(django)

    async def scenario():
        first = Phone(app, stream_scope(session.room_code, cookie_of(ana)))
        first.open()
        await first.wait_for("stage")
        await first.leave()
        # Moving her bumps the version: what was read before is not used.
        await in_thread(services.participant_move, participant=ana, group=cy.group)
        again = Phone(app, stream_scope(session.room_code, cookie_of(ana)))
        again.open()
        await again.wait_for("group")
        conn = next(iter(next(iter(fresh_hub.rooms.values())).connections))
        await again.leave()
        return conn

    conn = asyncio.run(scenario())
    assert called == []
    assert f"group:{cy.group_id}" in conn.parts
