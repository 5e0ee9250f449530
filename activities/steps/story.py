"""Step kind `story` (the guide's step 2): the person's picture, the
introduction and the read-aloud paragraphs on the projector; the story
handout and the discussion questions on the phones, where each group writes
its thoughts together in a shared note (each member's part saved as they
type); the facilitator can put a group's note on the projector, and open the
background pages to the phones.

The pack gives the `introduction`, the `read_aloud` paragraphs, the
`questions` and the `background` pages (keys of `case.background`); the
story itself and the picture are the case's.
"""

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from ..live.bus import CONTROL_STEP, PROJECTOR, STAGE, group_part, publish_on_commit
from ..models import GroupNote
from ..services import SessionError, _bump, _locked
from .common import (
    clean_text,
    locked_participant_session,
    locked_state,
    require_group,
    running_step,
    state_of,
)

KIND = "story"
NOTE_MAX = 2000


@transaction.atomic
def note_save(*, participant, step_key, text):
    """Save a member's part of their group's note (empty withdraws it).

    A member only ever writes their own part, so members typing at the same
    time never overwrite each other."""
    session, participant = locked_participant_session(participant)
    step = running_step(session, step_key, KIND)
    require_group(participant)
    text = clean_text(text, max_length=NOTE_MAX, multiline=True, what=_("Your part of the note"))
    note = (
        GroupNote.objects.select_for_update()
        .filter(participant=participant, step_key=step.key)
        .first()
    )
    if note is not None and note.text == text:
        return note
    if not text:
        if note is None:
            return None
        note.delete()
        note = None
    elif note is None:
        note = GroupNote.objects.create(
            session=session, step_key=step.key, participant=participant, text=text
        )
    else:
        note.text = text
        note.save(update_fields=["text", "updated_at"])
    _bump(session)
    parts = [group_part(participant.group_id), CONTROL_STEP]
    if state_of(session, step.key).featured_group_id == participant.group_id:
        parts.append(PROJECTOR)
    publish_on_commit(session, parts)
    return note


@transaction.atomic
def note_feature(*, session, step_key, group):
    """Put a group's note on the projector, or (group None) take it off."""
    session = _locked(session)
    step = running_step(session, step_key, KIND)
    if group is not None and group.session_id != session.pk:
        raise SessionError(_("That group is not in this session."))
    state = locked_state(session, step.key)
    parts = [PROJECTOR, CONTROL_STEP]
    for group_id in {state.featured_group_id, group.pk if group else None} - {None}:
        parts.append(group_part(group_id))
    state.featured_group = group
    state.save(update_fields=["featured_group"])
    _bump(session)
    publish_on_commit(session, parts)
    return state


@transaction.atomic
def background_set_shown(*, session, step_key, key, shown):
    """Open a background page of the step to the phones, or close it again."""
    session = _locked(session)
    step = running_step(session, step_key, KIND)
    keys = step.data.get("background", [])
    if key not in keys:
        raise SessionError(_("This step has no such background page."))
    state = locked_state(session, step.key)
    opened = set(state.shown_backgrounds) | {key} if shown else set(state.shown_backgrounds) - {key}
    state.shown_backgrounds = [item for item in keys if item in opened]
    state.save(update_fields=["shown_backgrounds"])
    _bump(session)
    publish_on_commit(session, [STAGE, CONTROL_STEP])
    return state


# -- What the screens show ------------------------------------------------------


def group_note(session, step, group):
    """The parts of a group's note, of its members still in the session."""
    return list(
        GroupNote.objects.filter(
            session=session,
            step_key=step.key,
            participant__group=group,
            participant__removed_at__isnull=True,
        ).select_related("participant")
    )


def initials(name):
    """ "Maryia Kalesnikava" → "MK": the placeholder when a pack has no picture."""
    words = [word for word in name.split() if word[:1].isalpha()]
    if not words:
        return ""
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def _backgrounds(session, step, state):
    pages = []
    for key in step.data.get("background", []):
        page = session.content.background(key)
        if page is not None:
            pages.append({"key": key, "page": page, "shown": key in state.shown_backgrounds})
    return pages


def context(session, step, *, screen, group=None):
    state = state_of(session, step.key)
    if screen == "group":
        return {
            "note_parts": group_note(session, step, group) if group else [],
            "note_featured": group is not None and state.featured_group_id == group.pk,
        }
    result = {"picture": session.content.picture}
    if screen == "participant":
        result["open_backgrounds"] = [
            item["page"] for item in _backgrounds(session, step, state) if item["shown"]
        ]
    elif screen == "projector":
        result["initials"] = initials(session.content.case.data["name"])
        featured = state.featured_group
        result["featured_group"] = featured
        result["featured_note"] = group_note(session, step, featured) if featured else []
    elif screen == "control":
        result["backgrounds"] = _backgrounds(session, step, state)
        result["featured_group"] = state.featured_group
        result["group_notes"] = [
            {
                "group": item,
                "parts": group_note(session, step, item),
                "featured": item.pk == state.featured_group_id,
            }
            for item in session.groups.order_by("number")
        ]
    return result


def personal_context(session, step, participant):
    """What one phone shows of its own: its part of the group's note."""
    note = GroupNote.objects.filter(participant=participant, step_key=step.key).first()
    return {"my_note": note.text if note else ""}


def summary(session, step):
    """The groups' notes of the session's story steps, counted (after the
    session's data was deleted, the counts kept then)."""
    if session.purged_at:
        kept = session.kept_counts
        counts = {
            "notes": kept.get("group_notes", 0),
            "writers": kept.get("group_notes", 0),
            "groups": kept.get("note_groups", 0),
        }
    else:
        keys = [item.key for item in session.activity.steps if item.kind == KIND]
        notes = GroupNote.objects.filter(
            session=session, step_key__in=keys, participant__removed_at__isnull=True
        )
        counts = notes.aggregate(
            notes=Count("id"),
            writers=Count("participant", distinct=True),
            groups=Count("participant__group", distinct=True),
        )
    return {
        "template": "activities/steps/story/summary.html",
        "step": step,
        "purged": bool(session.purged_at),
        **counts,
    }
