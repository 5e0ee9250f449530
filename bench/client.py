"""A small HTTP/1.1 client on raw asyncio streams, behaving like one phone's browser.

Why not aiohttp or httpx: thousands of long-lived streams on one core need a
client that costs little per connection, and the bench must count the bytes
on the wire exactly (headers included, bodies before decompression) and
decide itself what a browser cache would fetch. This is ~300 lines with no
dependency beyond the standard library (and `brotli`, which whitenoise
already brings).

A `Browser` keeps a cookie jar, one keep-alive connection for page requests,
and an HTTP cache that follows what browsers do with whitenoise's headers:
a fresh entry (max-age, or `immutable`) is not requested again, a stale one
is revalidated with If-None-Match / If-Modified-Since. An `EventStream`
reads Server-Sent Events like the browser's EventSource under live.js:
after a dropped stream it waits the server's `retry:`, after an error status
it backs off as live.js does.
"""

import asyncio
import codecs
import gzip
import random
import re
import time
import zlib
from urllib.parse import urlencode, urlsplit

try:
    import brotli
except ImportError:  # pragma: no cover - whitenoise[brotli] installs it
    brotli = None

ACCEPT_ENCODING = "gzip, deflate, br"
USER_AGENT = "w4r-bench/1 (phone)"
IDLE_REUSE_SECONDS = 4  # uvicorn closes idle keep-alive connections after 5 s


class HTTPError(Exception):
    pass


class Response:
    def __init__(self, status, headers, cookies, raw_body, wire_bytes, elapsed):
        self.status = status
        self.headers = headers  # lower-case name -> value (last one wins)
        self.set_cookies = cookies
        self.raw_body = raw_body
        self.wire_bytes = wire_bytes
        self.elapsed = elapsed

    @property
    def body(self):
        encoding = self.headers.get("content-encoding", "")
        if encoding == "gzip":
            return gzip.decompress(self.raw_body)
        if encoding == "br":
            return brotli.decompress(self.raw_body)
        if encoding == "deflate":
            return zlib.decompress(self.raw_body)
        return self.raw_body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def _parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise HTTPError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers, cookies = {}, []
    for line in lines[1:]:
        if not line:
            continue
        name, _sep, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            cookies.append(value)
        headers[name] = value
    return status, headers, cookies


async def _read_chunked(reader):
    body, wire = bytearray(), 0
    while True:
        line = await reader.readuntil(b"\r\n")
        wire += len(line)
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            wire += len(await reader.readuntil(b"\r\n"))
            return bytes(body), wire
        chunk = await reader.readexactly(size + 2)
        wire += len(chunk)
        body += chunk[:-2]


class ChunkedDecoder:
    """Incremental chunked transfer decoding, for a stream that never ends."""

    def __init__(self):
        self.buffer = bytearray()
        self.remaining = 0  # data bytes of the current chunk still to come
        self.skip = 0  # bytes of the chunk's closing CRLF still to drop
        self.finished = False

    def feed(self, data):
        self.buffer += data
        out = bytearray()
        while self.buffer and not self.finished:
            if self.remaining:
                take = min(self.remaining, len(self.buffer))
                out += self.buffer[:take]
                del self.buffer[:take]
                self.remaining -= take
                if self.remaining == 0:
                    self.skip = 2
                continue
            if self.skip:
                take = min(self.skip, len(self.buffer))
                del self.buffer[:take]
                self.skip -= take
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                break
            size = int(bytes(self.buffer[:end]).split(b";", 1)[0].strip() or b"0", 16)
            del self.buffer[: end + 2]
            if size == 0:
                self.finished = True
                break
            self.remaining = size
        return bytes(out)


