"""Letters on phones, and the facilitator's reading, printing and export.

Every participant view finds its participant through the signed cookie only;
every facilitator view finds the session among the signed-in user's own.
Without JavaScript each form posts and redirects back; with htmx the editor
saves as it is typed and answers with its status line only.
"""

import csv
import io
import uuid
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activities import identity
from activities.models import Participant
from activities.views.facilitator import _own_session

from . import services
from .content import action_steps, kinds_offered, offers, social_lines, solidarity_languages
from .export import spreadsheet_safe
from .models import Letter, SafetyChoice, max_chars

KIND_ORDER = [Letter.Kind.AUTHORITY, Letter.Kind.SOLIDARITY]


# -- Participants -------------------------------------------------------------


def _participant(request, code):
    """(session, participant) for this phone, or Http404.

    Found through the signed cookie only, never by looking the code up: a
    phone that is not in the room cannot tell a right code from a wrong one.
    """
    pid = identity.participant_id(request)
    participant = (
        Participant.objects.filter(pk=pid, session__room_code=code)
        .select_related("session__case_version", "group")
        .defer("session__case_version__data")
        .first()
        if pid is not None
        else None
    )
    if participant is None or participant.is_removed or participant.waiting:
        raise Http404
    return participant.session, participant


def _status_for(error):
    if isinstance(error, services.NotYours):
        return 403
    if isinstance(error, services.Closed):
        return 409
    return 400


def _action_step(session):
    """The take-action step whose options apply: the current one, else the first."""
    step = session.step
    if step is not None and step.kind == "take_action":
        return step
    found = action_steps(session)
    return found[0] if found else None


def _choice(participant):
    try:
        return participant.safety_choice
    except SafetyChoice.DoesNotExist:
        return None


def _editor(session, participant, kind, current, *, submitted=None, error=""):
    """The context of one letter editor (a saved letter, or a new blank one)."""
    if submitted is not None:
        values = submitted
    elif current is not None:
        values = {
            "client_key": str(current.client_key),
            "text": current.text,
            "language": current.language,
            "signoff_name": current.signoff_name,
            "signoff_town": current.signoff_town,
        }
    else:
        last = participant.letters.exclude(signoff_name="").order_by("-updated_at").first()
        values = {
            "client_key": str(uuid.uuid4()),
            "text": "",
            "language": "",
            "signoff_name": last.signoff_name if last else "",
            "signoff_town": last.signoff_town if last else "",
        }
    saved_revision = current.revision if current else 0
    return {
        "kind": kind,
        "letter": current,
        "values": values,
        "saved_revision": saved_revision,
        "next_revision": saved_revision + 1,
        "max_chars": max_chars(kind),
        "chars": len(values["text"]),
        "words": services.word_count(values["text"]),
        "error": error,
        "read_only": current is not None and current.is_finished and submitted is None,
        # The writer may have typed the salutation themselves.
        "typed_salutation": current is not None
        and _opens_with(current.text.strip(), str(session.content.authority.salutation)),
    }


def panel_context(
    session, participant, *, open_id=None, new_kind="", submitted=None, error="", panel_error=""
):
    step = _action_step(session)
    choice = _choice(participant)
    sections = []
    offered = kinds_offered(session)
    for kind in KIND_ORDER:
        if kind not in offered:
            continue
        letters = list(participant.letters.filter(kind=kind).order_by("created_at", "id"))
        current = None
        if submitted is not None and submitted.get("kind") == kind:
            current = next(
                (item for item in letters if str(item.client_key) == submitted["client_key"]),
                None,
            )
            editor = _editor(session, participant, kind, current, submitted=submitted, error=error)
        else:
            if new_kind != kind:
                by_id = {item.pk: item for item in letters}
                drafts = [item for item in letters if not item.is_finished]
                current = by_id.get(open_id) or (
                    max(drafts, key=lambda item: item.updated_at) if drafts else None
                )
                if current is None and letters:
                    current = letters[-1]
            editor = _editor(session, participant, kind, current)
        sections.append({"kind": kind, "letters": letters, "editor": editor})
    content = session.content
    return {
        "session": session,
        "participant": participant,
        "content": content,
        "step": step,
        "safety_text": step.t("safety_check") if step is not None else None,
        "choice": choice,
        "choices": SafetyChoice.Sign.choices,
        "sections": sections,
        "authority": content.authority,
        "solidarity": content.solidarity,
        "languages": solidarity_languages(content),
        "offers_social": step is not None and offers(step, "social"),
        "panel_error": panel_error,
        "social": social_lines(content),
    }


