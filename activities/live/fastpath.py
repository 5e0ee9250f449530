"""Participants' live requests answered before Django's request stack:
unchanged polls, and the opening of a phone's event stream.

When a phone's stream goes silent, live.js polls `/r/<code>/poll?v=<version>`
every 5 s. Almost every poll finds nothing new and gets a 204, yet through
Django each cost ~6.5 ms of CPU (a thread, the middleware chain's hops, a
database connection), so 2,000 polling phones needed more than two cores.
Opening a stream cost ~7 ms the same way, and after a restart 2,000 phones
open theirs again within seconds. This module answers both in the ASGI
application itself, from what the process knows in memory, and leaves every
other request to Django.

What it knows, per room: the session's version and the participants who may
follow it (present, let in) with their groups, both read from the database
(`read_room`, in a worker thread, once for all the phones asking at the same
moment; Django's poll view remembers what it reads too), and the newest
version any published change announced (`heard`, from activities.live.bus
and the hub's Redis subscription). It answers only when all of these hold:

- the phone's signed participant cookie names one of those participants
  (checked with the same signature code as every Django view);
- for a poll, the version the phone shows is the one read from the
  database; for both, no newer one has been heard since (every change that
  matters to a phone, removing someone or moving them to another group
  included, bumps the version and is published after its commit, so a
  removed phone or a changed session always goes to Django, which answers
  it: 403 or the new parts);
- that reading is at most MAX_AGE seconds old (a change made where this
  process cannot hear it, e.g. from another process without Redis, is seen
  within MAX_AGE);
- with Redis, this process has been listening to the channel without a
  break since that reading.

Anything else (another URL, a host Django would refuse, plain HTTP where
HTTPS is required, a missing or bad cookie, a stale reading, a phone still
waiting to be let in) goes to Django unchanged. The responses carry the
headers Django's middleware puts on its own (w4r.middleware.security_headers;
the stream's language is chosen as LocaleMiddleware chooses it).
"""

import asyncio
import re
import threading
import time
from urllib.parse import parse_qs

from django.conf import settings
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils import translation

from .. import identity
from . import bus

MAX_AGE = 10.0  # seconds a database reading is trusted without a change heard
READ_WAIT = 2.0  # seconds a poll waits for the room to be read before Django answers it
_KEEP = 600.0  # a room nobody polled for this long is forgotten
_POLL_PATH = re.compile(r"^/r/([A-Za-z0-9-]{1,20})/poll$")
_STREAM_PATH = re.compile(r"^/r/([A-Za-z0-9-]{1,20})/events$")


class _Reading:
    __slots__ = ("session_id", "version", "members", "at", "generation")

    def __init__(self, session_id, version, members, at, generation):
        self.session_id = session_id
        self.version = version
        self.members = members  # participant id -> group id
        self.at = at
        self.generation = generation


