"""The participant's pages: joining by room code, then one live page."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from w4r.views import too_many_tries

from .. import floods, identity, services, steps
from ..forms import NicknameForm, RoomCodeForm
from ..live.render import group_context, stage_context
from ..models import Participant, Session
from ..roomcode import is_room_code


def home(request):
    return render(request, "activities/home.html", {"form": RoomCodeForm()})


def privacy(request):
    return render(
        request,
        "activities/privacy.html",
        {
            "retention_days": settings.W4R_RETENTION_DAYS,
            "cookie_days": settings.PARTICIPANT_COOKIE_MAX_AGE // (24 * 60 * 60),
            "contact": settings.W4R_PRIVACY_CONTACT,
        },
    )


def _own_cookie_session(request, code):
    """The session with this code if this phone's signed cookie names one of
    its participants: someone who joined may always come back."""
    pid = identity.participant_id(request)
    if pid is None:
        return None
    person = (
        Participant.objects.filter(pk=pid, session__room_code=code)
        .select_related("session__case_version")
        .defer("session__case_version__data")
        .first()
    )
    return person.session if person else None


def _find_room(request, code):
    """(session, None), or (None, the answer to give) for an unknown code.

    Every lookup of a room by a code from outside comes through here: an
    unknown code counts against the address (activities.floods), and once
    its wrong codes are used up no code is looked up at all, so a guesser
    cannot tell a right code from a wrong one by the answer.
    """
    if is_room_code(code):
        session = _own_cookie_session(request, code)
        if session is not None:
            return session, None
    if floods.wrong_codes_exhausted(request):
        return None, too_many_tries(request)
    session = None
    if is_room_code(code):
        session = (
            Session.objects.filter(room_code=code)
            .select_related("case_version")
            .defer("case_version__data")
            .first()
        )
    if session is None:
        floods.count_wrong_code(request)
        context = {"form": RoomCodeForm(), "room_error": _no_room_message()}
        return None, render(request, "activities/join.html", context, status=404)
    return session, None


@require_http_methods(["GET", "POST"])
def join(request):
    form = RoomCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        session, refusal = _find_room(request, code)
        if session is not None:
            return redirect("join_room", code)
        if refusal.status_code == 429:
            return refusal
        form.add_error("code", _no_room_message())
    return render(request, "activities/join.html", {"form": form}, status=_status(form, request))


def _no_room_message():
    return gettext("There is no room with this code. Check it with your facilitator.")


def _status(form, request):
    return 400 if request.method == "POST" and form.errors else 200


def _closed_reason(session):
    if session.is_ended:
        return gettext("This session has ended. Thank you for taking part!")
    if session.locked:
        return gettext("This room is locked. Ask the facilitator to unlock it.")
    return ""


@require_http_methods(["GET", "POST"])
def join_room(request, code):
    session, refusal = _find_room(request, code)
    if session is None:
        return refusal
    participant = identity.current_participant(request, session)
    if participant is not None and not participant.is_removed:
        return redirect("room", code)
    form = NicknameForm(request.POST or None)
    # A phone whose cookie names a removed participant of this room cannot
    # join again under another name (the form is not even read).
    if request.method == "POST" and participant is None:
        if not floods.join_allowed(request):
            return too_many_tries(request)
        if form.is_valid():
            try:
                participant = services.participant_join(
                    session=session, nickname=form.cleaned_data["nickname"]
                )
            except services.SessionError as exc:
                form.add_error("nickname", str(exc))
            else:
                return identity.remember(redirect("room", code), participant)
    context = {
        "session": session,
        "form": form,
        "closed_reason": _closed_reason(session),
        "removed": participant is not None and participant.is_removed,
        "refused": participant is not None and participant.is_refused,
    }
    status = _status(form, request)
    if request.method == "POST" and participant is not None:
        status = 403
    return render(request, "activities/join_room.html", context, status=status)


def room(request, code):
    session, refusal = _find_room(request, code)
    if session is None:
        return refusal
    participant = identity.current_participant(request, session)
    if participant is None or participant.is_removed:
        return redirect(reverse("join_room", args=[code]))
    if participant.waiting:
        return render(
            request, "activities/waiting.html", {"session": session, "participant": participant}
        )
    return render(request, "activities/participant.html", room_context(session, participant))


def room_context(session, participant):
    """The participant's whole page: the room's stage, the group's panel and,
    rendered in place, what this phone shows of its own."""
    context = group_context(session, participant.group)
    context.update(stage_context(session))
    context["participant"] = participant
    if session.step is not None and not session.is_ended:
        context.update(steps.kind_personal_context(session, session.step, participant))
    return context


@require_GET
def admission(request, code):
    """Asked by a waiting phone once its admission part changed: reload the
    room page, which now shows the room or the refusal."""
    if request.htmx:
        return HttpResponseClientRefresh()
    return redirect("room", code)
