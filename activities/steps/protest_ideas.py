"""Step kind `protest_ideas` (the guide's step 1, "Understanding the right to
protest"): each participant writes or draws ways to protest; the group sees
its ideas as they come; in plenary the projector shows every idea, the
facilitator tags ideas about freedom of assembly or expression, crosses some
out (they would not be accepted where those freedoms are restricted), hides
any that should not be shown, and puts the reflection questions on screen;
participants answer on their phones and the facilitator shows chosen answers.

The pack gives the scenario (`read_aloud`), the `task`, the group's
`questions`, the `plenary_instructions`, the `crossing_out_explanation` and
the `reflection_questions`.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..live.bus import CONTROL_STEP, PROJECTOR, group_part, publish_on_commit
from ..models import Idea, ReflectionAnswer
from ..services import SessionError, _bump, _locked, _require_open
from .common import (
    VIEWS,
    clean_text,
    locked_participant_session,
    require_group,
    running_step,
    state_of,
    view_of,
)
from .drawings import clean_drawing

KIND = "protest_ideas"
IDEA_MAX = 280
REASON_MAX = 200
ANSWER_MAX = 1000
IDEAS_PER_PERSON = 30
TAGS = {tag.value: tag for tag in Idea.Tag}
VIEW_LABELS = {
    "scenario": gettext_lazy("The scenario and the task"),
    "ideas": gettext_lazy("Everyone’s ideas"),
    "reflection": gettext_lazy("The reflection questions"),
}


def _parts_for(idea):
    parts = [PROJECTOR, CONTROL_STEP]
    if idea.participant.group_id:
        parts.append(group_part(idea.participant.group_id))
    return parts


# -- What participants do ---------------------------------------------------------


def idea_add(*, participant, step_key, text="", drawing=None):
    """Add a participant's idea: words, a drawing (the raw upload) or both
    (the words then caption the drawing)."""
    clean = clean_drawing(drawing) if drawing is not None else None
    with transaction.atomic():
        session, participant = locked_participant_session(participant)
        step = running_step(session, step_key, KIND)
        require_group(participant)
        text = clean_text(text, max_length=IDEA_MAX, multiline=True, what=_("An idea"))
        if not text and clean is None:
            raise SessionError(_("Write an idea or make a drawing first."))
        if participant.ideas.filter(step_key=step.key).count() >= IDEAS_PER_PERSON:
            raise SessionError(
                ngettext(
                    "You have added %(count)d idea, the most one person can add.",
                    "You have added %(count)d ideas, the most one person can add.",
                    IDEAS_PER_PERSON,
                )
                % {"count": IDEAS_PER_PERSON}
            )
        idea = Idea(session=session, step_key=step.key, participant=participant, text=text)
        if clean is not None:
            idea.drawing.save("drawing.png", ContentFile(clean.png), save=False)
            idea.drawing_width, idea.drawing_height = clean.width, clean.height
        try:
            idea.save()
        except Exception:
            if clean is not None:
                idea.drawing.delete(save=False)
            raise
        _bump(session)
        publish_on_commit(session, _parts_for(idea))
        return idea


def _own_unmarked_idea(participant, idea):
    idea = Idea.objects.select_for_update().filter(pk=idea.pk, participant=participant).first()
    if idea is None:
        raise SessionError(_("You can only change your own ideas."))
    if idea.is_marked:
        raise SessionError(
            _("The facilitator has already marked this idea, so it can no longer be changed.")
        )
    idea.participant = participant
    return idea


@transaction.atomic
def idea_edit(*, participant, idea, text):
    session, participant = locked_participant_session(participant)
    idea = _own_unmarked_idea(participant, idea)
    running_step(session, idea.step_key, KIND)
    text = clean_text(text, max_length=IDEA_MAX, multiline=True, what=_("An idea"))
    if not text and not idea.drawing:
        raise SessionError(_("An idea cannot be empty. Delete it instead."))
    idea.text = text
    idea.save(update_fields=["text", "updated_at"])
    _bump(session)
    publish_on_commit(session, _parts_for(idea))
    return idea


@transaction.atomic
def idea_delete(*, participant, idea):
    session, participant = locked_participant_session(participant)
    idea = _own_unmarked_idea(participant, idea)
    running_step(session, idea.step_key, KIND)
    parts = _parts_for(idea)
    drawing = idea.drawing
    idea.delete()
    if drawing:
        transaction.on_commit(lambda: drawing.storage.delete(drawing.name))
    _bump(session)
    publish_on_commit(session, parts)


@transaction.atomic
def reflection_answer_save(*, participant, step_key, question, text):
    """Save (or, when empty, withdraw) a participant's answer to a reflection
    question. A changed answer leaves the projector until the facilitator
    shows it again: nobody can change what the room is reading."""
    session, participant = locked_participant_session(participant)
    step = running_step(session, step_key, KIND)
    questions = step.data.get("reflection_questions", [])
    if not isinstance(question, int) or not 0 <= question < len(questions):
        raise SessionError(_("This step has no such question."))
    text = clean_text(text, max_length=ANSWER_MAX, multiline=True, what=_("An answer"))
    answer = (
        ReflectionAnswer.objects.select_for_update()
        .filter(participant=participant, step_key=step.key, question=question)
        .first()
    )
    was_shown = answer is not None and answer.shown_on_projector
    if not text:
        if answer is not None:
            answer.delete()
        answer = None
    elif answer is None:
        answer = ReflectionAnswer.objects.create(
            session=session,
            step_key=step.key,
            participant=participant,
            question=question,
            text=text,
        )
    elif answer.text != text:
        answer.text = text
        answer.shown_on_projector = False
        answer.save(update_fields=["text", "shown_on_projector", "updated_at"])
    _bump(session)
    publish_on_commit(session, [CONTROL_STEP, PROJECTOR] if was_shown else [CONTROL_STEP])
    return answer


# -- What the facilitator does ----------------------------------------------------


def _locked_idea(idea):
    session = _locked(idea.session)
    _require_open(session)
    idea = Idea.objects.select_for_update().select_related("participant").get(pk=idea.pk)
    return session, idea


def _idea_changed(session, idea, fields):
    idea.save(update_fields=[*fields, "updated_at"])
    _bump(session)
    publish_on_commit(session, _parts_for(idea))
    return idea


@transaction.atomic
def idea_set_tag(*, idea, tag, on):
    """Mark (or unmark) an idea as about freedom of assembly or of expression."""
    if tag not in TAGS:
        raise SessionError(_("There is no such tag."))
    session, idea = _locked_idea(idea)
    setattr(idea, f"about_{tag}", bool(on))
    return _idea_changed(session, idea, [f"about_{tag}"])


@transaction.atomic
def idea_cross_out(*, idea, reason=""):
    session, idea = _locked_idea(idea)
    idea.crossed_out = True
    idea.crossed_out_reason = clean_text(
        reason, max_length=REASON_MAX, multiline=False, what=_("A reason")
    )
    return _idea_changed(session, idea, ["crossed_out", "crossed_out_reason"])


@transaction.atomic
def idea_restore(*, idea):
    """Take the crossing out off an idea."""
    session, idea = _locked_idea(idea)
    idea.crossed_out = False
    idea.crossed_out_reason = ""
    return _idea_changed(session, idea, ["crossed_out", "crossed_out_reason"])


@transaction.atomic
def idea_set_hidden(*, idea, hidden):
    """Hide an idea from the projector (it stays, and the group still sees it)."""
    session, idea = _locked_idea(idea)
    idea.hidden = bool(hidden)
    return _idea_changed(session, idea, ["hidden"])


@transaction.atomic
def reflection_answer_set_shown(*, answer, shown):
    session = _locked(answer.session)
    _require_open(session)
    answer = ReflectionAnswer.objects.select_for_update().get(pk=answer.pk)
    answer.shown_on_projector = bool(shown)
    answer.save(update_fields=["shown_on_projector"])
    _bump(session)
    publish_on_commit(session, [PROJECTOR, CONTROL_STEP])
    return answer


# -- What the screens show ------------------------------------------------------


def _ideas(session, step):
    """The step's ideas by people still in the session, oldest first."""
    return (
        Idea.objects.filter(
            session=session, step_key=step.key, participant__removed_at__isnull=True
        )
        .select_related("participant")
        .order_by("created_at", "id")
    )


