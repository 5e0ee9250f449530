"""What the step kinds share: the facilitator's per-step choices, the rules
for text people type, and the checks every participant's write goes through."""

import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..live.bus import CONTROL_STEP, PROJECTOR, STAGE, publish_on_commit
from ..models import Participant, StepState
from ..services import SessionError, _bump, _locked, _require_open

# Zero-width joiners shape Persian, Indic scripts and emoji; every other
# invisible formatting character (bidi overrides, zero-width spaces) goes.
_KEPT_FORMAT_CHARACTERS = {"\u200c", "\u200d"}


def clean_text(raw, *, max_length, multiline, what):
    """`raw` as it may be stored: NFC, no control or invisible characters,
    trimmed; newlines kept (at most one blank line in a row) when `multiline`.
    Refuses NUL and text longer than `max_length` with a message naming `what`."""
    text = unicodedata.normalize("NFC", raw or "")
    if "\x00" in text:
        raise SessionError(_("This text contains a character that is not allowed."))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\t", " ")
    kept = []
    for char in text:
        if char == "\n":
            kept.append("\n" if multiline else " ")
        elif unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            continue
        elif unicodedata.category(char) == "Cf" and char not in _KEPT_FORMAT_CHARACTERS:
            continue
        else:
            kept.append(char)
    lines = [" ".join(line.split()) for line in "".join(kept).split("\n")]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > max_length:
        raise SessionError(
            ngettext(
                "%(what)s can be at most %(max)d character long.",
                "%(what)s can be at most %(max)d characters long.",
                max_length,
            )
            % {"what": what, "max": max_length}
        )
    return text


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
    still be in the session and in a group."""
    session = _locked(participant.session)
    participant = Participant.objects.select_related("group").get(pk=participant.pk)
    if participant.is_removed:
        raise SessionError(_("You have left this session."))
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
