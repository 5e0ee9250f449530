"""The hub at scale: send stamps, audiences, slow parts (issue 7)."""

import asyncio
import time

import pytest

from activities import services
from activities.live import bus
from activities.live import hub as hub_module
from activities.live.hub import Connection, Hub, Room, sse_event
from tests.activities.test_live import in_thread, next_event
from tests.factories import join, live_session


@pytest.fixture
def fresh_hub(monkeypatch):
    hub = Hub()
    monkeypatch.setattr(hub_module, "hub", hub)
    return hub


@pytest.mark.django_db(transaction=True)
def test_a_broadcast_carries_its_send_time_and_a_snapshot_does_not(fresh_hub):
    session = live_session()
    person = join(session, "Ana")

    async def scenario():
        conn = Connection(session.pk, [bus.STAGE], language="en", participant_id=person.pk)
        stream = fresh_hub.stream(conn)
        chunks = [await stream.__anext__(), await stream.__anext__()]  # retry, snapshot
        await in_thread(services.session_next_step, session=session)
        pushed = await stream.__anext__()
        await stream.aclose()
        return chunks, pushed

    before = time.time()
    (retry, snapshot), pushed = asyncio.run(scenario())
    assert retry.startswith(b"retry: ")
    assert snapshot.startswith(b"event: stage\n")
    head, _newline, rest = pushed.partition(b"\n")
    assert head.startswith(b": sent ")
    assert before - 1 <= int(head[7:]) / 1000 <= time.time() + 1
    assert rest.startswith(b"event: stage\n")


def _fake_renders(monkeypatch, slow=None):
    """Renders without a database: each part's html is its name and a counter."""
    calls = []
    slow = slow or {}

    async def fake(session_id, part, language):
        calls.append((part, time.monotonic()))
        delay = slow.get(part, 0)
        if delay:
            await asyncio.sleep(delay)
        return sse_event(part.split(":")[0], f"{part} {len(calls)}", 1), delay

    async def fake_groups(session_id, keys, language):
        return {key: await fake(session_id, key[0], language) for key in keys}

    monkeypatch.setattr(hub_module, "_render_payload", fake)
    monkeypatch.setattr(hub_module, "_render_group_payloads", fake_groups)
    return calls


def _room(hub, parts_per_conn):
    room = hub.rooms[1] = Room(1)
    conns = []
    for parts in parts_per_conn:
        conn = Connection(1, parts, language="en")
        room.add(conn)
        conns.append(conn)
    return room, conns


def test_a_change_renders_and_reaches_only_the_audiences_it_names(monkeypatch):
    hub = Hub()
    calls = _fake_renders(monkeypatch)
    room, (ana, ben, screen) = _room(
        hub,
        [
            [bus.STAGE, bus.group_part(1)],
            [bus.STAGE, bus.group_part(2)],
            [bus.CONTROL_ROSTER],
        ],
    )

    async def scenario():
        hub.deliver({"s": 1, "v": 2, "parts": [bus.group_part(1)]})
        await asyncio.sleep(0.1)

    asyncio.run(scenario())
    assert [part for part, _at in calls] == ["group:1"]
    assert ana.queue.qsize() == 1 and ben.queue.empty() and screen.queue.empty()


def test_groups_means_every_group_panel_and_nothing_else(monkeypatch):
    hub = Hub()
    calls = _fake_renders(monkeypatch)
    _room(hub, [[bus.STAGE, bus.group_part(1)], [bus.STAGE, bus.group_part(2)]])

    async def scenario():
        hub.deliver({"s": 1, "v": 2, "parts": [bus.GROUPS]})
        await asyncio.sleep(0.1)

    asyncio.run(scenario())
    assert sorted(part for part, _at in calls) == ["group:1", "group:2"]


def test_a_slow_roster_does_not_hold_up_the_stage(monkeypatch):
    hub = Hub()
    calls = _fake_renders(monkeypatch, slow={bus.CONTROL_ROSTER: 0.5})
    room, (phone, _screen) = _room(hub, [[bus.STAGE], [bus.CONTROL_ROSTER]])

    async def scenario():
        hub.deliver({"s": 1, "v": 2, "parts": [bus.STAGE, bus.CONTROL_ROSTER]})
        await asyncio.sleep(0.1)  # the roster is still rendering
        hub.deliver({"s": 1, "v": 3, "parts": [bus.STAGE]})
        await asyncio.sleep(0.1)
        return phone.queue.qsize()

    assert asyncio.run(scenario()) == 2  # both stage changes are out
    assert [part for part, _at in calls].count("stage") == 2


