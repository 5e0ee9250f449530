"""Every change to a live session goes through one of these functions.

Each runs in a transaction, locks the session row (so two clicks cannot
interleave), bumps the session's version and publishes the parts of the
screens that changed once the transaction has committed.
"""

import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import wordfilter
from .live.bus import (
    CONTROL_ROSTER,
    CONTROL_STEP,
    EVERYTHING,
    GROUPS,
    PARTICIPANTS_RECONNECT,
    PROJECTOR,
    STAGE,
    admission_part,
    group_part,
    participant_part,
    publish_on_commit,
)
from .models import Group, Participant, Session
from .roomcode import new_room_code
from .textrules import TextRefused, clean_line

NICKNAME_MAX = 30
TITLE_MAX = 120


class SessionError(Exception):
    """A request the session's rules refuse; the message is for the person."""


def clean_nickname(raw):
    """The nickname as stored (activities.textrules: no control or invisible
    characters, spaces trimmed, at most NICKNAME_MAX characters)."""
    try:
        return clean_line(raw, max_length=NICKNAME_MAX)
    except TextRefused as exc:
        messages = {
            "invisible": _("A nickname cannot contain control or invisible characters."),
            "empty": _("Choose a nickname."),
            "too_long": ngettext(
                "A nickname can be at most %(max)d character long.",
                "A nickname can be at most %(max)d characters long.",
                NICKNAME_MAX,
            )
            % {"max": NICKNAME_MAX},
        }
        raise SessionError(messages[exc.code]) from None


NICKNAME_KEY_MAX = 100  # Participant.nickname_key's length


def nickname_key(nickname):
    return unicodedata.normalize("NFKC", nickname).casefold()


def _locked(session):
    # With its case version, whose content is kept per process: the pack's
    # JSON itself is left unread (CaseVersion.content).
    return (
        Session.objects.select_for_update()
        .select_related("case_version")
        .defer("case_version__data")
        .get(pk=session.pk)
    )


def _bump(session):
    Session.objects.filter(pk=session.pk).update(version=F("version") + 1)
    session.refresh_from_db()
    return session


def offered_language(code):
    """`code` if the app is offered in it (settings.LANGUAGES), else None."""
    offered = {language for language, _name in settings.LANGUAGES}
    return code if code in offered else None


def session_create(
    *,
    facilitator,
    case_version,
    activity_key,
    title="",
    group_size=4,
    origin="",
    projector_language=None,
):
    """A new session; its projector speaks `projector_language` (the
    facilitator's language, as the view passes it), or the site's default."""
    if case_version.content.activity(activity_key) is None:
        raise SessionError(_("This case has no such activity."))
    projector_language = offered_language(projector_language) or settings.LANGUAGE_CODE
    try:
        title = clean_line(title, max_length=TITLE_MAX, required=False)
    except TextRefused as exc:
        raise SessionError(str(exc)) from None
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Session.objects.create(
                    facilitator=facilitator,
                    case_version=case_version,
                    activity_key=activity_key,
                    title=title,
                    group_size=group_size,
                    origin=origin,
                    projector_language=projector_language,
                    room_code=new_room_code(),
                )
        except IntegrityError:
            continue  # the code was taken; draw another
    raise SessionError(_("Could not find a free room code; try again."))


def _place_in_group(session):
    """The group with the fewest people that still has room, or a new group."""
    groups = (
        session.groups.annotate(size=Count("members", filter=Q(members__removed_at__isnull=True)))
        .filter(size__lt=session.group_size)
        .order_by("size", "number")
    )
    group = groups.first()
    if group is None:
        top = session.groups.order_by("-number").values_list("number", flat=True).first() or 0
        group = Group.objects.create(session=session, number=top + 1)
    return group


@transaction.atomic
def participant_join(*, session, nickname):
    session = _locked(session)
    if session.is_ended:
        raise SessionError(_("This session has ended."))
    if session.locked:
        raise SessionError(_("This room is locked. Ask the facilitator to unlock it."))
    nickname = clean_nickname(nickname)
    if session.filter_nicknames and wordfilter.is_blocked(nickname):
        raise SessionError(_("This nickname is not allowed here. Choose another."))
    key = nickname_key(nickname)
    if len(key) > NICKNAME_KEY_MAX:  # a few characters unfold into dozens
        raise SessionError(
            ngettext(
                "A nickname can be at most %(max)d character long.",
                "A nickname can be at most %(max)d characters long.",
                NICKNAME_MAX,
            )
            % {"max": NICKNAME_MAX}
        )
    if session.participants.filter(nickname_key=key).exists():
        raise SessionError(_("Someone in this room already has that nickname. Choose another."))
    # Waiting participants hold a place too, so a flood of joins waiting for
    # approval cannot grow past the cap either.
    if session.participants.counted().count() >= session.max_participants:
        raise SessionError(_("This room is full."))
    if session.approve_joins:
        participant = Participant.objects.create(
            session=session, nickname=nickname, nickname_key=key, waiting=True
        )
        _bump(session)
        publish_on_commit(session, [CONTROL_ROSTER])
        return participant
    group = _place_in_group(session)
    participant = Participant.objects.create(
        session=session, group=group, nickname=nickname, nickname_key=key
    )
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER, PROJECTOR, group_part(group.pk)])
    return participant