class Browser:
    """One phone's browser: cookies, a keep-alive connection, an HTTP cache."""

    def __init__(self, host, port, *, accept_encoding=ACCEPT_ENCODING):
        self.host, self.port = host, port
        self.origin = f"http://{host}:{port}"
        self.accept_encoding = accept_encoding
        self.cookies = {}
        self.cache = {}  # path -> dict(etag, last_modified, fresh_until, body)
        self._conn = None
        self._last_used = 0.0
        self._lock = asyncio.Lock()
        self.bytes_down = 0  # responses as received: headers and (compressed) bodies
        self.bytes_up = 0
        self.requests = 0

    # -- cookies ---------------------------------------------------------

    def _store_cookies(self, set_cookies):
        for header in set_cookies:
            pair, *attrs = header.split(";")
            name, _sep, value = pair.strip().partition("=")
            attrs = [a.strip().lower() for a in attrs]
            expired = any(a == "max-age=0" or a.startswith("max-age=-") for a in attrs)
            if expired or value in ('""', ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    # -- requests --------------------------------------------------------

    async def _open(self):
        return await asyncio.open_connection(self.host, self.port, limit=2**20)

    async def close(self):
        if self._conn is not None:
            self._conn[1].close()
            self._conn = None

    def _head(self, method, path, headers, body):
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"User-Agent: {USER_AGENT}",
            f"Accept-Encoding: {self.accept_encoding}",
            "Accept-Language: en",
        ]
        if self.cookies:
            lines.append(f"Cookie: {self.cookie_header()}")
        for name, value in headers.items():
            lines.append(f"{name}: {value}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def request(self, method, path, *, headers=None, body=None, timeout=30):
        async with self._lock:
            try:
                return await asyncio.wait_for(
                    self._request(method, path, headers or {}, body), timeout
                )
            except BaseException:
                # Its answer may still come: it must never be read as the
                # answer to this browser's next request.
                await self.close()
                raise

    async def _request(self, method, path, headers, body):
        data = self._head(method, path, headers, body) + (body or b"")
        for attempt in (1, 2):
            now = time.monotonic()
            reused = self._conn is not None and now - self._last_used < IDLE_REUSE_SECONDS
            if not reused:
                await self.close()
                self._conn = await self._open()
            reader, writer = self._conn
            started = time.monotonic()
            try:
                writer.write(data)
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                await self.close()
                if reused and attempt == 1:
                    continue  # the server had closed the idle connection: as a browser, retry
                raise
            status, response_headers, cookies = _parse_head(head[:-4])
            wire = len(head)
            if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
                raw = b""
            elif response_headers.get("transfer-encoding", "").lower() == "chunked":
                raw, extra = await _read_chunked(reader)
                wire += extra
            elif "content-length" in response_headers:
                raw = await reader.readexactly(int(response_headers["content-length"]))
                wire += len(raw)
            else:
                raw = await reader.read()
                wire += len(raw)
                await self.close()
            if response_headers.get("connection", "").lower() == "close":
                await self.close()
            self._last_used = time.monotonic()
            self._store_cookies(cookies)
            self.bytes_down += wire
            self.bytes_up += len(data)
            self.requests += 1
            return Response(
                status, response_headers, cookies, raw, wire, time.monotonic() - started
            )
        raise HTTPError("unreachable")

    async def get(self, path, **kwargs):
        return await self.request("GET", path, **kwargs)

    async def post_form(self, path, fields, *, headers=None, referer=None, timeout=30):
        body = urlencode(fields).encode()
        base = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + (referer or path),
        }
        base.update(headers or {})
        return await self.request("POST", path, headers=base, body=body, timeout=timeout)

    # -- the cache for static files ----------------------------------------

    async def fetch_cached(self, path):
        """GET a subresource as a browser would: from the cache when fresh,
        revalidated when stale. Returns the Response, or None from cache."""
        entry = self.cache.get(path)
        if entry and entry["fresh_until"] > time.time():
            return None
        headers = {}
        if entry and entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry and entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        response = await self.get(path, headers=headers)
        if response.status == 304 and entry:
            entry["fresh_until"] = _fresh_until(response.headers) or entry["fresh_until"]
        elif response.status == 200:
            self.cache[path] = {
                "encoding": response.headers.get("content-encoding"),
                "etag": response.headers.get("etag"),
                "last_modified": response.headers.get("last-modified"),
                "fresh_until": _fresh_until(response.headers),
            }
        return response

    async def fetch_subresources(self, html):
        """The stylesheets, scripts and images a page names, the way the
        browser loads them (several at once; one connection each here)."""
        paths = subresources(html)
        responses = []
        for path in paths:
            response = await self.fetch_cached(path)
            if response is not None:
                responses.append(response)
        return responses


