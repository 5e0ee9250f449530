"""The per-process fan-out of live updates over Server-Sent Events.

One hub per process, living on the server's event loop. Each open stream is a
Connection with a small bounded queue and the set of screen parts it shows
("stage" in French, its group's panel, ...). When a message says a session
changed, the hub renders each affected part once per language in a worker
thread (the only place it touches the database) and puts the same bytes in
every subscriber's queue. A phone too slow to drain its queue is cut off; it
reconnects and starts again from a fresh snapshot, so nothing grows without
bound. With Redis, one subscriber task per process feeds `deliver`.
"""

import asyncio
import contextlib
import json
import logging
import random
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from . import presence
from .bus import (
    CHANNEL,
    CONTROL_ROSTER,
    CONTROL_STEP,
    GROUPS,
    PARTICIPANTS_RECONNECT,
    PROJECTOR,
    STAGE,
)
from .fastpath import versions
from .render import render_groups, render_part

log = logging.getLogger(__name__)

QUEUE_SIZE = 32
KEEPALIVE_SECONDS = 15
COALESCE_SECONDS = 0.01
# A part that keeps changing waits this many times its last render's CPU time
# before it renders again: the roster of a hall of 2,000 (half a second to
# render) then takes at most a fifth of a core while people join.
SLOW_RENDER_PAUSE = 4
# Longest another part waits for the stage of the same change to go out.
STAGE_FIRST_SECONDS = 2
# The screens the room watches refresh at most this often while changes
# keep coming from the phones (a hall pairing cards: a tap a few
# milliseconds apart, each changing the progress they show). A change the
# whole room sees (one that touches the phones' stage or every group: a step,
# a lock, a regroup), and the first change after a quiet moment, go out at
# once: the facilitator's own click must show on the control view at once.
WATCHED_PARTS = (PROJECTOR, CONTROL_STEP, CONTROL_ROSTER)
WATCHED_REFRESH_SECONDS = 0.5
_CLOSE = object()


def sse_event(name, data, event_id=None):
    """One SSE event. Every line of `data` gets its own `data:` field, so no
    text can start a field of its own (CR, LF and CRLF all end a line)."""
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = f"event: {name}\n" + (f"id: {event_id}\n" if event_id is not None else "")
    return (head + "".join(f"data: {line}\n" for line in lines) + "\n").encode()


def sent_stamp():
    """An SSE comment line with the time the hub starts fanning an update out
    (epoch milliseconds). Browsers ignore comments; the benchmark (bench/) reads
    it to split a phone's wait into the server's part and the delivery. It is
    added per broadcast, outside the cached render, so an unchanged part still
    compares equal and a reconnect's snapshot carries none."""
    return b": sent %d\n" % int(time.time() * 1000)


class Connection:
    def __init__(self, session_id, parts, *, language, participant_id=None):
        self.session_id = session_id
        self.parts = set(parts)
        self.language = language
        self.participant_id = participant_id
        self.queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.closed = False

    def send(self, payload):
        if self.closed:
            return
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.close()

    def close(self):
        """End the stream now, dropping what it has not sent yet."""
        if self.closed:
            return
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(_CLOSE)

    def finish(self):
        """End the stream once what is queued has been sent."""
        if self.closed:
            return
        try:
            self.queue.put_nowait(_CLOSE)
            self.closed = True
        except asyncio.QueueFull:
            self.close()


