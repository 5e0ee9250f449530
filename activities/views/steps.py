"""The step kinds' own actions: ideas and drawings, reflection answers, group
notes and UDHR taps from phones; tagging, crossing out, hiding and what the
projector shows from the control view.

A phone's action answers htmx with a short status message (200), or 422 with
the reason it was refused, which the page shows where the form shows its
status; without JavaScript it redirects back to the room (or shows the room
again with the message and what was typed). Every change is pushed to the
screens by the service that makes it.
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import identity, steps
from ..models import Group, Idea, ReflectionAnswer, Session
from ..services import SessionError
from ..steps import common, protest_ideas, story, udhr_intro
from ..steps.drawings import MAX_BYTES
from .facilitator import _action
from .participant import room_context

# -- Phones -----------------------------------------------------------------------


def _phone(view):
    """A view for a participant of the session `code` who is in the room:
    anyone else (removed, still waiting to be let in, or nobody) is sent to
    join (or, asking through htmx, refused)."""

    @wraps(view)
    def wrapper(request, code, **kwargs):
        session = (
            Session.objects.filter(room_code=code)
            .select_related("case_version")
            .defer("case_version__data")
            .first()
        )
        if session is None:
            raise Http404
        participant = identity.current_participant(request, session)
        if participant is None or participant.is_removed or participant.waiting:
            if request.htmx:
                return HttpResponse(status=403)
            return redirect("join_room", code)
        return view(request, session, participant, **kwargs)

    return wrapper


def _room_url(session, anchor=""):
    return reverse("room", args=[session.room_code]) + (f"#{anchor}" if anchor else "")


def _ok(request, session, message, anchor=""):
    if request.htmx:
        return HttpResponse(escape(message))
    messages.success(request, message)
    return redirect(_room_url(session, anchor))


def _refused(request, session, participant, error, **typed):
    """htmx: 422 with the reason. A plain form: the room again, with the
    reason and what was typed, so nothing is lost."""
    if request.htmx:
        return HttpResponse(escape(error), status=422)
    messages.error(request, error)
    context = room_context(session, participant)
    context.update(typed)
    return render(request, "activities/participant.html", context, status=400)


def _personal(request, session, participant, kind, template, extra=None):
    """One phone's own piece of the running step, or 204 when the step moved on."""
    step = session.step
    if step is None or step.kind != kind or session.is_ended:
        return HttpResponse(status=204)
    context = {"session": session, "content": session.content, "step": step}
    context["participant"] = participant
    context.update(steps.kind_personal_context(session, step, participant))
    if extra is not None:
        context.update(extra(session, step))
    return render(request, template, context)


def _question(request):
    try:
        return int(request.POST.get("question", ""))
    except ValueError:
        return -1