class Versions:
    """What this process knows of each room's version, thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rooms = {}  # room code -> _Reading
        self._heard = {}  # session id -> newest version announced
        self.generation = 0  # bumped when the Redis subscription starts or breaks

    def heard(self, session_id, version):
        """A change to `session_id` committed, the session now at `version`."""
        if version is None:
            return
        with self._lock:
            if version > self._heard.get(session_id, -1):
                self._heard[session_id] = version

    def age(self, code):
        """Seconds since the room was read, or None when it never was (or a
        newer version has been heard since, or the Redis subscription broke)."""
        reading = self._rooms.get(code)
        if (
            reading is None
            or reading.generation != self.generation
            or self._heard.get(reading.session_id, -1) > reading.version
        ):
            return None
        return time.monotonic() - reading.at

    def needs_reading(self, code, version):
        """Whether Django's poll view should read the room's members now."""
        reading = self._rooms.get(code)
        return (
            reading is None
            or reading.version != version
            or reading.generation != self.generation
            or time.monotonic() - reading.at > MAX_AGE / 2
        )

    def remember(self, code, session_id, version, members, *, generation=None):
        """The room as read from the database: `version` read first, then the
        (id, group id) of each participant who may follow it. Reading the
        members after the version errs on the safe side: someone removed in
        between is left out (and answered by Django), never kept in."""
        reading = _Reading(
            session_id,
            version,
            dict(members),
            time.monotonic(),
            self.generation if generation is None else generation,
        )
        with self._lock:
            self._rooms[code] = reading
            if len(self._rooms) > 1000:
                self._forget_old()

    def _forget_old(self):
        now = time.monotonic()
        for code, reading in list(self._rooms.items()):
            if now - reading.at > _KEEP:
                del self._rooms[code]
                self._heard.pop(reading.session_id, None)

    def new_generation(self):
        """The Redis subscription (re)started or broke: what was read before
        may have missed a change."""
        with self._lock:
            self.generation += 1

    def unchanged(self, code, participant_id, version):
        """True when the participant may follow the room and `version` is
        still its current version, as far as this process can be sure."""
        reading = self._rooms.get(code)
        return (
            reading is not None
            and reading.version == version
            and reading.generation == self.generation
            and time.monotonic() - reading.at <= MAX_AGE
            and self._heard.get(reading.session_id, -1) <= version
            and participant_id in reading.members
        )

    def member(self, code, participant_id):
        """(session id, group id, version) of a participant who may follow
        the room as it is now, as far as this process can be sure; else None."""
        reading = self._rooms.get(code)
        if (
            reading is None
            or reading.generation != self.generation
            or time.monotonic() - reading.at > MAX_AGE
            or self._heard.get(reading.session_id, -1) > reading.version
            or participant_id not in reading.members
        ):
            return None
        return reading.session_id, reading.members[participant_id], reading.version

    def clear(self):
        with self._lock:
            self._rooms.clear()
            self._heard.clear()


versions = Versions()


def _trusted():
    """With Redis, only while this process hears the channel."""
    if not settings.REDIS_URL:
        return True
    from .hub import hub

    hub.ensure_started()
    return hub.redis_listening


def _header(headers, name):
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _secure(scope, headers):
    """request.is_secure() as Django answers it (SECURE_PROXY_SSL_HEADER first)."""
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        name, secure_value = proxy
        value = _header(headers, name.removeprefix("HTTP_").replace("_", "-").lower().encode())
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "https"


def _participant_id(headers):
    cookie = _header(headers, b"cookie")
    if not cookie:
        return None
    request = HttpRequest()
    request.COOKIES = parse_cookie(cookie)
    return identity.participant_id(request)


def read_room(code):
    """Read the room as Django's poll view does (the version, then who may
    follow it) and remember it; False when there is no such room."""
    from django.db import close_old_connections, connection

    from ..models import Participant, Session

    generation = versions.generation
    try:
        found = Session.objects.filter(room_code=code).values_list("pk", "version").first()
        if found is None:
            return False
        session_id, version = found
        members = (
            Participant.objects.filter(session_id=session_id)
            .present()
            .values_list("pk", "group_id")
        )
        versions.remember(code, session_id, version, members, generation=generation)
        return True
    finally:
        if not connection.in_atomic_block:
            close_old_connections()  # a worker thread: give the connection back


_reading = {}  # room code -> the Future of its reading in progress


def _read_once(code):
    """The room's reading in progress, started if none is: however many
    phones ask at once, the database is read once."""
    future = _reading.get(code)
    if future is None:
        from asgiref.sync import sync_to_async

        future = asyncio.ensure_future(sync_to_async(read_room, thread_sensitive=False)(code))
        _reading[code] = future
        future.add_done_callback(lambda _done: _reading.pop(code, None))
    return future


async def _fresh_enough(code):
    """Make sure the room has a recent reading before answering from it: a
    missing, outdated or expired one is read now (once for every phone
    asking, waiting at most READ_WAIT), one past half its age is read again
    in the background. Without this every phone polling in the moment a
    reading expired (or after a restart) went through Django's stack."""
    age = versions.age(code)
    if age is None or age > MAX_AGE:
        try:
            await asyncio.wait_for(asyncio.shield(_read_once(code)), READ_WAIT)
        except Exception:  # the database is slow or away: Django answers
            return
    elif age > MAX_AGE / 2:
        _read_once(code)


def _participant_request(scope, path):
    """(room code, participant id, secure) of a participant's GET to
    `path` that could be answered here, or None for Django."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path"):
        return None
    match = path.match(scope["path"])
    if match is None:
        return None
    headers = scope["headers"]
    if settings.USE_X_FORWARDED_HOST or settings.USE_X_FORWARDED_PORT:
        return None  # Django's own rules for the host: let it apply them
    domain, _port = split_domain_port(_header(headers, b"host") or "")
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    secure = _secure(scope, headers)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    participant_id = _participant_id(headers)
    if participant_id is None or not _trusted():
        return None
    return match.group(1), participant_id, secure


def poll_request(scope):
    """(room code, participant id, version shown, secure) of a participant's
    poll that could be answered here, or None for Django."""
    if scope["type"] != "http" or not _POLL_PATH.match(scope["path"]):
        return None
    try:
        version = int(parse_qs(scope["query_string"].decode("latin-1")).get("v", [""])[0])
    except (ValueError, UnicodeDecodeError):
        return None
    found = _participant_request(scope, _POLL_PATH)
    if found is None:
        return None
    code, participant_id, secure = found
    return code, participant_id, version, secure


def unchanged_headers(request):
    """The response headers of a 204 for this poll, or None for Django."""
    code, participant_id, version, secure = request
    if not versions.unchanged(code, participant_id, version):
        return None
    from w4r.middleware import security_headers

    return security_headers(secure=secure)  # None: Django answers


def unchanged_poll(scope):
    """The response headers of a 204 for this request from what is known
    now, or None for Django."""
    request = poll_request(scope)
    return unchanged_headers(request) if request is not None else None


_answering = {}  # (session id, version, parts, language) -> Future of a group's changed poll


async def changed_poll(scope, request):
    """(status, headers, body) for a member's poll that missed a change, from
    the room as last read, or None for Django. Phones asking at the same
    moment share one answer, its renders shared for a while longer
    (render.recent_render); without this every phone's first poll after a
    change went through Django's stack."""
    code, participant_id, shown, secure = request
    found = versions.member(code, participant_id)
    if found is None or shown >= found[2]:
        return None  # (a phone ahead of the reading: Django reads the room)
    from w4r.middleware import security_headers

    headers = security_headers(secure=secure)
    if headers is None:
        return None
    session_id, group_id, version = found
    language = _reader_language(scope["headers"])
    # A member is neither removed nor waiting: their own channel has nothing
    # to say, so the answer is the same for the whole group, shared by it.
    parts = (bus.STAGE, bus.group_part(group_id)) if group_id else (bus.STAGE,)
    key = (session_id, version, parts, language)
    future = _answering.get(key)
    if future is None:
        from asgiref.sync import sync_to_async

        from .render import poll_answer

        future = asyncio.ensure_future(
            sync_to_async(_answer_in_worker, thread_sensitive=False)(
                poll_answer, session_id, version, parts, language
            )
        )
        _answering[key] = future
        future.add_done_callback(lambda _done: _answering.pop(key, None))
    try:
        body = (await asyncio.shield(future)).encode()
    except Exception:
        return None  # the database is slow or away: Django answers
    return [
        *headers,
        (b"content-length", str(len(body)).encode()),
        (b"x-w4r-version", str(version).encode()),
        (b"vary", b"Accept-Language"),
        (b"content-language", language.encode("latin-1")),
    ], body