def board(session, step, *, include_hidden, all_groups=False):
    """The ideas by group, in group order: [{"group", "ideas"}]; the ideas of
    people in no group come last, with group None."""
    ideas = _ideas(session, step)
    if not include_hidden:
        ideas = ideas.filter(hidden=False)
    by_group = {}
    for idea in ideas:
        by_group.setdefault(idea.participant.group_id, []).append(idea)
    groups = list(session.groups.order_by("number"))
    columns = [
        {"group": group, "ideas": by_group.pop(group.pk, [])}
        for group in groups
        if all_groups or group.pk in by_group
    ]
    leftover = [idea for ideas in by_group.values() for idea in ideas]
    if leftover:
        columns.append({"group": None, "ideas": leftover})
    return columns


def group_ideas(session, step, group):
    """What a group's panel shows: its members' ideas, and whether the
    facilitator crossed any out (the guide's explanation then goes with them)."""
    ideas = list(_ideas(session, step).filter(participant__group=group)) if group else []
    return {"group_ideas": ideas, "group_crossed_out": any(idea.crossed_out for idea in ideas)}


def _answers(session, step, *, shown_only):
    answers = ReflectionAnswer.objects.filter(
        session=session, step_key=step.key, participant__removed_at__isnull=True
    ).select_related("participant")
    if shown_only:
        answers = answers.filter(shown_on_projector=True)
    by_question = {}
    for answer in answers:
        by_question.setdefault(answer.question, []).append(answer)
    return [
        {"number": index + 1, "question": question, "answers": by_question.get(index, [])}
        for index, question in enumerate(step.ts("reflection_questions"))
    ]