def _require_open(session):
    if session.is_ended:
        raise SessionError(_("This session has ended."))


def _start_timer(session, minutes):
    session.timer_ends_at = timezone.now() + timedelta(minutes=minutes)
    session.timer_paused_remaining = None


@transaction.atomic
def session_go_to_step(*, session, step_key):
    """Show a step on every screen; an empty key goes back to the lobby."""
    session = _locked(session)
    _require_open(session)
    if step_key:
        step = session.activity.step(step_key)
        if step is None:
            raise SessionError(_("This activity has no such step."))
        session.status = Session.Status.RUNNING
        _start_timer(session, step.minutes)
    else:
        session.timer_ends_at = session.timer_paused_remaining = None
    session.current_step = step_key
    session.save(
        update_fields=["status", "current_step", "timer_ends_at", "timer_paused_remaining"]
    )
    _bump(session)
    publish_on_commit(session, EVERYTHING)
    return session


def _moved_on(session, from_step):
    """True when the page that asked was showing another step: a replayed or
    double-sent "next" must not skip a step."""
    return from_step is not None and from_step != session.current_step


def session_next_step(*, session, from_step=None):
    if _moved_on(session, from_step):
        return session
    step = session.activity.step_after(session.current_step)
    if step is None:
        raise SessionError(_("This is the last step."))
    return session_go_to_step(session=session, step_key=step.key)


def session_previous_step(*, session, from_step=None):
    if _moved_on(session, from_step):
        return session
    step = session.activity.step_before(session.current_step)
    return session_go_to_step(session=session, step_key=step.key if step else "")


def _timer_changed(session, fields):
    session.save(update_fields=fields)
    _bump(session)
    publish_on_commit(session, [STAGE, PROJECTOR, CONTROL_STEP])
    return session


@transaction.atomic
def timer_extend(*, session, minutes):
    session = _locked(session)
    _require_open(session)
    if not session.current_step:
        raise SessionError(_("The timer starts with the first step."))
    extra = timedelta(minutes=minutes)
    if session.timer_paused_remaining is not None:
        session.timer_paused_remaining += extra
    else:
        base = max(session.timer_ends_at or timezone.now(), timezone.now())
        session.timer_ends_at = base + extra
    return _timer_changed(session, ["timer_ends_at", "timer_paused_remaining"])


@transaction.atomic
def timer_pause(*, session):
    session = _locked(session)
    _require_open(session)
    if session.timer_ends_at is None or session.timer_paused_remaining is not None:
        return session
    session.timer_paused_remaining = session.timer_remaining()
    session.timer_ends_at = None
    return _timer_changed(session, ["timer_ends_at", "timer_paused_remaining"])


@transaction.atomic
def timer_resume(*, session):
    session = _locked(session)
    _require_open(session)
    if session.timer_paused_remaining is None:
        return session
    session.timer_ends_at = timezone.now() + session.timer_paused_remaining
    session.timer_paused_remaining = None
    return _timer_changed(session, ["timer_ends_at", "timer_paused_remaining"])


@transaction.atomic
def session_set_locked(*, session, locked):
    session = _locked(session)
    _require_open(session)
    session.locked = locked
    session.save(update_fields=["locked"])
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER, PROJECTOR])
    return session


@transaction.atomic
def session_set_projector_language(*, session, language):
    """The language of the projector's page and stream, whatever its browser says."""
    if offered_language(language) is None:
        raise SessionError(_("The app is not offered in that language."))
    session = _locked(session)
    if session.projector_language == language:
        return session
    session.projector_language = language
    session.save(update_fields=["projector_language"])
    _bump(session)
    publish_on_commit(session, [PROJECTOR])
    return session


@transaction.atomic
def session_set_group_size(*, session, group_size):
    session = _locked(session)
    _require_open(session)
    if not 2 <= group_size <= 50:
        raise SessionError(_("A group has between 2 and 50 people."))
    session.group_size = group_size
    session.save(update_fields=["group_size"])
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER])
    return session


@transaction.atomic
def session_regroup(*, session):
    """Deal everyone present into balanced groups of the session's group size."""
    session = _locked(session)
    _require_open(session)
    people = list(session.participants.present().order_by("joined_at", "id"))
    count = max(1, -(-len(people) // session.group_size))  # ceiling division
    groups = list(session.groups.order_by("number")[:count])
    for number in range(len(groups) + 1, count + 1):
        groups.append(Group.objects.create(session=session, number=number))
    for index, person in enumerate(people):
        person.group = groups[index % count]
    Participant.objects.bulk_update(people, ["group"])
    session.groups.filter(number__gt=count).delete()
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER, PROJECTOR, GROUPS, PARTICIPANTS_RECONNECT])
    return session