@require_POST
@_phone
def idea_add(request, session, participant):
    upload = request.FILES.get("drawing")
    text = request.POST.get("text", "")
    try:
        if upload is not None and upload.size > MAX_BYTES:
            raise SessionError(
                _("This drawing is too big: at most %(size)d MB.") % {"size": MAX_BYTES // 2**20}
            )
        protest_ideas.idea_add(
            participant=participant,
            step_key=request.POST.get("step", ""),
            text=text,
            drawing=upload.read() if upload is not None else None,
        )
    except SessionError as exc:
        # Without JavaScript the room comes back with the words typed (a
        # drawing's caption stays out of the text-idea box).
        typed = text if upload is None else ""
        return _refused(request, session, participant, str(exc), idea_text=typed)
    if upload is not None:
        return _ok(request, session, _("Your drawing was added."), "group-ideas")
    return _ok(request, session, _("Your idea was added."), "group-ideas")


@require_GET
@_phone
def group_ideas(request, session, participant):
    """The group's ideas as this phone sees them: its own marked as its own,
    with a link to change them."""
    return _personal(
        request,
        session,
        participant,
        "protest_ideas",
        "activities/steps/protest_ideas/_group_ideas.html",
        extra=lambda session, step: protest_ideas.group_ideas(session, step, participant.group),
    )


@require_http_methods(["GET", "POST"])
@_phone
def idea_edit(request, session, participant, idea_id):
    """A page of its own (not live) to change or delete one's own idea."""
    idea = get_object_or_404(Idea, pk=idea_id, session=session, participant=participant)
    error = None
    text = idea.text
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            if request.POST.get("delete"):
                protest_ideas.idea_delete(participant=participant, idea=idea)
                messages.success(request, _("Your idea was deleted."))
            else:
                protest_ideas.idea_edit(participant=participant, idea=idea, text=text)
                messages.success(request, _("Your idea was changed."))
        except SessionError as exc:
            error = str(exc)
        else:
            return redirect(_room_url(session, "group-ideas"))
    context = {
        "session": session,
        "participant": participant,
        "idea": idea,
        "text": text,
        "error": error,
        "max_length": protest_ideas.IDEA_MAX,
    }
    return render(
        request, "activities/steps/protest_ideas/edit.html", context, status=400 if error else 200
    )


@require_GET
def idea_drawing(request, code, idea_id):
    """A drawing, for the facilitator's screens, its author and its group."""
    session = get_object_or_404(Session, room_code=code)
    idea = get_object_or_404(
        Idea.objects.select_related("participant"), pk=idea_id, session=session
    )
    if not idea.drawing:
        raise Http404
    user = request.user
    allowed = user.is_authenticated and session.facilitator_id == user.pk
    if not allowed:
        viewer = identity.current_participant(request, session)
        allowed = (
            viewer is not None
            and not viewer.is_removed
            and not viewer.waiting
            and (
                viewer.pk == idea.participant_id
                or (viewer.group_id is not None and viewer.group_id == idea.participant.group_id)
            )
        )
    if not allowed:
        raise Http404
    with idea.drawing.open("rb") as drawing:
        # Small files (at most 1200 px a side): read whole, not streamed.
        response = HttpResponse(drawing.read(), content_type="image/png")
    # The file behind an idea never changes (a new drawing is a new idea).
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@require_http_methods(["GET", "POST"])
@_phone
def reflection_answers(request, session, participant):
    if request.method == "GET":
        return _personal(
            request,
            session,
            participant,
            "protest_ideas",
            "activities/steps/protest_ideas/_answers.html",
        )
    try:
        protest_ideas.reflection_answer_save(
            participant=participant,
            step_key=request.POST.get("step", ""),
            question=_question(request),
            text=request.POST.get("text", ""),
        )
    except SessionError as exc:
        return _refused(request, session, participant, str(exc))
    return _ok(request, session, _("Saved."), "reflection")


@require_http_methods(["GET", "POST"])
@_phone
def group_note(request, session, participant):
    if request.method == "GET":
        return _personal(
            request, session, participant, "story", "activities/steps/story/_note_form.html"
        )
    text = request.POST.get("text", "")
    try:
        story.note_save(participant=participant, step_key=request.POST.get("step", ""), text=text)
    except SessionError as exc:
        return _refused(request, session, participant, str(exc), my_note=text)
    return _ok(request, session, _("Saved: your group sees it."), "note")


@require_GET
@_phone
def udhr_rights(request, session, participant):
    return _personal(
        request, session, participant, "udhr_intro", "activities/steps/udhr_intro/_rights.html"
    )


@require_POST
@_phone
def udhr_tap(request, session, participant, article):
    step_key = request.POST.get("step", "")
    try:
        udhr_intro.udhr_tap_set(
            participant=participant,
            step_key=step_key,
            article=article,
            used=request.POST.get("used") == "1",
        )
    except SessionError as exc:
        return _refused(request, session, participant, str(exc))
    if not request.htmx:
        return redirect(_room_url(session, f"right-{step_key}-{article}"))
    context = {"session": session, "step": session.step, "participant": participant}
    context.update(udhr_intro.personal_context(session, session.step, participant))
    context["entry"] = next(
        entry
        for family in context["udhr_families"]
        for entry in family["articles"]
        if entry["article"].number == article
    )
    return render(request, "activities/steps/udhr_intro/_right.html", context)


# -- The facilitator ----------------------------------------------------------------


def _idea(session, idea_id):
    return get_object_or_404(Idea, pk=idea_id, session=session)


@_action
def idea_tag(request, session, idea_id):
    protest_ideas.idea_set_tag(
        idea=_idea(session, idea_id),
        tag=request.POST.get("tag", ""),
        on=request.POST.get("on") == "1",
    )


@_action
def idea_cross_out(request, session, idea_id):
    protest_ideas.idea_cross_out(
        idea=_idea(session, idea_id), reason=request.POST.get("reason", "")
    )


@_action
def idea_restore(request, session, idea_id):
    protest_ideas.idea_restore(idea=_idea(session, idea_id))


@_action
def idea_hide(request, session, idea_id):
    protest_ideas.idea_set_hidden(
        idea=_idea(session, idea_id), hidden=request.POST.get("hidden") == "1"
    )


@_action
def answer_show(request, session, answer_id):
    answer = get_object_or_404(ReflectionAnswer, pk=answer_id, session=session)
    protest_ideas.reflection_answer_set_shown(answer=answer, shown=request.POST.get("shown") == "1")


@_action
def step_view(request, session, step_key):
    common.step_set_view(session=session, step_key=step_key, view=request.POST.get("view", ""))


@_action
def note_feature(request, session, step_key):
    group_id = request.POST.get("group", "")
    group = None
    if group_id:
        group = get_object_or_404(
            Group, session=session, pk=int(group_id) if group_id.isdigit() else 0
        )
    story.note_feature(session=session, step_key=step_key, group=group)


@_action
def background_show(request, session, step_key):
    story.background_set_shown(
        session=session,
        step_key=step_key,
        key=request.POST.get("key", ""),
        shown=request.POST.get("shown") == "1",
    )
