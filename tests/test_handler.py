"""The ASGI handler (w4r/handler.py): Django's middleware chain in one
thread per request, at most W4R_REQUEST_THREADS requests inside Django at
once, an event stream holding its turn only until its response starts."""

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


urlpatterns = [path("slow", slow), path("stream", stream)]


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