@transaction.atomic
def participant_move(*, participant, group):
    session = _locked(participant.session)
    _require_open(session)
    if group.session_id != session.pk:
        raise SessionError(_("That group is not in this session."))
    participant = Participant.objects.get(pk=participant.pk)
    if participant.is_removed:
        raise SessionError(_("That person has been removed."))
    old_group_id = participant.group_id
    participant.group = group
    participant.save(update_fields=["group"])
    _bump(session)
    parts = [CONTROL_ROSTER, group_part(group.pk), participant_part(participant.pk)]
    if old_group_id:
        parts.append(group_part(old_group_id))
    publish_on_commit(session, parts)
    return participant


@transaction.atomic
def group_add(*, session):
    session = _locked(session)
    _require_open(session)
    top = session.groups.order_by("-number").values_list("number", flat=True).first() or 0
    group = Group.objects.create(session=session, number=top + 1)
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER])
    return group


@transaction.atomic
def participant_remove(*, participant):
    session = _locked(participant.session)
    participant = Participant.objects.get(pk=participant.pk)
    if participant.is_removed:
        return participant
    participant.removed_at = timezone.now()
    participant.save(update_fields=["removed_at"])
    _bump(session)
    parts = [CONTROL_ROSTER, PROJECTOR, participant_part(participant.pk)]
    if participant.waiting:  # refused: the waiting phone hears it
        parts.append(admission_part(participant.pk))
    if participant.group_id:
        parts.append(group_part(participant.group_id))
    publish_on_commit(session, parts)
    return participant


@transaction.atomic
def session_end(*, session):
    session = _locked(session)
    if session.is_ended:
        return session
    session.status = Session.Status.ENDED
    session.ended_at = timezone.now()
    session.timer_ends_at = session.timer_paused_remaining = None
    session.save(update_fields=["status", "ended_at", "timer_ends_at", "timer_paused_remaining"])
    _bump(session)
    # Every session's final counts go into the campaign tally.
    from letters.services import tally_refresh

    tally_refresh(session=session)
    publish_on_commit(session, EVERYTHING)
    return session


# -- Who may join (docs/security.md) -------------------------------------------


@transaction.atomic
def session_set_approve_joins(*, session, approve_joins):
    """Turn "approve each join" on or off. People already waiting keep
    waiting until the facilitator lets them in or refuses them."""
    session = _locked(session)
    _require_open(session)
    session.approve_joins = approve_joins
    session.save(update_fields=["approve_joins"])
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER])
    return session


@transaction.atomic
def session_set_nickname_filter(*, session, filter_nicknames):
    session = _locked(session)
    _require_open(session)
    session.filter_nicknames = filter_nicknames
    session.save(update_fields=["filter_nicknames"])
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER])
    return session


MAX_PARTICIPANTS_LIMIT = 10_000


@transaction.atomic
def session_set_max_participants(*, session, max_participants):
    """The room's cap. Lowering it below the people already in removes
    nobody; it only stops new joins."""
    session = _locked(session)
    _require_open(session)
    if not 1 <= max_participants <= MAX_PARTICIPANTS_LIMIT:
        raise SessionError(
            _("A room holds between 1 and %(max)d people.") % {"max": MAX_PARTICIPANTS_LIMIT}
        )
    session.max_participants = max_participants
    session.save(update_fields=["max_participants"])
    _bump(session)
    publish_on_commit(session, [CONTROL_ROSTER])
    return session


def _admit(session, participant):
    group = _place_in_group(session)
    participant.waiting = False
    participant.group = group
    participant.save(update_fields=["waiting", "group"])
    return group


@transaction.atomic
def participant_admit(*, participant):
    """Let a waiting participant in: they get a group and their phone moves on."""
    session = _locked(participant.session)
    _require_open(session)
    participant = Participant.objects.get(pk=participant.pk)
    if participant.is_removed:
        raise SessionError(_("That person has been removed."))
    if not participant.waiting:
        return participant
    group = _admit(session, participant)
    _bump(session)
    publish_on_commit(
        session,
        [CONTROL_ROSTER, PROJECTOR, group_part(group.pk), admission_part(participant.pk)],
    )
    return participant


@transaction.atomic
def participant_admit_all(*, session):
    """Let everyone waiting in, in the order they asked."""
    session = _locked(session)
    _require_open(session)
    waiting = list(session.participants.waiting_for_approval().order_by("joined_at", "id"))
    parts = {CONTROL_ROSTER, PROJECTOR}
    for participant in waiting:
        group = _admit(session, participant)
        parts.update({group_part(group.pk), admission_part(participant.pk)})
    if waiting:
        _bump(session)
        publish_on_commit(session, sorted(parts))
    return waiting
