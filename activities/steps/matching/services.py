"""Every change to a matching exercise goes through one of these functions.

Like the session's own services (activities.services), each runs in one
transaction, locks the session row first (the version bump at the end needs
that row anyway, and it makes "is the exercise still open?" a fact until the
commit), and publishes the screen parts it changed once it has committed.

A pair is a row of its own: two members pairing different cards at the same
moment add two rows, and a repeated tap finds the row already there.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...live.bus import CONTROL_STEP, GROUPS, PROJECTOR, STAGE, group_part, publish_on_commit
from ...models import (
    ClosingAnswer,
    MatchingBoard,
    MatchingExercise,
    MatchPair,
    Participant,
)
from ...services import SessionError, _bump, _locked
from ...textrules import TextRefused, clean_text
from .cards import Cards

ANSWER_MAX = 500


def _matching_step(session, step_key):
    step = session.activity.step(step_key)
    if step is None or step.kind != "matching":
        raise SessionError(_("This session has no such matching exercise."))
    return step


def _require_running(session):
    if session.is_ended:
        raise SessionError(_("This session has ended."))


def _exercise(session, step_key):
    exercise, _created = MatchingExercise.objects.get_or_create(session=session, step_key=step_key)
    return exercise


def _as_member(participant, step_key, group=None):
    """Lock the session and check that `participant` may act on `group`'s
    board in this step now: (session, participant, step, exercise)."""
    session = _locked(participant.session)
    _require_running(session)
    participant = Participant.objects.get(pk=participant.pk)
    if participant.is_removed:
        raise SessionError(_("You are no longer in this session."))
    if participant.waiting:
        raise SessionError(_("The facilitator has not let you in yet."))
    if group is not None and (group.session_id != session.pk or participant.group_id != group.pk):
        raise SessionError(_("This is not your group’s board. Your screen will update."))
    step = _matching_step(session, step_key)
    if session.current_step != step.key:
        raise SessionError(_("This exercise is not on right now."))
    return session, participant, step, _exercise(session, step_key)


def _open_board(participant, group, step_key):
    session, participant, step, exercise = _as_member(participant, step_key, group)
    if exercise.is_closed:
        raise SessionError(
            _("The facilitator has closed the exercise: the boards can no longer change.")
        )
    return session, participant, step, exercise


def _changed_board(session, group):
    _bump(session)
    publish_on_commit(session, [group_part(group.pk), CONTROL_STEP, PROJECTOR])


def _check_cards(step, experience, right):
    cards = Cards(step)
    if experience not in cards.experience or right not in cards.right:
        raise SessionError(_("That card is not in this exercise."))
    return cards.experience[experience], cards.right[right]


def _require_not_done(exercise, group):
    if MatchingBoard.objects.filter(exercise=exercise, group=group, done_at__isnull=False).exists():
        raise SessionError(_("Your group marked the board as done. Reopen it to change it."))


@transaction.atomic
def pair_add(*, participant, group, step_key, experience, right):
    """Pair an experience card with a rights card on the group's board.
    Returns the two cards; pairing them again changes nothing."""
    session, participant, step, exercise = _open_board(participant, group, step_key)
    cards = _check_cards(step, experience, right)
    _require_not_done(exercise, group)
    _pair, created = MatchPair.objects.get_or_create(
        exercise=exercise,
        group=group,
        experience=experience,
        right=right,
        defaults={"made_by": participant},
    )
    if created:
        _changed_board(session, group)
    return cards


@transaction.atomic
def pair_remove(*, participant, group, step_key, experience, right):
    """Undo a pair on the group's board; undoing it twice changes nothing."""
    session, participant, step, exercise = _open_board(participant, group, step_key)
    cards = _check_cards(step, experience, right)
    _require_not_done(exercise, group)
    deleted, _rows = MatchPair.objects.filter(
        exercise=exercise, group=group, experience=experience, right=right
    ).delete()
    if deleted:
        _changed_board(session, group)
    return cards


@transaction.atomic
def board_set_done(*, participant, group, step_key, done):
    """Any member marks the group's board as done, or reopens it, until the
    facilitator closes the exercise."""
    session, participant, step, exercise = _open_board(participant, group, step_key)
    board, _created = MatchingBoard.objects.get_or_create(exercise=exercise, group=group)
    if (board.done_at is not None) == done:
        return board
    board.done_at = timezone.now() if done else None
    board.save(update_fields=["done_at"])
    _changed_board(session, group)
    return board


def _as_facilitator(session, step_key):
    session = _locked(session)
    _require_running(session)
    step = _matching_step(session, step_key)
    return session, step, _exercise(session, step_key)


