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
"""

import asyncio

from asgiref.sync import sync_to_async
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
        self._turns = asyncio.Semaphore(settings.W4R_REQUEST_THREADS)

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        # BaseHandler.get_response_async awaits the chain: one hop for it all.
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)

    async def handle(self, scope, receive, send):
        await self._turns.acquire()
        held = True

        def give_back():
            nonlocal held
            if held:
                held = False
                self._turns.release()

        async def send_and_give_back(message):
            if message["type"] == "http.response.start":
                give_back()
            await send(message)

        try:
            await super().handle(scope, receive, send_and_give_back)
        finally:
            give_back()