def _panel_response(request, session, participant, status=200, **kwargs):
    context = panel_context(session, participant, **kwargs)
    template = "letters/panel.html#panel" if request.htmx else "letters/panel.html"
    return render(request, template, context, status=status)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
def panel(request, code):
    """The phone's own part of the take-action step: the safety check, then
    its letters and messages."""
    session, participant = _participant(request, code)
    return _panel_response(
        request,
        session,
        participant,
        open_id=_int(request.GET.get("letter")),
        new_kind=request.GET.get("new", ""),
    )


@require_POST
def choose(request, code):
    session, participant = _participant(request, code)
    try:
        services.safety_choose(participant=participant, choice=request.POST.get("choice", ""))
    except services.SessionError as exc:
        if request.htmx:
            return _panel_response(
                request, session, participant, status=_status_for(exc), panel_error=str(exc)
            )
        messages.error(request, str(exc))
    if request.htmx:
        return _panel_response(request, session, participant)
    return redirect(reverse("letters:panel", args=[code]) + "#action-panel")


def _submitted(post):
    return {
        "kind": post.get("kind", ""),
        "client_key": post.get("client_key", ""),
        "text": post.get("text", ""),
        "language": post.get("language", ""),
        "signoff_name": post.get("signoff_name", ""),
        "signoff_town": post.get("signoff_town", ""),
    }


@require_POST
def save(request, code):
    """Save a draft (as typed, or with the Save button), or save and finish it.

    The hot path of the take-action step: the service finds the participant
    in the room itself (NotInRoom is a 404, as for every participant view),
    and the session is read here only for the answers that need it."""
    pid = identity.participant_id(request)
    if pid is None:
        raise Http404
    post = request.POST
    finishing = post.get("action") == "finish"
    letter = None
    try:
        letter = services.letter_save(
            participant=Participant(pk=pid),
            in_room=code,
            kind=post.get("kind", ""),
            client_key=post.get("client_key", ""),
            revision=post.get("revision", ""),
            text=post.get("text", ""),
            language=post.get("language", ""),
            signoff_name=post.get("signoff_name", ""),
            signoff_town=post.get("signoff_town", ""),
            letter_id=_int(post.get("letter")) if post.get("letter") else None,
        )
        if finishing:
            if letter is None:
                raise services.SessionError(_("Write something first."))
            letter = services.letter_finish(participant=Participant(pk=pid), letter_id=letter.pk)
    except services.NotInRoom:
        raise Http404 from None
    except services.SessionError as exc:
        status = _status_for(exc)
        if request.htmx and not finishing:
            return _status_line(request, letter=None, error=str(exc), status=status)
        session, participant = _participant(request, code)
        return _panel_response(
            request, session, participant, status=status, submitted=_submitted(post), error=str(exc)
        )
    if request.htmx and not finishing:
        return _status_line(request, letter=letter)
    if request.htmx:
        session, participant = _participant(request, code)
        response = _panel_response(request, session, participant, open_id=letter.pk)
        response["X-W4R-Revision"] = str(letter.revision)
        return response
    if finishing:
        messages.success(request, _("Finished. Thank you!"))
    else:
        messages.success(request, _("Saved."))
    target = reverse("letters:panel", args=[code])
    if letter is not None:
        target += f"?letter={letter.pk}"
    return redirect(target + "#action-panel")


def _status_line(request, *, letter, error="", status=200):
    response = render(
        request,
        "letters/panel.html#save-status",
        {"letter": letter, "error": error, "kind": _kind(request.POST.get("kind"))},
        status=status,
    )
    if letter is not None:
        response["X-W4R-Revision"] = str(letter.revision)
    return response


def _kind(value):
    return value if value in Letter.Kind.values else ""


@require_POST
def reopen(request, code, letter_id):
    session, participant = _participant(request, code)
    try:
        services.letter_reopen(participant=participant, letter_id=letter_id)
    except services.SessionError as exc:
        if isinstance(exc, services.NotYours):
            raise Http404 from None
        if request.htmx:
            return _panel_response(
                request, session, participant, status=_status_for(exc), panel_error=str(exc)
            )
        messages.error(request, str(exc))
    if request.htmx:
        return _panel_response(request, session, participant, open_id=letter_id)
    return redirect(reverse("letters:panel", args=[code]) + f"?letter={letter_id}#action-panel")