def _fresh_until(headers):
    control = headers.get("cache-control", "").lower()
    if "no-cache" in control or "no-store" in control:
        return 0
    match = re.search(r"max-age=(\d+)", control)
    if match:
        return time.time() + int(match.group(1))
    return 0


_SUBRESOURCE = re.compile(
    r"""<(?:link[^>]*\brel="stylesheet"[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)="([^"]+)\"""",
    re.I,
)


def subresources(html):
    seen = []
    for path in _SUBRESOURCE.findall(html):
        path = path.replace("&amp;", "&")
        if path.startswith(("http://", "https://", "//", "data:")):
            parts = urlsplit(path)
            if parts.scheme == "data":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in seen:
            seen.append(path)
    return seen


_LOAD_TRIGGER = re.compile(r"<[^>]*\bhx-trigger=\"[^\"]*\bload\b[^>]*>", re.I)
_HX_GET = re.compile(r"\bhx-get=\"([^\"]+)\"", re.I)


_ID = re.compile(r"(?<![\w-])id=\"([^\"]+)\"")
_PRESERVE = re.compile(r"\bhx-preserve\b", re.I)


def element_ids(html):
    """The ids of the elements in a page or fragment."""
    return set(_ID.findall(html))


def fetched_on_load(html, present_ids=frozenset()):
    """The URLs a fragment swapped into the page makes htmx fetch at once
    (hx-trigger=load). An hx-preserve element whose id the page already
    holds fetches nothing: htmx puts the element it had back in its place
    (a note being typed, a letter's editor), so its trigger never fires."""
    urls = []
    for tag in _LOAD_TRIGGER.findall(html):
        if _PRESERVE.search(tag):
            kept = _ID.search(tag)
            if kept and kept.group(1) in present_ids:
                continue
        match = _HX_GET.search(tag)
        if match:
            urls.append(match.group(1).replace("&amp;", "&"))
    return urls


class Event:
    __slots__ = ("name", "data", "id", "sent", "received", "size")

    def __init__(self, name, data, event_id, sent, received, size):
        self.name, self.data, self.id = name, data, event_id
        self.sent, self.received, self.size = sent, received, size


def parse_events(text):
    """Split SSE text into complete event blocks and the unfinished rest.

    Yields (fields, rest): fields is a list of dicts with name, data, id,
    retry and sent (the hub's `: sent <epoch ms>` comment), or None."""
    blocks = text.split("\n\n")
    rest = blocks.pop()
    events = []
    for block in blocks:
        name, data, event_id, retry, sent = "message", [], None, None, None
        for line in block.split("\n"):
            if line.startswith(":"):
                if line.startswith(": sent "):
                    sent = int(line[7:]) / 1000
                continue
            field, _sep, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                event_id = value
            elif field == "retry" and value.isdigit():
                retry = int(value)
        events.append(
            {
                "name": name,
                "data": "\n".join(data),
                "id": event_id,
                "retry": retry,
                "sent": sent,
                "size": len(block) + 2,
                "empty": not data,
            }
        )
    return events, rest


