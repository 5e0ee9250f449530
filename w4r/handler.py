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

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class ASGIHandlerWithSyncChain(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        # BaseHandler.get_response_async awaits the chain: one hop for it all.
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)