# -- The facilitator --------------------------------------------------------------


def _back(request, session, default="control"):
    where = request.POST.get("back", default)
    if where == "letters":
        return redirect("letters:letters", session.room_code)
    if where == "print":
        return redirect("letters:print", session.room_code)
    if where == "summary":
        return redirect("session_summary", session.room_code)
    return redirect("control", session.room_code)


def _facilitator_done(request, session, error=None, default="control"):
    if error:
        if request.htmx:
            return HttpResponse(error, status=409, content_type="text/plain; charset=utf-8")
        messages.error(request, error)
    if request.htmx:
        return HttpResponse(status=204)
    return _back(request, session, default)


@login_required
@require_POST
def show_why(request, code):
    session = _own_session(request, code)
    try:
        services.action_show_why(session=session, show=request.POST.get("show") == "1")
    except services.SessionError as exc:
        return _facilitator_done(request, session, str(exc))
    return _facilitator_done(request, session)


@login_required
@require_POST
def mark(request, code):
    session = _own_session(request, code)
    flags = {}
    for name in ("printed", "sent"):
        if name in request.POST:
            flags[name] = request.POST[name] == "1"
    services.letters_mark(session=session, **flags)
    return _facilitator_done(request, session)


def _session_letters(session):
    return (
        Letter.objects.filter(session=session)
        .written()
        .select_related("participant__safety_choice")
        .order_by("kind", "created_at", "id")
    )


@login_required
@require_GET
def letters(request, code):
    """Every written letter and message of the session, to read and to hide."""
    session = _own_session(request, code)
    found = list(_session_letters(session))
    groups = [
        {"kind": kind, "label": label, "letters": [item for item in found if item.kind == kind]}
        for kind, label in Letter.Kind.choices
    ]
    return render(
        request,
        "letters/letters.html",
        {"session": session, "content": session.content, "groups": groups, "total": len(found)},
    )


def _count(request, name):
    try:
        return max(0, int(request.GET.get(name, "")))
    except ValueError:
        return 0


@login_required
@require_GET
def letters_news(request, code):
    """How many texts were written since the letters page was opened (`seen`
    of them then), for the notice the page polls: nothing (204) while that
    number is the one already `shown`, so a screen reader hears it once."""
    session = _own_session(request, code)
    seen, shown = _count(request, "seen"), _count(request, "shown")
    new = max(0, _session_letters(session).count() - seen)
    if new == shown:
        return HttpResponse(status=204)
    return render(
        request, "letters/letters.html#news", {"session": session, "total": seen, "new": new}
    )


@login_required
@require_POST
def hide(request, code, letter_id):
    session = _own_session(request, code)
    try:
        letter = services.letter_set_hidden(
            session=session, letter_id=letter_id, hidden=request.POST.get("hidden") == "1"
        )
    except services.SessionError:
        raise Http404 from None
    if request.htmx:
        letter = Letter.objects.select_related("participant__safety_choice").get(pk=letter.pk)
        return render(
            request, "letters/letters.html#letter", {"session": session, "letter": letter}
        )
    return redirect(reverse("letters:letters", args=[code]) + f"#letter-{letter_id}")


# -- Printing and export ------------------------------------------------------------

PAPERS = {"a4": {"labels_per_sheet": 14}, "letter": {"labels_per_sheet": 10}}
CARDS_PER_SHEET = 4


def _chunks(items, size):
    return [items[index : index + size] for index in range(0, len(items), size)]


def _opens_with(text, salutation):
    """Whether the writer typed the salutation themselves ("Dear Minister, ...")."""
    return text.casefold().startswith(salutation.casefold())


def _letter_date(letter):
    moment = letter.finished_at or letter.updated_at
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