class StampedReader(asyncio.StreamReader):
    """A StreamReader that notes when bytes reached the socket.

    One client process plays thousands of phones on one core: after a
    broadcast, phone number 2,000 runs only once the 1,999 before it have
    parsed their events (a tenth of a millisecond each), so a time taken
    after `read()` returns would charge the bench's own queue to the server.
    The event loop feeds every socket's bytes before any phone's task
    resumes; `arrived` is that moment, the one a real phone, parsing on a
    CPU of its own, would start from."""

    arrived = None

    def feed_data(self, data):
        if not self._buffer:
            self.arrived = time.time()
        super().feed_data(data)


async def open_stamped_connection(host, port):
    loop = asyncio.get_running_loop()
    reader = StampedReader(limit=2**16, loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    transport, _protocol = await loop.create_connection(lambda: protocol, host, port)
    return reader, asyncio.StreamWriter(transport, protocol, reader, loop)


class EventStream:
    """One EventSource, with live.js's reconnection rules.

    `on_event(Event)` is called for each event with data; the counters say
    how the stream fared."""

    def __init__(self, browser, path, on_event):
        self.browser, self.path, self.on_event = browser, path, on_event
        self.retry_ms = 3000  # the browser default until the server says
        self.last_id = None
        self.failures = 0
        self.opened = self.dropped = self.refused = self.error_statuses = 0
        self.open = False
        self.wire_bytes = 0
        self.last_drop = None
        self._task = None
        self._writer = None

    def start(self):
        self._task = asyncio.ensure_future(self._run())
        return self._task

    async def stop(self):
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._writer is not None:
            self._writer.close()

    def cut(self):
        """Close the socket at once (a phone losing its network)."""
        if self._writer is not None:
            self._writer.transport.abort()

    async def _run(self):
        while True:
            delay = await self._once()
            await asyncio.sleep(delay)

    async def _once(self):
        """Connect and read until the stream ends; the delay before the next try."""
        browser = self.browser
        try:
            reader, writer = await open_stamped_connection(browser.host, browser.port)
        except OSError:
            self.refused += 1
            return self.retry_ms / 1000  # a network error: EventSource retries
        self._writer = writer
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = self.last_id
        try:
            writer.write(browser._head("GET", self.path, headers, None))
            head = await reader.readuntil(b"\r\n\r\n")
            status, response_headers, cookies = _parse_head(head[:-4])
            if status != 200 or "text/event-stream" not in response_headers.get("content-type", ""):
                # EventSource gives up; live.js retries later, spread out.
                self.error_statuses += 1
                self.failures = min(self.failures + 1, 6)
                return (1 + random.random() * 4) * 2 ** (self.failures - 1)
            self.failures = 0
            self.opened += 1
            self.open = True
            chunked = response_headers.get("transfer-encoding", "").lower() == "chunked"
            decoder = ChunkedDecoder() if chunked else None
            text = ""
            utf8 = codecs.getincrementaldecoder("utf-8")()
            while True:
                data = await reader.read(65536)
                received = reader.arrived or time.time()
                if not data:
                    break
                self.wire_bytes += len(data)
                if decoder is not None:
                    data = decoder.feed(data)
                text += utf8.decode(data)
                if "\n\n" not in text:
                    continue
                events, text = parse_events(text)
                for fields in events:
                    if fields["retry"] is not None:
                        self.retry_ms = fields["retry"]
                    if fields["id"] is not None:
                        self.last_id = fields["id"]
                    if fields["empty"]:
                        continue
                    self.on_event(
                        Event(
                            fields["name"],
                            fields["data"],
                            fields["id"],
                            fields["sent"],
                            received,
                            fields["size"],
                        )
                    )
                if decoder is not None and decoder.finished:
                    break
        except (OSError, asyncio.IncompleteReadError, UnicodeDecodeError, HTTPError):
            pass
        finally:
            writer.close()
            self._writer = None
            if self.open:
                self.dropped += 1
                self.last_drop = time.time()
            self.open = False
        return self.retry_ms / 1000
