"""The facilitator's pages: sessions, the control view and the projector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..forms import GroupSizeForm, SessionCreateForm, TimerForm
from ..live.render import control_context, projector_context
from ..models import Group, Session
from ..roomcode import is_room_code


def _own_session(request, code):
    """The session with this code, if the signed-in facilitator runs it."""
    if not is_room_code(code):
        raise Http404
    session = (
        Session.objects.filter(room_code=code, facilitator=request.user)
        .select_related("case_version__case")
        .defer("case_version__data")
        .first()
    )
    if session is None:
        raise Http404
    return session


def _done(request, session, error=None):
    """After an action: htmx waits for the push; a plain form goes back."""
    if error:
        if request.htmx:
            response = HttpResponse(error, status=409, content_type="text/plain; charset=utf-8")
            return response
        messages.error(request, error)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect("control", session.room_code)


@login_required
def dashboard(request):
    sessions = (
        Session.objects.filter(facilitator=request.user)
        .select_related("case_version__case")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "activities/dashboard.html",
        {"sessions": sessions, "form": SessionCreateForm()},
    )


@login_required
@require_POST
def session_create(request):
    form = SessionCreateForm(request.POST)
    if not form.is_valid():
        sessions = Session.objects.filter(facilitator=request.user)[:50]
        return render(
            request, "activities/dashboard.html", {"sessions": sessions, "form": form}, status=400
        )
    version, activity_key = form.cleaned_data["activity"]
    session = services.session_create(
        facilitator=request.user,
        case_version=version,
        activity_key=activity_key,
        title=form.cleaned_data["title"],
        group_size=form.cleaned_data["group_size"],
        origin=request.build_absolute_uri("/").rstrip("/"),
        projector_language=translation.get_language(),
    )
    return redirect("control", session.room_code)


@login_required
def control(request, code):
    session = _own_session(request, code)
    context = control_context(session)
    return render(request, "activities/control.html", context)


@login_required
def projector(request, code):
    """The projector speaks the session's projector language, not its
    browser's: it is often the facilitator's own laptop."""
    session = _own_session(request, code)
    with translation.override(session.projector_language):
        context = projector_context(session)
        response = render(request, "activities/projector.html", context)
        response["Content-Language"] = session.projector_language
    return response


def _action(handler):
    """A POST from the control view that calls one service function."""

    @login_required
    @require_POST
    def view(request, code, **kwargs):
        session = _own_session(request, code)
        try:
            handler(request, session, **kwargs)
        except services.SessionError as exc:
            return _done(request, session, str(exc))
        return _done(request, session)

    view.__name__ = handler.__name__
    return view


@_action
def go_to_step(request, session):
    services.session_go_to_step(session=session, step_key=request.POST.get("step", ""))


def _from_step(request):
    """The step the page showed when the button was pressed ("from"), so a
    replayed or double-sent click does not move twice; None if not sent."""
    return request.POST.get("from")


@_action
def next_step(request, session):
    services.session_next_step(session=session, from_step=_from_step(request))


@_action
def previous_step(request, session):
    services.session_previous_step(session=session, from_step=_from_step(request))


@_action
def timer(request, session):
    form = TimerForm(request.POST)
    if not form.is_valid():
        raise services.SessionError(form.errors.as_text())
    action = form.cleaned_data["action"]
    if action == "extend":
        services.timer_extend(session=session, minutes=form.cleaned_data["minutes"] or 1)
    elif action == "pause":
        services.timer_pause(session=session)
    else:
        services.timer_resume(session=session)


@_action
def projector_language(request, session):
    services.session_set_projector_language(
        session=session, language=request.POST.get("language", "")
    )


@_action
def lock(request, session):
    services.session_set_locked(session=session, locked=request.POST.get("locked") == "1")


@_action
def group_size(request, session):
    form = GroupSizeForm(request.POST)
    if not form.is_valid():
        raise services.SessionError(form.errors.as_text())
    services.session_set_group_size(session=session, group_size=form.cleaned_data["group_size"])


@_action
def regroup(request, session):
    services.session_regroup(session=session)


@_action
def add_group(request, session):
    services.group_add(session=session)


def _id(value):
    """A database id from a form field, or 0: "²".isdigit() is True and
    int() of 5,000 digits raises, so only short ASCII digits pass."""
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


@_action
def move(request, session, participant_id):
    participant = get_object_or_404(session.participants, pk=participant_id)
    if "group_number" in request.POST:  # the control view's number field
        number = _id(request.POST["group_number"].strip())
        group = Group.objects.filter(session=session, number=number).first()
        if group is None:
            raise services.SessionError(_("There is no group with that number."))
    else:
        group = get_object_or_404(Group, session=session, pk=_id(request.POST.get("group")))
    services.participant_move(participant=participant, group=group)


@_action
def remove(request, session, participant_id):
    participant = get_object_or_404(session.participants, pk=participant_id)
    services.participant_remove(participant=participant)


@_action
def end(request, session):
    services.session_end(session=session)
