"""Response headers Django does not set itself (docs/security.md).

Django's SecurityMiddleware sets HSTS, nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy; django-csp sets the Content-Security-Policy. This
adds what is left for every response, pages, streams and static files alike.
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

# The middlewares above this one only add headers (see settings.MIDDLEWARE).
_FIRST_NOT_HEADERS = "whitenoise.middleware.WhiteNoiseMiddleware"


class SecurityHeadersMiddleware(MiddlewareMixin):
    def process_response(self, request, response):
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        return response


class _Probe(HttpRequest):
    def __init__(self, secure):
        super().__init__()
        self.method = "GET"
        self.path = self.path_info = "/"
        self._secure = secure

    def _get_scheme(self):
        return "https" if self._secure else "http"


@cache
def security_headers(*, secure):
    """The headers of an empty 204 as Django's header middlewares (the ones
    above WhiteNoise in settings.MIDDLEWARE) make them, as ASGI
    [(name, value)] bytes: for a response made before Django's stack
    (activities.live.fastpath), or None where Django would not answer 204
    (plain HTTP when HTTPS is required). Computed once by running those
    middlewares."""
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    paths = settings.MIDDLEWARE[: settings.MIDDLEWARE.index(_FIRST_NOT_HEADERS)]
    handler = lambda request: HttpResponse(status=204)  # noqa: E731
    for path in reversed(paths):
        handler = import_string(path)(handler)
    response = handler(_Probe(secure))
    if response.status_code != 204:
        return None
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers.items()
    ]


@receiver(setting_changed)
def _settings_changed(**kwargs):
    security_headers.cache_clear()
