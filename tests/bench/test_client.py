"""The bench's HTTP and SSE reading, on canned bytes."""

import asyncio

from bench import client
from bench.client import (
    Browser,
    ChunkedDecoder,
    StampedReader,
    element_ids,
    fetched_on_load,
    parse_events,
    subresources,
)


class TestStampedReader:
    def test_bytes_are_dated_when_they_arrive_not_when_they_are_read(self, monkeypatch):
        now = [100.0]
        monkeypatch.setattr(client.time, "time", lambda: now[0])

        async def scenario():
            reader = StampedReader()
            reader.feed_data(b"event: stage\n")
            now[0] = 100.5
            reader.feed_data(b"data: x\n\n")  # the same batch, still unread
            now[0] = 103.0  # the bench reads it later
            first = (await reader.read(65536), reader.arrived)
            now[0] = 104.0
            reader.feed_data(b"event: group\n\n")
            now[0] = 105.0
            return first, (await reader.read(65536), reader.arrived)

        first, second = asyncio.run(scenario())
        assert first == (b"event: stage\ndata: x\n\n", 100.0)
        assert second == (b"event: group\n\n", 104.0)


class TestChunkedDecoder:
    def test_chunks_split_anywhere_decode_the_same(self):
        body = b"event: stage\ndata: <p>\xc3\xa9t\xc3\xa9</p>\n\n" * 3
        wire = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:7], body[7:]))
        for size in (1, 2, 3, 5, 64):
            decoder = ChunkedDecoder()
            out = b"".join(decoder.feed(wire[i : i + size]) for i in range(0, len(wire), size))
            assert out == body

    def test_the_last_chunk_ends_the_stream(self):
        decoder = ChunkedDecoder()
        assert decoder.feed(b"3\r\nabc\r\n0\r\n\r\n") == b"abc"
        assert decoder.finished


class TestParseEvents:
    def test_the_hub_stamp_is_read_and_the_rest_kept_for_later(self):
        text = ": sent 1700000000123\nevent: stage\nid: 7\ndata: <p>a</p>\ndata: b\n\nevent: gr"
        events, rest = parse_events(text)
        assert rest == "event: gr"
        (event,) = events
        assert event["name"] == "stage"
        assert event["id"] == "7"
        assert event["data"] == "<p>a</p>\nb"
        assert event["sent"] == 1700000000.123

    def test_retry_and_pings(self):
        events, rest = parse_events("retry: 2500\n\nevent: ping\ndata: 1\n\n")
        assert rest == ""
        assert events[0]["retry"] == 2500 and events[0]["empty"]
        assert events[1]["name"] == "ping" and events[1]["sent"] is None


class TestWhatAPageFetches:
    def test_stylesheets_scripts_and_images_once_each(self):
        html = (
            '<link rel="stylesheet" href="/static/w4r/app.1.css">'
            '<script src="/static/vendor/htmx.2.js" defer></script>'
            '<img src="/media/a.jpg" alt=""><img src="/media/a.jpg" alt="">'
            '<img src="data:image/png;base64,xx" alt="">'
        )
        assert subresources(html) == [
            "/static/w4r/app.1.css",
            "/static/vendor/htmx.2.js",
            "/media/a.jpg",
        ]

    def test_htmx_load_triggers_are_requests_after_a_push(self):
        html = '<div hx-get="/r/ABC/draft?x=1&amp;y=2" hx-trigger="load"></div><a hx-get="/no">'
        assert fetched_on_load(html) == ["/r/ABC/draft?x=1&y=2"]

    def test_an_element_htmx_preserves_fetches_nothing_while_the_page_holds_it(self):
        # The take-action stage pushed again (a timer added): the editor stays.
        html = (
            '<div id="action-panel" hx-get="/r/A/action" hx-trigger="load" hx-preserve></div>'
            '<div id="other" hx-get="/r/A/other" hx-trigger="load"></div>'
        )
        shown = element_ids('<main><div id="action-panel" data-id="x">typing</div></main>')
        assert shown == {"action-panel"}
        assert fetched_on_load(html, shown) == ["/r/A/other"]
        # Arriving on the step, nothing to keep: both load.
        assert fetched_on_load(html, {"something-else"}) == ["/r/A/action", "/r/A/other"]


class TestCookies:
    def test_set_and_delete(self):
        browser = Browser("127.0.0.1", 1)
        browser._store_cookies(["csrftoken=abc; Path=/; SameSite=Lax", "w4r-participant=1:x"])
        assert browser.cookie_header() == "csrftoken=abc; w4r-participant=1:x"
        browser._store_cookies(['sessionid=""; expires=Thu, 01 Jan 1970; Max-Age=0'])
        browser._store_cookies(["csrftoken=; Max-Age=0"])
        assert browser.cookie_header() == "w4r-participant=1:x"


class TestALateAnswer:
    def test_is_never_read_as_the_next_requests_answer(self):
        import asyncio

        async def scenario():
            async def serve(reader, writer):
                while True:
                    try:
                        head = await reader.readuntil(b"\r\n\r\n")
                    except (asyncio.IncompleteReadError, ConnectionError):
                        return
                    path = head.split(b" ")[1]
                    if path == b"/slow":
                        await asyncio.sleep(0.3)
                    body = path
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                    )
                    await writer.drain()

            server = await asyncio.start_server(serve, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            browser = Browser("127.0.0.1", port)
            try:
                await browser.get("/slow", timeout=0.1)
            except TimeoutError:
                pass
            await asyncio.sleep(0.4)  # the slow answer arrives meanwhile
            answer = await browser.get("/next")
            await browser.close()
            server.close()
            return answer.body

        assert asyncio.run(scenario()) == b"/next"
