"""Error answers: too many tries (429), a locked-out sign-in, and a server
error that tells a database outage (503, try again) from a bug (500).

None of these touches the database, so they work while it is down.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def _is_htmx(request):
    return request is not None and request.headers.get("HX-Request") == "true"


def _page(template, status, *, request=None, context=None, text=None, headers=None):
    """The error page, or for an htmx request its short message as text,
    which static/w4r/faults.js shows in the page."""
    if _is_htmx(request) and text:
        response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    else:
        body = loader.get_template(template).render(
            # "/" + ...: a path such as "//elsewhere.example" must stay on this site.
            {"request_path": "/" + request.path.lstrip("/") if request else "", **(context or {})}
        )
        response = HttpResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def too_many_tries(request, *, retry_after=60):
    return _page(
        "429.html",
        429,
        request=request,
        text=gettext("Too many tries. Wait a minute, then try again."),
        headers={"Retry-After": str(retry_after)},
    )


def locked_out(request, *args, **kwargs):
    """Axes' answer once a sign-in is locked out (AXES_LOCKOUT_CALLABLE)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _page(
        "registration/locked_out.html",
        429,
        request=request,
        context={"minutes": minutes},
        text=gettext("Too many failed sign-ins. Wait, then try again."),
        headers={"Retry-After": str(minutes * 60)},
    )


def _database_unavailable(exc):
    # OperationalError: the server is gone, a lock timed out ("database is
    # locked"), the pool is exhausted; InterfaceError: the connection broke.
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request, *args, **kwargs):
    """handler500. Django calls it inside its `except` block, so the error is
    still in sys.exc_info(): a database outage gets a 503 that says to try
    again in a moment; anything else a plain 500."""
    exc = sys.exc_info()[1]
    if _database_unavailable(exc):
        log.warning("Database unavailable: %s", exc)
        return _page(
            "503.html",
            503,
            request=request,
            text=gettext("The server is busy for a moment. Try again in a few seconds."),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return _page(
        "500.html",
        500,
        request=request,
        text=gettext("Something went wrong on the server. Try again."),
    )
