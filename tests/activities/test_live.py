"""The push path: SSE framing, the hub's fan-out, its bounded queues."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from activities import services
from activities.live import bus, render
from activities.live import hub as hub_module
from activities.live.hub import QUEUE_SIZE, Connection, Hub, sse_event
from tests.factories import join, live_session


async def in_thread(service, **kwargs):
    """Run a service as a request would, off the event loop, closing its connection."""

    def call():
        try:
            return service(**kwargs)
        finally:
            close_old_connections()

    return await sync_to_async(call)()


def parse_events(chunks):
    """SSE bytes as (event name, data) pairs, the way a browser reads them."""
    events, name, data = [], None, []
    for line in b"".join(chunks).decode().split("\n"):
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name:
            events.append((name, "\n".join(data)))
            name, data = None, []
    return events


class TestFraming:
    def test_every_line_of_the_data_is_its_own_data_field(self):
        payload = sse_event("stage", "one\ntwo\r\nthree\rfour\n\nevent: forged", 7).decode()
        lines = payload.split("\n")
        assert lines[:2] == ["event: stage", "id: 7"]
        body = [line for line in lines[2:] if line]
        assert all(line.startswith("data: ") for line in body)
        assert "data: event: forged" in body
        assert payload.endswith("\n\n")
        assert parse_events([payload.encode()]) == [
            ("stage", "one\ntwo\nthree\nfour\n\nevent: forged")
        ]


@pytest.fixture
def fresh_hub(monkeypatch):
    hub = Hub()
    monkeypatch.setattr(hub_module, "hub", hub)
    return hub


async def next_event(stream, name, timeout=5):
    async def wait():
        while True:
            chunk = await stream.__anext__()
            for event_name, data in parse_events([chunk]):
                if event_name == name:
                    return data

    return await asyncio.wait_for(wait(), timeout)


@pytest.mark.django_db(transaction=True)
class TestHub:
    def test_a_connection_starts_with_a_snapshot_then_follows_changes(self, fresh_hub):
        session = live_session()
        person = join(session, "Ana")
        first_title = session.activity.steps[0].title.text

        async def scenario():
            conn = Connection(
                session.pk,
                [bus.STAGE, bus.group_part(person.group_id)],
                language="en",
                participant_id=person.pk,
            )
            stream = fresh_hub.stream(conn)
            assert "You're in!" in await next_event(stream, "stage")
            assert "Ana" in await next_event(stream, "group")
            await in_thread(services.session_next_step, session=session)
            stage = await next_event(stream, "stage")
            assert first_title in stage
            await stream.aclose()

        asyncio.run(scenario())
        assert fresh_hub.connection_count() == 0

    def test_one_render_per_audience_whatever_the_number_of_phones(self, fresh_hub, monkeypatch):
        session = live_session(group_size=50)
        people = [join(session, f"P{number}") for number in range(30)]
        renders = []
        real_render = render.render_part

        def counting(session_id, part, language):
            renders.append(part)
            return real_render(session_id, part, language)

        monkeypatch.setattr(hub_module, "render_part", counting)

        async def scenario():
            streams = []
            for person in people:
                conn = Connection(session.pk, [bus.STAGE], language="en", participant_id=person.pk)
                stream = fresh_hub.stream(conn)
                await next_event(stream, "stage")
                streams.append(stream)
            renders.clear()
            await in_thread(services.session_next_step, session=session)
            received = [await next_event(stream, "stage") for stream in streams]
            for stream in streams:
                await stream.aclose()
            return received

        received = asyncio.run(scenario())
        assert renders == ["stage"]
        assert len(set(received)) == 1

    def test_each_language_gets_its_own_render(self, fresh_hub, monkeypatch):
        session = live_session()
        person = join(session, "Ana")
        renders = []
        real_render = render.render_part

        def counting(session_id, part, language):
            renders.append((part, language))
            return real_render(session_id, part, language)

        monkeypatch.setattr(hub_module, "render_part", counting)

        async def scenario():
            streams = []
            for language in ("en", "fr", "fr"):
                conn = Connection(
                    session.pk, [bus.STAGE], language=language, participant_id=person.pk
                )
                stream = fresh_hub.stream(conn)
                await next_event(stream, "stage")
                streams.append(stream)
            renders.clear()
            await in_thread(services.session_next_step, session=session)
            for stream in streams:
                await next_event(stream, "stage")
                await stream.aclose()

        asyncio.run(scenario())
        assert sorted(renders) == [("stage", "en"), ("stage", "fr")]

    def test_group_panels_render_once_the_stage_has_gone_out(self, fresh_hub, monkeypatch):
        session = live_session()
        person = join(session, "Ana")
        moments = []
        real_render, real_groups = render.render_part, render.render_groups

        def slow_stage(session_id, part, language):
            if part == bus.STAGE and moments:
                time.sleep(0.3)  # a stage slow to render: groups must not start meanwhile
            return real_render(session_id, part, language)

        def groups(session_id, group_ids, language):
            moments.append(("groups rendered", time.monotonic()))
            return real_groups(session_id, group_ids, language)

        monkeypatch.setattr(hub_module, "render_part", slow_stage)
        monkeypatch.setattr(hub_module, "render_groups", groups)

        async def scenario():
            conn = Connection(
                session.pk,
                [bus.STAGE, bus.group_part(person.group_id)],
                language="en",
                participant_id=person.pk,
            )
            stream = fresh_hub.stream(conn)
            await next_event(stream, "stage")
            await next_event(stream, "group")
            moments.clear()
            moments.append(("clicked", time.monotonic()))
            await in_thread(services.session_next_step, session=session)
            await next_event(stream, "stage")
            moments.append(("stage received", time.monotonic()))
            await next_event(stream, "group")
            await stream.aclose()

        asyncio.run(scenario())
        order = [name for name, _at in sorted(moments, key=lambda moment: moment[1])]
        assert order == ["clicked", "stage received", "groups rendered"]

    def test_watched_screens_refresh_at_most_twice_a_second_under_a_burst(
        self, fresh_hub, monkeypatch
    ):
        session = live_session()
        person = join(session, "Ana")
        renders = []
        real_render = render.render_part

        def counting(session_id, part, language):
            renders.append((part, time.monotonic()))
            return real_render(session_id, part, language)

        monkeypatch.setattr(hub_module, "render_part", counting)

        async def scenario():
            control = fresh_hub.stream(Connection(session.pk, [bus.CONTROL_STEP], language="en"))
            phone = fresh_hub.stream(
                Connection(session.pk, [bus.STAGE], language="en", participant_id=person.pk)
            )
            await next_event(control, "control-step")
            await next_event(phone, "stage")
            await asyncio.sleep(0.6)  # a quiet moment
            renders.clear()
            started = time.monotonic()
            for _ in range(20):  # a tap every 50 ms for a second
                fresh_hub.deliver({"s": session.pk, "parts": [bus.CONTROL_STEP, bus.group_part(1)]})
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.6)
            held = len(renders)
            # The facilitator moves on during a burst: at once.
            fresh_hub.deliver({"s": session.pk, "parts": [bus.CONTROL_STEP]})
            await asyncio.sleep(0.05)
            clicked = time.monotonic()
            await in_thread(services.session_next_step, session=session)
            await next_event(phone, "stage")
            await asyncio.sleep(0.3)
            await control.aclose()
            await phone.aclose()
            return started, held, clicked

        started, held, clicked = asyncio.run(scenario())
        burst = [at - started for part, at in renders[:held] if part == bus.CONTROL_STEP]
        assert burst[0] < 0.2  # the first change after a quiet moment: at once
        assert 2 <= len(burst) <= 4  # then twice a second, over 1.5 s
        assert all(b - a >= 0.45 for a, b in zip(burst, burst[1:], strict=False))
        after_click = [at - clicked for part, at in renders[held:] if part == bus.CONTROL_STEP]
        assert after_click and after_click[-1] < 0.2  # not held, though just rendered

    def test_a_removed_participant_is_told_on_their_own_channel(self, fresh_hub):
        session = live_session()
        person = join(session, "Ana")

        async def scenario():
            conn = Connection(
                session.pk,
                [bus.STAGE, bus.participant_part(person.pk)],
                language="en",
                participant_id=person.pk,
            )
            stream = fresh_hub.stream(conn)
            await next_event(stream, "stage")
            await in_thread(services.participant_remove, participant=person)
            bye = await next_event(stream, "bye")
            await stream.aclose()
            return bye

        assert "removed you" in asyncio.run(scenario())


class TestBoundedQueue:
    def test_a_phone_that_cannot_keep_up_is_cut_off_not_buffered(self):
        async def scenario():
            conn = Connection(1, [bus.STAGE], language="en")
            for _ in range(QUEUE_SIZE * 3):
                conn.send(b"data: x\n\n")
            return conn

        conn = asyncio.run(scenario())
        assert conn.closed
        assert conn.queue.qsize() == 1  # only the close marker is left
