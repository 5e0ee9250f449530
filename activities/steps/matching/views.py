"""The matching exercise's requests: a group's board and the closing
question from the phones, closing and the plenary reveal from the control view.

Every action works as a plain form (POST, then back to the page) and, with
htmx, as a request whose answer is a sentence for screen readers: the board
itself comes back through the live push, to every member of the group.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ... import identity
from ...models import ClosingAnswer, Group, Session
from ...roomcode import is_room_code
from ...services import SessionError
from ...views.facilitator import _action
from . import services
from .cards import Cards


def _member(request, code):
    """(session, participant) of the phone making this request, or (None, an
    HttpResponse refusing it). An unknown room code gets the same answer as
    a stranger, so these URLs tell nobody which codes exist."""
    session = None
    if is_room_code(code):
        session = (
            Session.objects.filter(room_code=code)
            .select_related("case_version")
            .defer("case_version__data")
            .first()
        )
    participant = identity.current_participant(request, session) if session else None
    if participant is None or participant.is_removed or participant.waiting:
        return None, HttpResponseForbidden(
            _("You are not in this session."), content_type="text/plain; charset=utf-8"
        )
    return session, participant


def _room(session, card=None):
    url = reverse("room", args=[session.room_code])
    if card:
        url += f"?card={card}#exp-{card}"
    return redirect(url)


def _refused(request, session, message):
    if request.htmx:
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return _room(session)


def _said(request, session, sentence, card=None):
    """htmx: the sentence, for the page's polite live region; a plain form:
    back to the room, with the card just changed open."""
    if request.htmx:
        return HttpResponse(sentence, content_type="text/plain; charset=utf-8")
    return _room(session, card)


def _right_name(right):
    return _("Article %(number)s: %(title)s") % {"number": right.article, "title": right.title}


@require_POST
def pair(request, code, step_key, group_id):
    """Pair (`pair=<right>`) or undo a pair (`unpair=<right>`) of an
    experience card on the group's board."""
    session, participant = _member(request, code)
    if isinstance(participant, HttpResponse):
        return participant
    group = Group.objects.filter(pk=group_id, session=session).first()
    if group is None:
        raise Http404
    undo = "unpair" in request.POST
    fields = {
        "participant": participant,
        "group": group,
        "step_key": step_key,
        "experience": request.POST.get("experience", ""),
        "right": request.POST.get("unpair" if undo else "pair", ""),
    }
    try:
        if undo:
            experience, right = services.pair_remove(**fields)
        else:
            experience, right = services.pair_add(**fields)
    except SessionError as exc:
        return _refused(request, session, str(exc))
    if undo:
        sentence = _("Pair undone: %(right)s.") % {"right": _right_name(right)}
    else:
        sentence = _("Paired with %(right)s.") % {"right": _right_name(right)}
    return _said(request, session, sentence, experience.key)


@require_POST
def done(request, code, step_key, group_id):
    session, participant = _member(request, code)
    if isinstance(participant, HttpResponse):
        return participant
    group = Group.objects.filter(pk=group_id, session=session).first()
    if group is None:
        raise Http404
    is_done = request.POST.get("done") == "1"
    try:
        services.board_set_done(
            participant=participant, group=group, step_key=step_key, done=is_done
        )
    except SessionError as exc:
        return _refused(request, session, str(exc))
    if is_done:
        sentence = _("Your group’s board is marked as done.")
    else:
        sentence = _("Your group’s board is open again.")
    return _said(request, session, sentence)


@require_http_methods(["GET", "POST"])
def answer(request, code, step_key):
    """The phone's own answer to the closing question: a fragment the stage
    loads for this phone alone (htmx), or a page of its own (plain HTML)."""
    session, participant = _member(request, code)
    if isinstance(participant, HttpResponse):
        return participant
    step = session.activity.step(step_key)
    if step is None or step.kind != "matching":
        raise Http404
    cards = Cards(step)
    if cards.closing_question is None:
        raise Http404
    saved = ClosingAnswer.objects.filter(
        exercise__session=session, exercise__step_key=step_key, participant=participant
    ).first()
    context = {
        "session": session,
        "step": step,
        "question": cards.closing_question,
        "text": saved.text if saved else "",
        "participant": participant,
    }
    status = 200
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            saved = services.answer_save(participant=participant, step_key=step_key, text=text)
        except SessionError as exc:
            context.update(text=text, error=str(exc))
            status = 409
        else:
            if not request.htmx:
                messages.success(request, _("Your answer is sent."))
                return _room(session)
            context.update(text=saved.text, sent=True)
    template = "activities/steps/matching/answer.html"
    if request.htmx:
        template += "#answer-form"
    return render(request, template, context, status=status)


@_action
def close(request, session, step_key):
    closed = request.POST.get("closed", "1") == "1"
    services.exercise_set_closed(session=session, step_key=step_key, closed=closed)


@_action
def reveal(request, session, step_key):
    try:
        index = int(request.POST.get("card", ""))
    except ValueError:
        raise SessionError(_("There is no such card.")) from None
    services.reveal_show(session=session, step_key=step_key, index=index)


@_action
def projector(request, session, step_key):
    shown = request.POST.get("answers") == "1"
    services.answers_set_on_projector(session=session, step_key=step_key, shown=shown)


@_action
def answers_all(request, session, step_key):
    shown = request.POST.get("shown") == "1"
    services.answers_set_all_shown(session=session, step_key=step_key, shown=shown)


@_action
def answer_shown(request, session, answer_id):
    shown = request.POST.get("shown") == "1"
    services.answer_set_shown(session=session, answer_id=answer_id, shown=shown)
