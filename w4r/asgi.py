"""The ASGI application `make run` and production serve (uvicorn).

Django runs with its middleware chain in one thread per request
(w4r/handler.py), and an unchanged participant poll is answered before
Django at all (activities/live/fastpoll.py).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "w4r.settings")
django.setup(set_prefix=False)

from activities.live.fastpoll import with_fast_polls  # noqa: E402
from w4r.handler import ASGIHandlerWithSyncChain  # noqa: E402

django_application = ASGIHandlerWithSyncChain()
application = with_fast_polls(django_application)
