"""Django's ASGI handler, with the middleware chain run in one thread.

Under ASGI Django builds an async middleware chain: every MiddlewareMixin
hook (process_request, process_response, process_view) of the thirteen
middlewares then runs through its own sync_to_async hop, and WhiteNoise,
which is sync only, hops back with async_to_sync. The profile of a poll
showed those hops (futures, thread wake-ups, context copies) costing more
than the view. Every middleware here is sync-capable, so this handler builds
the chain as WSGI does, synchronous, and runs it with one hop into the
request's thread; a sync view runs in that thread too, an async view (the
event streams) goes back to the event loop once, as Django does for it
under WSGI.

Django runs each request's sync code in a thread made for that request
(asgiref's ThreadSensitiveContext), and asgiref joins it with yet another
thread when the request ends: two threads started per request, and with
SQLite a new database connection each time. Here the requests take turns on
a fixed set of lanes, each a thread that lives as long as the process, so a
lane's database connection is kept from one request to the next
(CONN_MAX_AGE).
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


class ASGIHandlerWithSyncChain(ASGIHandler):
    """At most settings.W4R_REQUEST_THREADS requests are inside Django at
    once, each from its start until its response starts (an event stream
    then goes on without holding its turn); the others wait their turn on
    the event loop, where waiting costs nothing. Without a bound, 2,000
    phones fetching their own letters after a step change were 2,000
    threads at once (Django gives each request its own): a gigabyte
    resident, and the event loop, which sends every push, competing with
    all of them for the GIL."""

    def __init__(self):
        super().__init__()
        self._lanes = None  # made on first use, inside the server's event loop

    def _free_lanes(self):
        if self._lanes is None:
            self._lanes = asyncio.Queue()
            for number in range(settings.W4R_REQUEST_THREADS):
                self._lanes.put_nowait(
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"w4r-lane-{number}")
                )
        return self._lanes

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        # BaseHandler.get_response_async awaits the chain: one hop for it all.
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)

    async def handle(self, scope, receive, send):
        lanes = self._free_lanes()
        lane = await lanes.get()
        held = True

        def give_back():
            # What the request still runs after its response started (closing
            # it, a stream's end) queues on its lane behind the next request.
            nonlocal held
            if held:
                held = False
                lanes.put_nowait(lane)

        async def send_and_give_back(message):
            if message["type"] == "http.response.start":
                give_back()
            await send(message)

        try:
            async with ThreadSensitiveContext(executor=lane):
                await super().handle(scope, receive, send_and_give_back)
        finally:
            give_back()
