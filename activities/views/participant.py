"""The participant's pages: joining by room code, then one live page."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from .. import identity, services, steps
from ..forms import NicknameForm, RoomCodeForm
from ..live.render import group_context, stage_context
from ..models import Session


def home(request):
    return render(request, "activities/home.html", {"form": RoomCodeForm()})


@require_http_methods(["GET", "POST"])
def join(request):
    form = RoomCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if Session.objects.filter(room_code=code).exists():
            return redirect("join_room", code)
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
    session = Session.objects.filter(room_code=code).first()
    if session is None:
        form = RoomCodeForm()
        form.add_error(None, _no_room_message())
        return render(request, "activities/join.html", {"form": form}, status=404)
    participant = identity.current_participant(request, session)
    if participant is not None and not participant.is_removed:
        return redirect("room", code)
    form = NicknameForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and participant is None:
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
    }
    return render(request, "activities/join_room.html", context, status=_status(form, request))


def room(request, code):
    session = Session.objects.filter(room_code=code).select_related("case_version").first()
    if session is None:
        return redirect("join")
    participant = identity.current_participant(request, session)
    if participant is None or participant.is_removed:
        return redirect(reverse("join_room", args=[code]))
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