def _answer_in_worker(answer, *args):
    from django.db import close_old_connections

    try:
        return answer(*args)
    finally:
        close_old_connections()  # a worker thread: give the connection back


def stream_request(scope):
    """(room code, participant id, secure) of a participant's event stream
    that could be opened here, or None for Django."""
    if scope["type"] != "http" or not _STREAM_PATH.match(scope["path"]):
        return None
    return _participant_request(scope, _STREAM_PATH)


def _reader_language(headers):
    """The language LocaleMiddleware would activate for this request."""
    request = HttpRequest()
    request.COOKIES = parse_cookie(_header(headers, b"cookie") or "")
    accept = _header(headers, b"accept-language")
    if accept is not None:
        request.META["HTTP_ACCEPT_LANGUAGE"] = accept
    return translation.get_language_from_request(request)


def stream_response(scope, request):
    """(the hub Connection, the response headers) of this stream from what
    is known now, or None for Django."""
    code, participant_id, secure = request
    found = versions.member(code, participant_id)
    if found is None:
        return None
    from w4r.middleware import security_headers

    headers = security_headers(secure=secure)
    if headers is None:
        return None
    from .hub import Connection

    session_id, group_id, _version = found
    language = _reader_language(scope["headers"])
    conn = Connection(
        session_id,
        bus.participant_parts(participant_id, group_id),
        language=language,
        participant_id=participant_id,
    )
    return conn, [
        (b"content-type", b"text/event-stream"),
        (b"cache-control", b"no-cache, no-transform"),
        (b"x-accel-buffering", b"no"),
        *(header for header in headers if header[0] != b"content-type"),
        (b"vary", b"Accept-Language"),
        (b"content-language", language.encode("latin-1")),
    ]


async def _until_disconnected(receive):
    while (await receive())["type"] != "http.disconnect":
        pass


async def serve_stream(conn, headers, receive, send):
    """The hub's stream for `conn` as an ASGI response, until either side ends it."""
    from .hub import hub

    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = hub.stream(conn)

    async def pump():
        async for payload in body:
            await send({"type": "http.response.body", "body": payload, "more_body": True})

    pumping = asyncio.ensure_future(pump())
    listening = asyncio.ensure_future(_until_disconnected(receive))
    try:
        await asyncio.wait({pumping, listening}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pumping, listening):
            task.cancel()
        # The generator's own clean-up (leaving the room) runs as the pump ends.
        await asyncio.gather(pumping, listening, return_exceptions=True)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def with_fast_paths(django_application):
    """The ASGI application: unchanged polls and participants' streams
    answered here when they can be, the rest by Django."""

    async def application(scope, receive, send):
        if scope["type"] == "http":
            request = poll_request(scope)
            if request is not None:
                await _fresh_enough(request[0])
                headers = unchanged_headers(request)
                if headers is not None:
                    await send({"type": "http.response.start", "status": 204, "headers": headers})
                    await send({"type": "http.response.body", "body": b""})
                    return
                answer = await changed_poll(scope, request)
                if answer is not None:
                    headers, body = answer
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
            request = stream_request(scope)
            if request is not None:
                await _fresh_enough(request[0])
                found = stream_response(scope, request)
                if found is not None:
                    await serve_stream(*found, receive, send)
                    return
        await django_application(scope, receive, send)

    return application
