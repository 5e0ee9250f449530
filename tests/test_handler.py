"""The ASGI handler (w4r/handler.py): Django's middleware chain in one
thread per request, at most W4R_REQUEST_THREADS requests inside Django at
once on threads that outlive them, an event stream holding its turn only
until its response starts."""

import asyncio
import threading
import time

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from w4r.handler import ASGIHandlerWithSyncChain

_inside = []
_inside_lock = threading.Lock()
_most = []
_stream_may_end = None


def slow(request):
    with _inside_lock:
        _inside.append(1)
        _most.append(len(_inside))
    time.sleep(0.05)
    with _inside_lock:
        _inside.pop()
    return HttpResponse("done")


async def stream(request):
    async def body():
        yield b"data: first\n\n"
        await _stream_may_end.wait()
        yield b"data: last\n\n"

    return StreamingHttpResponse(body(), content_type="text/event-stream")


def whoami(request):
    from django.db import connection

    connection.ensure_connection()
    return HttpResponse(f"{threading.current_thread().name} {id(connection.connection)}")


urlpatterns = [path("slow", slow), path("stream", stream), path("whoami", whoami)]


@pytest.fixture
def handler(settings):
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.W4R_REQUEST_THREADS = 1
    _inside.clear()
    _most.clear()
    return ASGIHandlerWithSyncChain()


def _scope(url):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }


async def _request(handler, url, sent):
    finished = asyncio.Event()

    async def receive():
        if not finished.is_set():
            finished.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected

    async def send(message):
        sent.append(message)

    await handler(_scope(url), receive, send)


def test_requests_beyond_the_limit_wait_their_turn(handler):
    async def scenario():
        answers = [[] for _ in range(4)]
        await asyncio.gather(*(_request(handler, "/slow", sent) for sent in answers))
        return answers

    answers = asyncio.run(scenario())
    assert all(sent[0]["status"] == 200 for sent in answers)
    assert max(_most) == 1  # one turn: never two inside Django at once


def test_a_stream_gives_its_turn_back_once_its_response_starts(handler):
    global _stream_may_end

    async def scenario():
        global _stream_may_end
        _stream_may_end = asyncio.Event()
        streamed, plain = [], []
        streaming = asyncio.ensure_future(_request(handler, "/stream", streamed))
        while not streamed:
            await asyncio.sleep(0.01)
        # The stream is open and holds no turn: the next request gets in.
        await asyncio.wait_for(_request(handler, "/slow", plain), 10)
        _stream_may_end.set()
        await asyncio.wait_for(streaming, 10)
        return streamed, plain

    streamed, plain = asyncio.run(scenario())
    assert streamed[0]["status"] == 200 and plain[0]["status"] == 200
    body = b"".join(m.get("body", b"") for m in streamed if m["type"] == "http.response.body")
    assert body == b"data: first\n\ndata: last\n\n"


def _who_answered(handler, times):
    """The body of /whoami (its thread, its connection), for `times` requests in a row."""

    async def scenario():
        answers = []
        for _ in range(times):
            sent = []
            await _request(handler, "/whoami", sent)
            answers.append(sent[1]["body"].decode())
        return answers

    return asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_requests_take_turns_on_threads_that_outlive_them(handler, settings):
    settings.W4R_REQUEST_THREADS = 2
    handler = ASGIHandlerWithSyncChain()
    before = threading.active_count()
    answers = _who_answered(handler, 6)
    threads = {answer.split()[0] for answer in answers}
    # Six requests, no thread started for any of them but the lanes' own.
    assert threads <= {"w4r-lane-0_0", "w4r-lane-1_0"}, threads
    assert threading.active_count() <= before + 2


@pytest.mark.django_db(transaction=True)
def test_a_lane_keeps_its_database_connection_between_requests(handler, settings):
    from django.db import connections

    if connections["default"].vendor != "sqlite":
        pytest.skip("PostgreSQL connections come from Django's pool instead")
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    for conn in connections.all():
        conn.settings_dict["CONN_MAX_AGE"] = 600
    answers = _who_answered(handler, 3)
    assert len(set(answers)) == 1, answers  # one lane, one connection, kept