def test_a_slow_part_waits_before_rendering_again(monkeypatch):
    hub = Hub()
    calls = _fake_renders(monkeypatch, slow={bus.CONTROL_ROSTER: 0.05})
    _room(hub, [[bus.CONTROL_ROSTER]])

    async def scenario():
        for version in range(10):  # ten people join in quick succession
            hub.deliver({"s": 1, "v": version, "parts": [bus.CONTROL_ROSTER]})
            await asyncio.sleep(0.02)
        await asyncio.sleep(1)

    asyncio.run(scenario())
    times = [at for _part, at in calls]
    assert 2 <= len(times) < 10  # coalesced
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # Each render waits SLOW_RENDER_PAUSE x 0.05 s after the last one ended.
    assert min(gaps) >= 0.05 + hub_module.SLOW_RENDER_PAUSE * 0.05 - 0.01


def test_a_room_forgets_a_connection_in_every_audience():
    room = Room(1)
    conn = Connection(1, [bus.STAGE, bus.group_part(3)], language="fr")
    room.add(conn)
    assert room.keys() == {(bus.STAGE, "fr"), ("group:3", "fr")}
    room.discard(conn)
    assert room.keys() == set() and not room.connections


@pytest.mark.django_db(transaction=True)
def test_the_stream_still_ends_with_its_room(fresh_hub):
    session = live_session()
    person = join(session, "Ana")

    async def scenario():
        conn = Connection(session.pk, [bus.STAGE], language="en", participant_id=person.pk)
        stream = fresh_hub.stream(conn)
        await next_event(stream, "stage")
        await stream.aclose()

    asyncio.run(scenario())
    assert fresh_hub.rooms == {}


@pytest.mark.django_db(transaction=True)
def test_a_stream_gives_its_database_connection_back_before_streaming(monkeypatch, rf):
    from activities.identity import remember
    from activities.views import stream as stream_views

    session = live_session()
    person = join(session, "Ana")
    request = rf.get(f"/r/{session.room_code}/events")
    cookie = remember(stream_views.HttpResponse(), person).cookies
    request.COOKIES = {name: morsel.value for name, morsel in cookie.items()}
    closed = []
    monkeypatch.setattr(stream_views, "close_old_connections", lambda: closed.append(True))
    found = stream_views._who_for_stream(request, session.room_code, "participant")
    assert found is not None and found[2] == person.pk
    assert closed == [True]
    refused = stream_views._who_for_stream(rf.get("/"), session.room_code, "participant")
    assert refused is None and closed == [True, True]


def test_the_panels_of_every_group_render_in_one_job(monkeypatch):
    hub = Hub()
    jobs = []

    async def fake_groups(session_id, keys, language):
        jobs.append(sorted(part for part, _language in keys))
        return {key: (sse_event("group", key[0], 2), 0.001) for key in keys}

    single = _fake_renders(monkeypatch)  # every part but the groups
    monkeypatch.setattr(hub_module, "_render_group_payloads", fake_groups)
    room, conns = _room(hub, [[bus.STAGE, bus.group_part(n)] for n in range(1, 51)])

    async def scenario():
        hub.deliver({"s": 1, "v": 2, "parts": [bus.STAGE, bus.GROUPS]})
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert jobs == [sorted(bus.group_part(n) for n in range(1, 51))]
    assert [part for part, _at in single] == [bus.STAGE]
    # Each phone has the stage and its own group's panel.
    for number, conn in enumerate(conns, start=1):
        sent = [conn.queue.get_nowait() for _ in range(conn.queue.qsize())]
        assert len(sent) == 2 and f"group:{number}".encode() in sent[1]


@pytest.mark.django_db(transaction=True)
def test_a_panel_rendered_with_the_others_is_the_one_rendered_alone():
    from activities.live.render import render_groups, render_part

    session = live_session(group_size=2)
    people = [join(session, f"P{n}") for n in range(5)]
    services.session_next_step(session=session)
    group_ids = sorted({person.group_id for person in people}) + [999_999]
    together = render_groups(session.pk, group_ids, "en")
    for group_id in group_ids[:-1]:
        assert together[group_id] == render_part(session.pk, f"group:{group_id}", "en")
    # A group that is gone renders as render_part renders it: an empty panel.
    assert together[999_999] == render_part(session.pk, "group:999999", "en")