def context(session, step, *, screen, group=None):
    if screen == "group":
        return group_ideas(session, step, group)
    view = view_of(state_of(session, step.key), KIND)
    result = {"ideas_view": view}
    if screen == "projector" and view == "ideas":
        columns = board(session, step, include_hidden=False)
        result["board"] = columns
        result["board_count"] = sum(len(column["ideas"]) for column in columns)
        result["any_crossed_out"] = any(i.crossed_out for c in columns for i in c["ideas"])
    elif screen == "projector" and view == "reflection":
        result["reflection"] = _answers(session, step, shown_only=True)
    elif screen == "control":
        result["board"] = board(session, step, include_hidden=True, all_groups=True)
        result["reflection"] = _answers(session, step, shown_only=False)
        result["ideas_views"] = [(view, VIEW_LABELS[view]) for view in VIEWS[KIND]]
    return result


def personal_context(session, step, participant):
    """What one phone shows of its own: its answers to the reflection questions."""
    saved = dict(
        ReflectionAnswer.objects.filter(participant=participant, step_key=step.key).values_list(
            "question", "text"
        )
    )
    return {
        "my_answers": [
            {
                "index": index,
                "number": index + 1,
                "question": question,
                "text": saved.get(index, ""),
            }
            for index, question in enumerate(step.ts("reflection_questions"))
        ]
    }


def summary(session, step):
    """The ideas of the session's protest-ideas steps, counted; after the
    session's data was deleted, the counts kept then."""
    if session.purged_at:
        kept = session.kept_counts
        counts = {
            "ideas": kept.get("ideas", 0),
            "drawings": kept.get("drawings", 0),
            "authors": None,
            "assembly": kept.get("ideas_about_assembly", 0),
            "expression": kept.get("ideas_about_expression", 0),
            "crossed_out": kept.get("ideas_crossed_out", 0),
            "hidden": 0,
            "answers": kept.get("reflection_answers", 0),
        }
    else:
        keys = [item.key for item in session.activity.steps if item.kind == KIND]
        ideas = Idea.objects.filter(
            session=session, step_key__in=keys, participant__removed_at__isnull=True
        )
        counts = ideas.aggregate(
            ideas=Count("id"),
            drawings=Count("id", filter=~Q(drawing="")),
            authors=Count("participant", distinct=True),
            assembly=Count("id", filter=Q(about_assembly=True)),
            expression=Count("id", filter=Q(about_expression=True)),
            crossed_out=Count("id", filter=Q(crossed_out=True)),
            hidden=Count("id", filter=Q(hidden=True)),
        )
        counts["answers"] = ReflectionAnswer.objects.filter(
            session=session, step_key__in=keys, participant__removed_at__isnull=True
        ).count()
    return {
        "template": "activities/steps/protest_ideas/summary.html",
        "step": step,
        "purged": bool(session.purged_at),
        **counts,
    }