@login_required
@require_GET
def print_letters(request, code):
    """The letters, one to a page with the address and the date; the cards,
    four to a page; and address labels for the envelopes."""
    session = _own_session(request, code)
    paper = request.GET.get("paper", "a4")
    if paper not in PAPERS:
        paper = "a4"
    drafts = request.GET.get("drafts") == "1"
    labels = request.GET.get("labels", "letter")
    if labels not in ("letter", "target", "none"):
        labels = "letter"
    content = session.content
    found = list(
        Letter.objects.filter(session=session)
        .printable(drafts=drafts)
        .select_related("participant__safety_choice")
        .order_by("created_at", "id")
    )
    salutation = str(content.authority.salutation)
    for letter in found:
        letter.date = _letter_date(letter)
        letter.signature = letter.signoff()
        letter.print_text = letter.text.strip()
        letter.salutation = "" if _opens_with(letter.print_text, salutation) else salutation
    authority_letters = [item for item in found if item.kind == Letter.Kind.AUTHORITY]
    cards = [item for item in found if item.kind == Letter.Kind.SOLIDARITY]
    targets = content.data["targets"]
    addresses = []
    if labels == "letter":
        addresses = [targets["authority"]["address"]] * len(authority_letters) + [
            targets["solidarity"]["address"]
        ] * len(cards)
    elif labels == "target":
        addresses = [targets["authority"]["address"], targets["solidarity"]["address"]]
    context = {
        "session": session,
        "content": content,
        "authority": content.authority,
        "solidarity": content.solidarity,
        "letters": authority_letters,
        "card_sheets": _chunks(cards, CARDS_PER_SHEET),
        "card_count": len(cards),
        "label_count": len(addresses),
        "label_sheets": _chunks(addresses, PAPERS[paper]["labels_per_sheet"]),
        "paper": paper,
        "drafts": drafts,
        "labels": labels,
        "draft_count": Letter.objects.filter(session=session, status=Letter.Status.DRAFT)
        .printable(drafts=True)
        .count(),
        "action": services.session_action(session),
    }
    return render(request, "letters/print.html", context)


def _timestamp(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@login_required
@require_GET
def export_csv(request, code):
    session = _own_session(request, code)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Number"),
            _("Kind"),
            _("Status"),
            _("Hidden from print"),
            _("Language"),
            _("Text"),
            _("Signed"),
            _("Town"),
            _("Words"),
            _("Written"),
            _("Last change"),
        ]
    )
    for number, letter in enumerate(_session_letters(session), start=1):
        name, town = letter.signed()
        row = [
            number,
            letter.get_kind_display(),
            letter.get_status_display(),
            _("yes") if letter.hidden_from_print else _("no"),
            letter.language,
            letter.text.strip(),
            name,
            town,
            letter.words,
            _timestamp(letter.created_at),
            _timestamp(letter.updated_at),
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    # A byte-order mark, so spreadsheets read the file as UTF-8.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="letters-{session.room_code}.csv"'
    return response


def letter_as_text(letter, content):
    """A letter as a plain text file: address, date, salutation, text, sign-off."""
    targets = content.data["targets"]
    text = letter.text.strip()
    if letter.kind == Letter.Kind.AUTHORITY:
        head = [*targets["authority"]["address"], "", _letter_date(letter), ""]
        salutation = str(content.authority.salutation)
        if not _opens_with(text, salutation):
            head += [f"{salutation},", ""]
    else:
        head = [*targets["solidarity"]["address"], "", _letter_date(letter), ""]
    lines = [*head, text]
    signature = letter.signoff()
    if signature:
        lines += ["", *signature]
    return "\r\n".join(lines) + "\r\n"


FOLDERS = {Letter.Kind.AUTHORITY: "letters/letter", Letter.Kind.SOLIDARITY: "messages/message"}


@login_required
@require_GET
def export_zip(request, code):
    """One text file per letter and per message (finished, not hidden)."""
    session = _own_session(request, code)
    content = session.content
    drafts = request.GET.get("drafts") == "1"
    found = (
        Letter.objects.filter(session=session)
        .printable(drafts=drafts)
        .select_related("participant__safety_choice")
        .order_by("created_at", "id")
    )
    buffer = io.BytesIO()
    numbers = {Letter.Kind.AUTHORITY: 0, Letter.Kind.SOLIDARITY: 0}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for letter in found:
            numbers[letter.kind] += 1
            folder = (
                "letters/letter" if letter.kind == Letter.Kind.AUTHORITY else "messages/message"
            )
            name = f"{folder}-{numbers[letter.kind]:03d}.txt"
            archive.writestr(name, letter_as_text(letter, content).encode("utf-8"))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="letters-{session.room_code}.zip"'
    return response
