"""Who a phone is: a signed, HttpOnly cookie naming its participant.

The cookie is the only credential a participant has; it never appears in a
URL. Signing makes it unforgeable; removal on the server makes it useless.
"""

from django.conf import settings
from django.core import signing

from .models import Participant

SALT = "w4r.participant"


def remember(response, participant):
    response.set_signed_cookie(
        settings.PARTICIPANT_COOKIE,
        str(participant.pk),
        salt=SALT,
        max_age=settings.PARTICIPANT_COOKIE_MAX_AGE,
        secure=settings.HTTPS,
        httponly=True,
        samesite="Lax",
        path="/",
    )
    return response


def participant_id(request):
    try:
        value = request.get_signed_cookie(
            settings.PARTICIPANT_COOKIE,
            salt=SALT,
            max_age=settings.PARTICIPANT_COOKIE_MAX_AGE,
        )
        return int(value)
    except (KeyError, signing.BadSignature, ValueError):
        return None


def current_participant(request, session):
    """The participant this phone is in `session`, removed or not, or None."""
    pid = participant_id(request)
    if pid is None:
        return None
    return Participant.objects.filter(pk=pid, session=session).select_related("group").first()
