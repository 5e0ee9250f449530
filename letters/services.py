"""Every change to letters, messages, safety choices and the tally.

Saving a draft is the hot path (a phone saves as its owner types): it locks
only the letter's row, never the session's, and publishes nothing unless the
counts the facilitator and the projector show have changed.
"""

import unicodedata
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.live.bus import CONTROL_STEP, PROJECTOR, STAGE, publish_on_commit
from activities.models import Participant, Session
from activities.services import SessionError, _bump, _locked

from .content import kinds_offered
from .models import SIGNOFF_MAX_CHARS, Letter, SafetyChoice, SessionAction, Tally, max_chars

COUNT_PARTS = [CONTROL_STEP, PROJECTOR]
REVISION_MAX = 2**53  # what a phone's JavaScript counts exactly


class NotYours(SessionError):
    """A participant asked to change a letter that is not theirs."""


class NotInRoom(SessionError):
    """The participant has left the room, is not let in yet, or is in another room."""


class Closed(SessionError):
    """The session has ended: its letters can be read, not changed."""


# -- Cleaning ---------------------------------------------------------------


def clean_text(raw, *, kind):
    """A letter's text as typed: newlines kept, no control characters, within the limit."""
    text = unicodedata.normalize("NFC", raw or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if "\x00" in text:
        raise SessionError(_("The text contains a NUL character. It was not saved."))
    if any(unicodedata.category(char) == "Cc" and char != "\n" for char in text):
        raise SessionError(_("The text contains control characters. It was not saved."))
    limit = max_chars(kind)
    if len(text) > limit:
        raise SessionError(
            ngettext(
                "This is %(length)d characters long; the limit is %(limit)d. "
                "Shorten it by %(over)d character to save it.",
                "This is %(length)d characters long; the limit is %(limit)d. "
                "Shorten it by %(over)d characters to save it.",
                len(text) - limit,
            )
            % {"length": len(text), "limit": limit, "over": len(text) - limit}
        )
    return text


def word_count(text):
    return len(text.split())


def clean_line(raw, *, label):
    """A one-line field (a name, a town): spaces collapsed, nothing invisible."""
    line = unicodedata.normalize("NFC", raw or "")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") for char in line):
        raise SessionError(
            _("%(field)s cannot contain control or invisible characters.") % {"field": label}
        )
    line = " ".join(line.split())
    if len(line) > SIGNOFF_MAX_CHARS:
        raise SessionError(
            ngettext(
                "%(field)s can be at most %(max)d character long.",
                "%(field)s can be at most %(max)d characters long.",
                SIGNOFF_MAX_CHARS,
            )
            % {"field": label, "max": SIGNOFF_MAX_CHARS}
        )
    return line


def parse_client_key(raw):
    try:
        return uuid.UUID(str(raw or ""))
    except ValueError:
        raise SessionError(_("This page is out of date. Reload it and try again.")) from None


def parse_revision(raw):
    try:
        revision = int(str(raw or "").strip())
    except ValueError:
        revision = -1
    if not 0 < revision < REVISION_MAX:
        raise SessionError(_("This page is out of date. Reload it and try again."))
    return revision


# -- Checks -------------------------------------------------------------------


def _fresh_participant(participant, *, in_room=None):
    """The participant as stored now, with their session; refuses the removed
    (and, given a room code, anyone not in that room)."""
    found = (
        Participant.objects.select_related("session__case_version", "safety_choice")
        .defer("session__case_version__data")
        .filter(pk=participant.pk)
    )
    if in_room is not None:
        found = found.filter(session__room_code=in_room)
    participant = found.first()
    if participant is None:
        raise NotInRoom(_("You are not in this session."))
    if participant.is_removed:
        raise NotInRoom(_("You have left this session."))
    if participant.waiting:
        raise NotInRoom(_("Wait until the facilitator lets you in."))
    return participant


def _require_open(session):
    if session.is_ended:
        raise Closed(
            _("The session has ended: nothing more can be written. What you saved is kept.")
        )


def _choice(participant):
    try:
        return participant.safety_choice
    except SafetyChoice.DoesNotExist:
        return None


def _counts_changed(session):
    """The letter counts on the control view and the projector changed."""
    _bump(session)
    tally_refresh(session=session)
    publish_on_commit(session, COUNT_PARTS)


# -- Participants -------------------------------------------------------------


@transaction.atomic
def safety_choose(*, participant, choice):
    """Record how a participant takes part: with their name, first name only,
    anonymously, or not at all."""
    participant = _fresh_participant(participant)
    session = participant.session
    _require_open(session)
    if choice not in SafetyChoice.Sign.values:
        raise SessionError(_("Choose one of the options."))
    current = _choice(participant)
    if current is not None and current.choice == choice:
        return current
    safety, _created = SafetyChoice.objects.update_or_create(
        participant=participant, defaults={"choice": choice}
    )
    if choice in (SafetyChoice.Sign.ANONYMOUS, SafetyChoice.Sign.NOT_TAKING_PART):
        # Anonymous means anonymous: names typed before are not kept.
        participant.letters.exclude(signoff_name="", signoff_town="").update(
            signoff_name="", signoff_town=""
        )
    # Whether their letters count (and print) may have changed.
    _counts_changed(session)
    return safety


def _letter_for_save(participant, *, kind, client_key, letter_id):
    letter = (
        Letter.objects.select_for_update()
        .filter(participant=participant, client_key=client_key)
        .first()
    )
    if letter_id is not None and (letter is None or letter.pk != letter_id):
        raise NotYours(_("This is not your letter."))
    if letter is not None and letter.kind != kind:
        raise SessionError(_("This page is out of date. Reload it and try again."))
    return letter


@transaction.atomic
def letter_save(
    *,
    participant,
    kind,
    client_key,
    revision,
    text,
    language="",
    signoff_name="",
    signoff_town="",
    letter_id=None,
    in_room=None,
):
    """Save a draft as typed. The first save makes the letter; a save with an
    older revision than the one kept changes nothing. Returns the letter, or
    None when a new letter is still empty. Given `in_room`, a participant
    not in that room is refused with NotInRoom: the save view reads nobody
    before (a phone saves every few seconds)."""
    participant = _fresh_participant(participant, in_room=in_room)
    session = participant.session
    _require_open(session)
    if kind not in kinds_offered(session):
        raise SessionError(_("This activity does not ask for this."))
    choice = _choice(participant)
    if choice is None:
        raise SessionError(_("First choose how you want to sign."))
    if not choice.takes_part:
        raise SessionError(_("You chose not to take part. You can change your mind above."))
    client_key = parse_client_key(client_key)
    revision = parse_revision(revision)
    text = clean_text(text, kind=kind)
    language = _clean_language(session, kind, language)
    if choice.signs:
        signoff_name = clean_line(signoff_name, label=_("Your name"))
        signoff_town = clean_line(signoff_town, label=_("Your town"))
    else:
        signoff_name = signoff_town = ""
    fields = {
        "text": text,
        "words": word_count(text),
        "language": language,
        "signoff_name": signoff_name,
        "signoff_town": signoff_town,
        "revision": revision,
    }

    letter = _letter_for_save(participant, kind=kind, client_key=client_key, letter_id=letter_id)
    if letter is None:
        if not fields["words"]:
            return None  # nothing written yet: no letter
        try:
            with transaction.atomic():
                letter = Letter.objects.create(
                    session=session,
                    participant=participant,
                    kind=kind,
                    client_key=client_key,
                    **fields,
                )
        except IntegrityError:
            # The same first save, sent twice at once: the other one made it.
            letter = _letter_for_save(
                participant, kind=kind, client_key=client_key, letter_id=letter_id
            )
        else:
            _counts_changed(session)
            return letter
    if revision <= letter.revision:
        return letter  # an older save arriving late: the newer text stays
    if letter.is_finished:
        raise SessionError(_("This letter is finished. Choose “Edit” to change it."))
    was_written = letter.words > 0
    for name, value in fields.items():
        setattr(letter, name, value)
    letter.save(update_fields=[*fields, "updated_at"])
    if was_written != (letter.words > 0):
        _counts_changed(session)
    return letter


def _clean_language(session, kind, language):
    language = (language or "").strip()
    if kind != Letter.Kind.SOLIDARITY or not language:
        return ""
    if language not in session.case_version.content.data["targets"]["solidarity"]["languages"]:
        raise SessionError(_("Choose one of the languages in the list."))
    return language


def _own_letter(participant, letter_id):
    letter = (
        Letter.objects.select_for_update().filter(pk=letter_id, participant=participant).first()
    )
    if letter is None:
        raise NotYours(_("This is not your letter."))
    return letter


@transaction.atomic
def letter_finish(*, participant, letter_id):
    participant = _fresh_participant(participant)
    session = participant.session
    _require_open(session)
    letter = _own_letter(participant, letter_id)
    if letter.is_finished:
        return letter
    if not letter.words:
        raise SessionError(_("Write something first."))
    letter.status = Letter.Status.FINISHED
    letter.finished_at = timezone.now()
    letter.save(update_fields=["status", "finished_at", "updated_at"])
    _counts_changed(session)
    return letter


@transaction.atomic
def letter_reopen(*, participant, letter_id):
    """Back to a draft, to change a finished letter."""
    participant = _fresh_participant(participant)
    session = participant.session
    _require_open(session)
    letter = _own_letter(participant, letter_id)
    if not letter.is_finished:
        return letter
    letter.status = Letter.Status.DRAFT
    letter.finished_at = None
    letter.save(update_fields=["status", "finished_at", "updated_at"])
    _counts_changed(session)
    return letter


# -- The facilitator ------------------------------------------------------------


def session_action(session):
    action, _created = SessionAction.objects.get_or_create(session=session)
    return action


@transaction.atomic
def letter_set_hidden(*, session, letter_id, hidden):
    """Keep a letter (an inappropriate text) out of print, export and tally."""
    # The letter's row first, then the session's (in _counts_changed): the
    # order a participant's save takes them in, so the two never deadlock.
    letter = Letter.objects.select_for_update().filter(pk=letter_id, session=session).first()
    if letter is None:
        raise SessionError(_("This session has no such letter."))
    if letter.hidden_from_print == hidden:
        return letter
    letter.hidden_from_print = hidden
    letter.save(update_fields=["hidden_from_print"])
    _counts_changed(session)
    return letter


@transaction.atomic
def action_show_why(*, session, show):
    """Show the campaign's story ("why letters work") on every screen, or the writing."""
    session = _locked(session)
    if session.is_ended:
        raise SessionError(_("This session has ended."))
    action = session_action(session)
    if action.show_why == show:
        return action
    action.show_why = show
    action.save(update_fields=["show_why"])
    _bump(session)
    publish_on_commit(session, [STAGE, PROJECTOR, CONTROL_STEP])
    return action


@transaction.atomic
def letters_mark(*, session, printed=None, sent=None):
    """Mark (True) or unmark (False) the session's letters as printed or sent."""
    session = _locked(session)
    action = session_action(session)
    now = timezone.now()
    if printed is not None:
        action.printed_at = now if printed else None
    if sent is not None:
        action.sent_at = now if sent else None
        if sent and action.printed_at is None:
            action.printed_at = now
    action.save(update_fields=["printed_at", "sent_at"])
    _bump(session)
    publish_on_commit(session, [CONTROL_STEP])
    return action


# -- The tally --------------------------------------------------------------------


def counts(session):
    """Letters and messages that count: finished, shown, by people taking part."""
    printable = Letter.objects.filter(session=session).printable()
    return {
        "participants": session.participants.present().count(),
        "letters": printable.filter(kind=Letter.Kind.AUTHORITY).count(),
        "messages": printable.filter(kind=Letter.Kind.SOLIDARITY).count(),
    }


@transaction.atomic
def tally_refresh(*, session):
    """Write the session's counts into its tally row (made on first use).

    Called whenever the counts change and when the session ends. Once the
    session's content has been deleted nothing calls it again, so the counts
    stay as they were.
    """
    session = (
        Session.objects.select_related("case_version__case")
        .defer("case_version__data")
        .get(pk=session.pk)
    )
    case = session.case_version.case
    defaults = {
        **counts(session),
        "case": case,
        "campaign_year": session.content.data["campaign"]["year"],
        "held_on": timezone.localdate(session.created_at),
    }
    tally, _created = Tally.objects.update_or_create(session=session, defaults=defaults)
    return tally