class Room:
    """The connections to one session in this process, and its last renders."""

    def __init__(self, session_id):
        self.session_id = session_id
        self.connections = set()
        # (part, language) -> its connections: a change touches only the
        # audiences it names, never a walk over every phone in the hall.
        self.audiences = {}
        self.rendered = {}  # (part, language) -> bytes
        self.inflight = {}  # (part, language) -> Future of bytes
        self.dirty = set()
        self.flushing = set()  # keys whose flush task is running
        self.cost = {}  # (part, language) -> seconds its last render took
        self.rendered_at = {}  # (part, language) -> loop time its last render ended
        self.urgent = set()  # watched keys due for a change the whole room sees
        # Stage renders of the current change not sent yet, and the event
        # group panels wait on meanwhile (see Hub._flush).
        self.stages_due = set()
        self.stages_sent = asyncio.Event()
        self.stages_sent.set()

    def add(self, conn):
        self.connections.add(conn)
        for part in conn.parts:
            self.audiences.setdefault((part, conn.language), set()).add(conn)

    def discard(self, conn):
        self.connections.discard(conn)
        for part in conn.parts:
            key = (part, conn.language)
            audience = self.audiences.get(key)
            if audience is not None:
                audience.discard(conn)
                if not audience:
                    del self.audiences[key]

    def keys(self):
        return set(self.audiences)


