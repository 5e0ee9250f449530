"""What the step kinds share: the facilitator's per-step choices, the rules
for text people type, the checks every participant's write goes through, and
the deletion of what people wrote when the session's data is purged."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import textrules
from ..live.bus import CONTROL_STEP, PROJECTOR, STAGE, publish_on_commit
from ..models import Participant, StepState
from ..services import SessionError, _bump, _locked, _require_open
from ..textrules import TextRefused


def clean_text(raw, *, max_length, multiline, what):
    """`raw` as it may be stored, by the app's text rules
    (`activities.textrules`: NFC, no control or invisible characters, trimmed;
    newlines kept when `multiline`), or "" when nothing is left. Refused text
    raises SessionError with a message for the person; a text too long says
    which (`what`: "An idea", "A reason"...)."""
    clean = textrules.clean_text if multiline else textrules.clean_line
    try:
        # Spaces before the first word go too, not only blank lines.
        return clean((raw or "").strip(), max_length=max_length, required=False)
    except TextRefused as exc:
        if exc.code == "too_long":
            raise SessionError(
                ngettext(
                    "%(what)s can be at most %(max)d character long.",
                    "%(what)s can be at most %(max)d characters long.",
                    max_length,
                )
                % {"what": what, "max": max_length}
            ) from None
        raise SessionError(str(exc)) from None


def state_of(session, step_key):
    """The facilitator's choices for a step; an unsaved default when none."""
    return StepState.objects.filter(session=session, step_key=step_key).first() or StepState(
        session=session, step_key=step_key
    )


def locked_state(session, step_key):
    state, _created = StepState.objects.select_for_update().get_or_create(
        session=session, step_key=step_key
    )
    return state


def running_step(session, step_key, kind):
    """The step `step_key` of `kind`, if it is the one on every screen now."""
    _require_open(session)
    step = session.activity.step(step_key) if step_key else None
    if step is None or step.kind != kind:
        raise SessionError(_("This activity has no such step."))
    if session.current_step != step.key:
        raise SessionError(_("This step is not running now."))
    return step


def step_of_kind(session, step_key, kind):
    """The step `step_key` of `kind`, running or not (the facilitator may look back)."""
    step = session.activity.step(step_key) if step_key else None
    if step is None or step.kind != kind:
        raise SessionError(_("This activity has no such step."))
    return step


def locked_participant_session(participant):
    """Lock the participant's session; the participant as stored now, who must
    still be in the session (and let in, when the room asks for approval)."""
    session = _locked(participant.session)
    participant = Participant.objects.select_related("group").get(pk=participant.pk)
    if participant.is_removed:
        raise SessionError(_("You have left this session."))
    if participant.waiting:
        raise SessionError(_("Wait until the facilitator lets you in."))
    return session, participant


def require_group(participant):
    if participant.group_id is None:
        raise SessionError(_("You are not in a group yet. Ask the facilitator."))


# What the projector can show in a step of each kind, the first by default.
VIEWS = {
    "protest_ideas": ("scenario", "ideas", "reflection"),
}


def view_of(state, kind):
    views = VIEWS.get(kind, ("",))
    return state.view if state.view in views else views[0]


@transaction.atomic
def step_set_view(*, session, step_key, view):
    """Choose what the projector (and with it the phones) shows in the running step."""
    session = _locked(session)
    _require_open(session)
    step = session.activity.step(step_key) if step_key else None
    if step is None or session.current_step != step.key:
        raise SessionError(_("This step is not running now."))
    if view not in VIEWS.get(step.kind, ()):
        raise SessionError(_("The projector cannot show that."))
    state = locked_state(session, step.key)
    state.view = view
    state.save(update_fields=["view"])
    _bump(session)
    publish_on_commit(session, [PROJECTOR, STAGE, CONTROL_STEP])
    return state


def purge_contributions(session):
    """Retention (activities.retention.PURGE_STEPS): delete what participants
    wrote, drew, answered and tapped in the session's steps, drawings' files
    included; keep anonymous counts."""
    from ..models import GroupNote, Idea, ReflectionAnswer, UdhrTap

    ideas = Idea.objects.filter(session=session)
    notes = GroupNote.objects.filter(session=session)
    taps = UdhrTap.objects.filter(session=session)
    counts = {
        "ideas": ideas.count(),
        "drawings": ideas.exclude(drawing="").count(),
        "ideas_crossed_out": ideas.filter(crossed_out=True).count(),
        "ideas_about_assembly": ideas.filter(about_assembly=True).count(),
        "ideas_about_expression": ideas.filter(about_expression=True).count(),
        "reflection_answers": ReflectionAnswer.objects.filter(session=session).count(),
        "group_notes": notes.count(),
        "note_groups": notes.values("participant__group").distinct().count(),
        "udhr_taps": taps.count(),
        "udhr_people": taps.values("participant").distinct().count(),
    }
    files = [(idea.drawing.storage, idea.drawing.name) for idea in ideas.exclude(drawing="")]
    ideas.delete()
    notes.delete()
    ReflectionAnswer.objects.filter(session=session).delete()
    taps.delete()
    StepState.objects.filter(session=session).delete()

    def delete_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return counts
