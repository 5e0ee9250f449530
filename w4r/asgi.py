import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "w4r.settings")

django_application = get_asgi_application()

# Imported once Django is set up. An unchanged poll is answered before
# Django's request stack (activities/live/fastpoll.py); everything else is Django.
from activities.live.fastpoll import with_fast_polls  # noqa: E402

application = with_fast_polls(django_application)