class Hub:
    def __init__(self):
        self.loop = None
        self.rooms = {}
        self._tasks = set()
        # With Redis configured: is this process hearing the channel? While
        # it is not, other processes' changes do not reach its streams, so
        # the keep-alive tells the pages to poll ("degraded") instead.
        self.redis_listening = False

    # -- from any thread -------------------------------------------------

    def deliver_threadsafe(self, message):
        loop = self.loop
        if loop is None or loop.is_closed():
            return  # no stream is open in this process
        loop.call_soon_threadsafe(self.deliver, message)

    # -- on the event loop -----------------------------------------------

    def ensure_started(self):
        """On the event loop: the keep-alive and (with Redis) the subscription run."""
        self._start()

    def _start(self):
        if self.loop is asyncio.get_running_loop():
            return
        self.loop = asyncio.get_running_loop()
        self._spawn(self._keepalive())
        if settings.REDIS_URL:
            self._spawn(self._subscribe_redis())

    def _spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def deliver(self, message):
        versions.heard(message["s"], message.get("v"))
        room = self.rooms.get(message["s"])
        if room is None:
            return
        parts = set(message["parts"])
        groups = GROUPS in parts
        keys = [
            key
            for key in room.audiences
            if key[0] in parts or (groups and key[0].startswith("group:"))
        ]
        for key in list(room.rendered):
            if key not in room.audiences and (
                key[0] in parts or (groups and key[0].startswith("group:"))
            ):
                del room.rendered[key]  # nobody to refresh it: never serve it stale
        if PARTICIPANTS_RECONNECT in parts:
            # Groups were dealt anew: every phone reconnects to follow its own.
            for conn in list(room.connections):
                if conn.participant_id is not None:
                    conn.finish()
        # Flush tasks start in render order, so a removed phone hears it first
        # and the phones' stage is the first render the worker threads pick up.
        whole_room = STAGE in parts or groups
        for key in keys:
            if key[0] == STAGE:
                room.stages_due.add(key)
                room.stages_sent.clear()
            elif whole_room and key[0] in WATCHED_PARTS:
                room.urgent.add(key)
        for key in sorted(keys, key=_render_order):
            room.dirty.add(key)
            if key not in room.flushing:
                room.flushing.add(key)
                self._spawn(self._flush(room, key))

    async def _flush(self, room, key):
        """Render one part for one audience and send it, again while it
        keeps changing. Each part has its own task, so the stage never waits
        behind the roster of a full hall. A burst of changes settles first;
        a part slow to render waits SLOW_RENDER_PAUSE times its last render,
        so a wave of joins cannot keep the server busy re-rendering the roster,
        and the watched screens wait WATCHED_REFRESH_SECONDS.
        Every part but a phone's own waits until the change's stage has gone
        out: the group panels, the control view (its roster) and the
        projector rendered at the same time, on the same core, made the stage
        reach the last of 2,000 phones hundreds of milliseconds later."""
        try:
            if key[0] != STAGE and not key[0].startswith("participant:"):
                await self._after_the_stage(room)
            while key in room.dirty:
                await asyncio.sleep(COALESCE_SECONDS)
                while (wait := self._pause(room, key)) > 0:
                    # Looked at again and again: a change the whole room
                    # sees may come meanwhile, and it is not held.
                    await asyncio.sleep(min(wait, 0.05))
                room.dirty.discard(key)
                room.urgent.discard(key)
                payload = await self._render(room, key)
                room.rendered_at[key] = asyncio.get_running_loop().time()
                if key[0].startswith("participant:"):
                    # This phone's group or its right to be here changed: tell
                    # it when it was removed, then end its stream so that it
                    # reconnects with what it may now follow (or is refused).
                    for conn in list(room.audiences.get(key, ())):
                        if payload is not None:
                            conn.send(payload)
                        conn.finish()
                    continue
                if payload is None or room.rendered.get(key) == payload:
                    continue
                room.rendered[key] = payload
                stamped = sent_stamp() + payload
                for conn in list(room.audiences.get(key, ())):
                    conn.send(stamped)
        finally:
            room.flushing.discard(key)
            if key in room.stages_due:
                room.stages_due.discard(key)
                if not room.stages_due:
                    room.stages_sent.set()
            if (
                not room.connections
                and not room.flushing
                and self.rooms.get(room.session_id) is room
            ):
                self.rooms.pop(room.session_id, None)

    @staticmethod
    async def _after_the_stage(room):
        if not room.stages_sent.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.stages_sent.wait(), STAGE_FIRST_SECONDS)

    @staticmethod
    def _pause(room, key):
        """How much longer a due part waits before rendering: since its last
        render a slow part leaves SLOW_RENDER_PAUSE times that render's cost
        free, a watched screen WATCHED_REFRESH_SECONDS (not for a change the
        whole room sees)."""
        rest = SLOW_RENDER_PAUSE * room.cost.get(key, 0)
        if key[0] in WATCHED_PARTS and key not in room.urgent:
            rest = max(rest, WATCHED_REFRESH_SECONDS)
        last = room.rendered_at.get(key)
        since = asyncio.get_running_loop().time() - last if last is not None else rest
        return rest - since

    async def _render(self, room, key):
        future = room.inflight.get(key)
        if future is None and key[0].startswith("group:"):
            future = self._render_groups(room, key)
        elif future is None:
            future = self._spawn(_render_payload(room.session_id, *key))
            room.inflight[key] = future
            future.add_done_callback(lambda _f: room.inflight.pop(key, None))
        try:
            payload, room.cost[key] = await asyncio.shield(future)
            return payload
        except Exception:
            log.exception("rendering %s for session %s failed", key, room.session_id)
            return None

    def _render_groups(self, room, key):
        """One render job for this group panel and every other one of its
        language waiting to render now (a step change makes every group's
        panel due at once: 500 of them in a hall of 2,000), instead of one
        job each. The future of `key`'s own (payload, cost)."""
        language = key[1]
        keys = [key] + [
            other
            for other in room.dirty
            if other != key
            and other[1] == language
            and other[0].startswith("group:")
            and other in room.flushing
            and other not in room.inflight
        ]
        loop = asyncio.get_running_loop()
        futures = {each: loop.create_future() for each in keys}
        for each, future in futures.items():
            room.inflight[each] = future
            future.add_done_callback(
                lambda _f, each=each: (
                    room.inflight.pop(each, None) if room.inflight.get(each) is _f else None
                )
            )
        batch = self._spawn(_render_group_payloads(room.session_id, keys, language))

        def settle(done):
            for each, future in futures.items():
                if future.done():
                    continue
                if done.cancelled():
                    future.cancel()
                elif done.exception() is not None:
                    future.set_exception(done.exception())
                else:
                    future.set_result(done.result().get(each, (None, 0)))

        batch.add_done_callback(settle)
        return futures[key]

    async def stream(self, conn):
        """The body of one SSE response: a snapshot, then every update."""
        self._start()
        room = self.rooms.get(conn.session_id)
        if room is None:
            room = self.rooms[conn.session_id] = Room(conn.session_id)
        room.add(conn)
        first_in_room = conn.participant_id is not None and presence.arrive(
            conn.session_id, conn.participant_id
        )
        try:
            # Reconnect after 1-6 s, spread out so a restart is no stampede.
            yield f"retry: {random.randint(1000, 6000)}\n\n".encode()
            for part in sorted(conn.parts, key=lambda p: _render_order((p, ""))):
                key = (part, conn.language)
                payload = room.rendered.get(key) or await self._render(room, key)
                if payload is not None:
                    room.rendered[key] = payload
                    yield payload
            if first_in_room:
                presence.announce(conn.session_id)
            while True:
                payload = await conn.queue.get()
                if payload is _CLOSE:
                    break
                yield payload
        finally:
            conn.closed = True
            room.discard(conn)
            if (
                not room.connections
                and not room.flushing
                and self.rooms.get(room.session_id) is room
            ):
                self.rooms.pop(conn.session_id, None)
            if conn.participant_id is not None and presence.leave(
                conn.session_id, conn.participant_id
            ):
                presence.announce(conn.session_id)

    async def _keepalive(self):
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            degraded = bool(settings.REDIS_URL) and not self.redis_listening
            ping = sse_event("degraded" if degraded else "ping", str(int(time.time())))
            for room in list(self.rooms.values()):
                for conn in list(room.connections):
                    conn.send(ping)
            await sync_to_async(presence.refresh, thread_sensitive=False)()

    async def _subscribe_redis(self):
        import redis.asyncio as aioredis

        delay = 1
        while True:
            try:
                client = aioredis.Redis.from_url(settings.REDIS_URL)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    # Changes published before now went unheard here.
                    versions.new_generation()
                    self.redis_listening = True
                    delay = 1
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self.deliver(json.loads(message["data"]))
            except asyncio.CancelledError:
                self.redis_listening = False
                versions.new_generation()
                raise
            except Exception:
                self.redis_listening = False
                versions.new_generation()
                log.warning("Redis subscription lost; retrying in %ss", delay, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    def connection_count(self):
        return sum(len(room.connections) for room in self.rooms.values())


def _render_order(key):
    # A removed phone hears it before anything else; then the phones' stage,
    # which is what most people are waiting for.
    part = key[0]
    if part.startswith("participant:"):
        rank = 0
    elif part == "stage":
        rank = 1
    elif part.startswith("group:"):
        rank = 2
    else:
        rank = 3
    return (rank, part)


def _render_in_worker(session_id, part, language):
    """(render_part's answer, CPU seconds the render took in this thread)."""
    started = time.thread_time()
    try:
        return render_part(session_id, part, language), time.thread_time() - started
    finally:
        # Worker threads outlive requests; give their connection back each time.
        close_old_connections()


def _render_groups_in_worker(session_id, group_ids, language):
    started = time.thread_time()
    try:
        return render_groups(session_id, group_ids, language), time.thread_time() - started
    finally:
        close_old_connections()


async def _render_group_payloads(session_id, keys, language):
    """{(group part, language): (payload, CPU seconds per panel)} in one job."""
    group_ids = [int(part[6:]) for part, _language in keys]
    rendered, cost = await sync_to_async(_render_groups_in_worker, thread_sensitive=False)(
        session_id, group_ids, language
    )
    each = cost / max(1, len(keys))
    return {
        key: (sse_event(*rendered[group_id]), each) if group_id in rendered else (None, each)
        for key, group_id in zip(keys, group_ids, strict=True)
    }


async def _render_payload(session_id, part, language):
    rendered, cost = await sync_to_async(_render_in_worker, thread_sensitive=False)(
        session_id, part, language
    )
    if rendered is None:
        return None, cost
    name, html, version = rendered
    return sse_event(name, html, version), cost


hub = Hub()
