"""Join floods: how many tries a client address gets (docs/security.md).

Two counters per address, both in the Django cache through django-ratelimit:

* wrong room codes, counted strictly (W4R_WRONG_CODE_RATE, 10 a minute): a
  guesser of codes is slowed to hopeless; a class that mistypes a code now
  and then never notices. Every place that looks a room up by a code from
  the outside counts here, so no page answers "this code exists" faster.
* joins, counted generously (W4R_JOIN_RATE, 600 a minute): a whole school
  behind one NAT address still joins in one go, while a bot cannot pour
  thousands of fake participants into rooms. Each room has its own cap too
  (Session.max_participants, set by the facilitator).

The cache is Redis when REDIS_URL is set (INCR is atomic and shared by all
processes) and LocMemCache otherwise (atomic under its lock within the one
process `make run` starts). If the cache itself fails, the counters fail
open: the app keeps working, and the room code's size still protects rooms.
"""

import logging

from django.conf import settings
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)

WRONG_CODE = "w4r.wrong-room-code"
JOIN = "w4r.join"
LOGIN = "w4r.login"


def _usage(request, group, rate, *, increment):
    try:
        return get_usage(request, group=group, key="ip", rate=rate, increment=increment)
    except Exception:  # the cache is down: fail open rather than lock everyone out
        log.warning("Rate limit counter unavailable; not counting", exc_info=True)
        return None


def _over(usage):
    return usage is not None and usage["count"] >= usage["limit"]


def wrong_codes_exhausted(request):
    """True when this address has used up its wrong room codes for now."""
    return _over(_usage(request, WRONG_CODE, settings.W4R_WRONG_CODE_RATE, increment=False))


def count_wrong_code(request):
    _usage(request, WRONG_CODE, settings.W4R_WRONG_CODE_RATE, increment=True)


def join_allowed(request):
    """Count one join attempt from this address; False once over the rate."""
    usage = _usage(request, JOIN, settings.W4R_JOIN_RATE, increment=True)
    return usage is None or usage["count"] <= usage["limit"]


def login_allowed(request):
    """Count one sign-in attempt from this address; False once over the rate."""
    usage = _usage(request, LOGIN, settings.W4R_LOGIN_RATE, increment=True)
    return usage is None or usage["count"] <= usage["limit"]
