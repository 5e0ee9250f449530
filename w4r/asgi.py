"""The ASGI application `make run` and production serve (uvicorn).

Django runs with its middleware chain in one thread per request
(w4r/handler.py); an unchanged participant poll, and a participant's event
stream, are answered before Django at all (activities/live/fastpath.py).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "w4r.settings")
django.setup(set_prefix=False)

from activities.live.fastpath import with_fast_paths  # noqa: E402
from w4r.handler import ASGIHandlerWithSyncChain  # noqa: E402
from w4r.secret_key import refuse_to_serve_without_a_lasting_key  # noqa: E402

refuse_to_serve_without_a_lasting_key()

django_application = ASGIHandlerWithSyncChain()
application = with_fast_paths(django_application)
