"""The secret key that signs what people carry (the participant's cookie,
sessions, CSRF tokens) must outlive the process. Without DJANGO_SECRET_KEY
the settings give the process a key of its own, enough for management
commands; serving refuses it, and so does `check --deploy`."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING = "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development)."


def has_a_lasting_key():
    return settings.SECRET_KEY_GIVEN or settings.DEBUG


def refuse_to_serve_without_a_lasting_key():
    """Called by w4r/asgi.py and w4r/wsgi.py before they build the app."""
    if not has_a_lasting_key():
        raise ImproperlyConfigured(MISSING)


@register(Tags.security, deploy=True)
def check_secret_key_given(app_configs, **kwargs):
    if has_a_lasting_key():
        return []
    return [
        Error(
            "DJANGO_SECRET_KEY is not set: this process has a key of its own, and "
            "cookies signed with it would not survive a restart.",
            hint=MISSING,
            id="w4r.E001",
        )
    ]