@transaction.atomic
def exercise_set_closed(*, session, step_key, closed):
    """Close the exercise (every board stops changing, the plenary reveal
    starts at the first card) or open it again."""
    session, step, exercise = _as_facilitator(session, step_key)
    if exercise.is_closed == closed:
        return exercise
    exercise.closed_at = timezone.now() if closed else None
    exercise.reveal_index = 0
    exercise.answers_on_projector = False
    exercise.save(update_fields=["closed_at", "reveal_index", "answers_on_projector"])
    _bump(session)
    publish_on_commit(session, [STAGE, GROUPS, PROJECTOR, CONTROL_STEP])
    return exercise


def _closed_exercise(session, step_key):
    session, step, exercise = _as_facilitator(session, step_key)
    if not exercise.is_closed:
        raise SessionError(_("Close the exercise first."))
    return session, step, exercise


def _on_screens(session, exercise, fields):
    exercise.save(update_fields=fields)
    _bump(session)
    publish_on_commit(session, [PROJECTOR, CONTROL_STEP])
    return exercise


@transaction.atomic
def reveal_show(*, session, step_key, index):
    """Show the experience card at `index` (from 0, in the pack's order) in the
    plenary reveal. The index is the card to show, not a step, so a double
    click on "Next" still lands on the next card."""
    session, step, exercise = _closed_exercise(session, step_key)
    if not 0 <= index < len(Cards(step).experiences):
        raise SessionError(_("There is no such card."))
    exercise.reveal_index = index
    exercise.answers_on_projector = False
    return _on_screens(session, exercise, ["reveal_index", "answers_on_projector"])


@transaction.atomic
def answers_set_on_projector(*, session, step_key, shown):
    """Put the closing question and the answers chosen for it on the
    projector, or go back to the cards."""
    session, step, exercise = _closed_exercise(session, step_key)
    if shown and Cards(step).closing_question is None:
        raise SessionError(_("This exercise has no closing question."))
    exercise.answers_on_projector = shown
    return _on_screens(session, exercise, ["answers_on_projector"])


@transaction.atomic
def answer_set_shown(*, session, answer_id, shown):
    """The facilitator shows one answer on the projector, or hides it."""
    session = _locked(session)
    _require_running(session)
    answer = ClosingAnswer.objects.filter(pk=answer_id, exercise__session=session).first()
    if answer is None:
        raise SessionError(_("There is no such answer."))
    if shown and answer.participant.is_removed:
        raise SessionError(_("That person has been removed."))
    if answer.shown_on_projector != shown:
        answer.shown_on_projector = shown
        answer.save(update_fields=["shown_on_projector"])
        _bump(session)
        publish_on_commit(session, [PROJECTOR, CONTROL_STEP])
    return answer


@transaction.atomic
def answers_set_all_shown(*, session, step_key, shown):
    session, step, exercise = _as_facilitator(session, step_key)
    answers = exercise.answers.exclude(shown_on_projector=shown)
    if shown:
        answers = answers.filter(participant__removed_at__isnull=True)
    changed = answers.update(shown_on_projector=shown)
    if changed:
        _bump(session)
        publish_on_commit(session, [PROJECTOR, CONTROL_STEP])
    return changed


def clean_answer(raw):
    """An answer as text to keep (activities.textrules: several lines, no
    control or invisible characters, not empty, at most ANSWER_MAX)."""
    try:
        return clean_text(raw, max_length=ANSWER_MAX)
    except TextRefused as exc:
        raise SessionError(str(exc)) from None


@transaction.atomic
def answer_save(*, participant, step_key, text):
    """A participant's answer to the closing question, once the exercise is
    closed. Writing again replaces it; a changed answer leaves the projector
    until the facilitator shows it again."""
    text = clean_answer(text)
    session, participant, step, exercise = _as_member(participant, step_key)
    if Cards(step).closing_question is None:
        raise SessionError(_("This exercise has no closing question."))
    if not exercise.is_closed:
        raise SessionError(
            _("The closing question comes once the facilitator closes the exercise.")
        )
    answer = ClosingAnswer.objects.filter(exercise=exercise, participant=participant).first()
    if answer is not None and answer.text == text:
        return answer
    parts = [CONTROL_STEP]
    if answer is None:
        answer = ClosingAnswer.objects.create(exercise=exercise, participant=participant, text=text)
    else:
        if answer.shown_on_projector:
            parts.append(PROJECTOR)
        answer.text = text
        answer.shown_on_projector = False
        answer.save(update_fields=["text", "shown_on_projector", "updated_at"])
    _bump(session)
    publish_on_commit(session, parts)
    return answer
