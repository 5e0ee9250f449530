"""The live stream (SSE) and its polling fallback, for all three screens."""

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection
from django.http import HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from ..identity import current_participant
from ..live import bus
from ..live.fastpath import versions
from ..live.hub import Connection, hub
from ..live.render import poll_answer
from ..models import Participant, Session
from ..roomcode import is_room_code

_SCREEN_PARTS = {
    "projector": [bus.PROJECTOR],
    "control": [bus.CONTROL_STEP, bus.CONTROL_ROSTER],
}


def _who(request, code, screen):
    """(session, parts, participant id) this request may follow, or None."""
    if not is_room_code(code):
        return None
    session = Session.objects.filter(room_code=code).first()
    if session is None:
        return None
    if screen in ("participant", "waiting"):
        participant = current_participant(request, session)
        if participant is None or participant.is_removed:
            return None
        if screen == "waiting" or participant.waiting:
            # A phone waiting to be let in follows its own admission only;
            # the waiting page keeps following it after, to hear "let in".
            return session, [bus.admission_part(participant.pk)], None
        return session, bus.participant_parts(participant.pk, participant.group_id), participant.pk
    user = request.user
    if user.is_authenticated and session.facilitator_id == user.pk:
        return session, _SCREEN_PARTS[screen], None
    return None


def _language(session, screen):
    """The projector speaks its session's language; every other screen its reader's."""
    if screen == "projector":
        return session.projector_language
    return translation.get_language()


def _stream_response(body):
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"
    return response


def _who_for_stream(request, code, screen):
    """_who, then the database connection goes back at once: a stream lives
    for hours and never touches the database again (the hub renders in its
    own workers), but Django would only release the connection when the
    response ends. With PostgreSQL's pool of 10 the eleventh phone waited
    and failed; with SQLite each phone kept a connection open."""
    try:
        return _who(request, code, screen)
    finally:
        # The stream may stay open for an hour: give the connection back now.
        # (Inside a transaction, as in tests, there is nothing to give back.)
        if not connection.in_atomic_block:
            close_old_connections()


@require_GET
async def events(request, code, screen):
    found = await sync_to_async(_who_for_stream)(request, code, screen)
    if found is None:
        return HttpResponseForbidden()
    session, parts, participant_id = found
    conn = Connection(
        session.pk, parts, language=_language(session, screen), participant_id=participant_id
    )
    return _stream_response(hub.stream(conn))


@require_GET
def poll(request, code, screen):
    """For a page whose stream went silent: 204 when nothing changed since
    version `v`, else every live part of the screen as out-of-band swaps.
    Unchanged participant polls are mostly answered before they get here
    (activities.live.fastpath), from the room as this view last read it."""
    generation = versions.generation  # before reading: see Versions.remember
    found = _who(request, code, screen)
    if found is None:
        return HttpResponseForbidden()
    session, parts, participant_id = found
    if participant_id is not None and versions.needs_reading(code, session.version):
        members = (
            Participant.objects.filter(session=session).present().values_list("pk", "group_id")
        )
        versions.remember(code, session.pk, session.version, members, generation=generation)
    try:
        seen = int(request.GET.get("v", ""))
    except ValueError:
        seen = -1
    if seen == session.version:
        return HttpResponse(status=204)
    response = HttpResponse(
        poll_answer(session.pk, session.version, parts, _language(session, screen))
    )
    response["X-W4R-Version"] = str(session.version)
    return response
