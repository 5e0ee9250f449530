"""The people of the benchmark: phones that join by room code and follow the
session over SSE (or polling), and the facilitator who clicks."""

import asyncio
import re
import time
from collections import Counter

from .client import Browser, EventStream, element_ids, fetched_on_load, subresources

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CSRF_HEADER = re.compile(r'X-CSRFToken&quot;: &quot;([^&]+)&quot;|X-CSRFToken": "([^"]+)"')
_VERSION = re.compile(r'data-live-version="(\d+)"')


class Failed(Exception):
    """A request a browser would have shown as an error."""


def _csrf_from_form(html):
    match = _CSRF_INPUT.search(html)
    if not match:
        raise Failed("no csrfmiddlewaretoken in the form")
    return match.group(1)


class Phone:
    """One participant's phone: join, then follow the session."""

    def __init__(self, host, port, code, nickname, listener=None):
        self.browser = Browser(host, port)
        self.code = code
        self.nickname = nickname
        self.listener = listener  # called with (phone, event) for each event
        self.stream = None
        self.last = {}  # event name -> last Event
        self.version = None
        self.errors = Counter()
        self.push_requests = 0  # requests a pushed fragment made the phone send
        self.push_bytes = 0
        self.csrf = None
        self.join_form_html = None
        self._fetching = set()  # requests a push made htmx send, still running
        # part -> ids of the elements it shows now ("page": the room page as
        # loaded, until the stream's first stage replaces its content).
        self.shown_ids = {}

    # -- joining ---------------------------------------------------------

    async def open_join_page(self, *, assets=True):
        """Scanning the QR code: the nickname form, with its CSS and JS."""
        response = await self.browser.get(f"/join/{self.code}")
        if response.status != 200:
            raise Failed(f"join page answered {response.status}")
        html = response.text
        self.csrf = _csrf_from_form(html)
        if assets:
            await self.browser.fetch_subresources(html)
        return response

    async def submit_nickname(self):
        """The write: POST the nickname; the answer redirects to the room."""
        response = await self.browser.post_form(
            f"/join/{self.code}",
            {"csrfmiddlewaretoken": self.csrf, "nickname": self.nickname},
        )
        location = response.headers.get("location", "")
        if response.status != 302 or not location.endswith(f"/r/{self.code}"):
            raise Failed(f"joining answered {response.status}")
        return response

    async def open_room(self, *, assets=True):
        response = await self.browser.get(f"/r/{self.code}")
        if response.status != 200:
            raise Failed(f"room page answered {response.status}")
        html = response.text
        match = _VERSION.search(html)
        self.version = match.group(1) if match else None
        # What htmx sends with every request (hx-headers on <body>).
        match = _CSRF_HEADER.search(html)
        if match:
            self.csrf = match.group(1) or match.group(2)
        self.shown_ids = {"page": element_ids(html)}
        if assets:
            await self.browser.fetch_subresources(html)
        for url in fetched_on_load(html):  # the page's own hx-trigger="load"
            await self.browser.get(url)
        return response

    async def join(self, *, assets=True):
        await self.open_join_page(assets=assets)
        started = time.monotonic()
        await self.submit_nickname()
        post_seconds = time.monotonic() - started
        await self.open_room(assets=assets)
        return post_seconds

    # -- following the session ------------------------------------------

    def connect(self):
        self.stream = EventStream(self.browser, f"/r/{self.code}/events", self._on_event)
        self.stream.start()
        return self.stream

    async def disconnect(self):
        if self.stream is not None:
            await self.stream.stop()
            self.stream = None

    def _on_event(self, event):
        self.last[event.name] = event
        if event.id:
            self.version = event.id
        if event.name in ("stage", "group"):
            self.push_bytes += event.size
            # What htmx would fetch because of the swap: hx-trigger="load"
            # fragments (not those it keeps, hx-preserve) and images not in
            # the cache yet.
            shown = set().union(*self.shown_ids.values())
            urls = fetched_on_load(event.data, shown) + subresources(event.data)
            if event.name == "stage":
                self.shown_ids.pop("page", None)
            self.shown_ids[event.name] = element_ids(event.data)
            if urls:
                task = asyncio.ensure_future(self._fetch_after_push(urls))
                self._fetching.add(task)
                task.add_done_callback(self._fetching.discard)
        if self.listener is not None:
            self.listener(self, event)

    async def _fetch_after_push(self, urls):
        for url in urls:
            try:
                before = self.browser.requests
                await self.browser.fetch_cached(url)
                self.push_requests += self.browser.requests - before
            except (TimeoutError, OSError) as exc:
                self.errors[f"fetch after push: {type(exc).__name__}"] += 1

    async def settled(self):
        """Until the requests the last pushes made htmx send are answered."""
        while self._fetching:
            await asyncio.gather(*list(self._fetching), return_exceptions=True)

    async def htmx_post(self, path, fields, *, timeout=30):
        """An hx-post from the room page: the form's fields, htmx's headers."""
        return await self.browser.post_form(
            path,
            {"csrfmiddlewaretoken": self.csrf, **fields},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
            referer=f"/r/{self.code}",
            timeout=timeout,
        )

    async def poll(self):
        """live.js's fallback: 204 when nothing changed, else the parts."""
        response = await self.browser.get(
            f"/r/{self.code}/poll?v={self.version or ''}", headers={"HX-Request": "true"}
        )
        if response.status == 200:
            self.version = response.headers.get("x-w4r-version", self.version)
        elif response.status != 204:
            raise Failed(f"poll answered {response.status}")
        return response


class Facilitator:
    """Signed in, with the control view and the projector open (both live)."""

    def __init__(self, host, port, code):
        self.browser = Browser(host, port)
        self.code = code
        self.csrf = None
        self.streams = []
        self.last = {}

    async def sign_in(self, username, password):
        page = await self.browser.get("/accounts/login/")
        token = _csrf_from_form(page.text)
        response = await self.browser.post_form(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        if response.status != 302:
            raise Failed(f"sign-in answered {response.status}")

    async def open_screens(self):
        control = await self.browser.get(f"/sessions/{self.code}/")
        if control.status != 200:
            raise Failed(f"control view answered {control.status}")
        match = _CSRF_HEADER.search(control.text)
        if not match:
            raise Failed("no CSRF token in the control view's hx-headers")
        self.csrf = match.group(1) or match.group(2)
        await self.browser.fetch_subresources(control.text)
        for path in (f"/sessions/{self.code}/events", f"/sessions/{self.code}/projector/events"):
            stream = EventStream(Browser(self.browser.host, self.browser.port), path, self._seen)
            stream.browser.cookies = self.browser.cookies
            stream.start()
            self.streams.append(stream)

    def _seen(self, event):
        self.last[event.name] = event

    async def click(self, action, fields=None, *, timeout=30):
        """An htmx button on the control view: (click time, response)."""
        clicked = time.time()
        response = await self.browser.post_form(
            f"/sessions/{self.code}/{action}",
            fields or {},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
            referer=f"/sessions/{self.code}/",
            timeout=timeout,
        )
        return clicked, response

    async def close(self):
        for stream in self.streams:
            await stream.stop()
        await self.browser.close()
