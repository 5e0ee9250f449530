"""The facilitator's controls over who is in the room (docs/security.md):
the participant cap, "approve each join", the nickname filter, letting
waiting people in, and deleting the session's data."""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from .. import retention, services
from ..forms import MaxParticipantsForm
from .facilitator import _action


def _on(request, name):
    return request.POST.get(name) == "1"


@_action
def approve_joins(request, session):
    services.session_set_approve_joins(session=session, approve_joins=_on(request, "approve"))


@_action
def nickname_filter(request, session):
    services.session_set_nickname_filter(session=session, filter_nicknames=_on(request, "filter"))


@_action
def max_participants(request, session):
    form = MaxParticipantsForm(request.POST)
    if not form.is_valid():
        raise services.SessionError(form.errors.as_text())
    services.session_set_max_participants(
        session=session, max_participants=form.cleaned_data["max_participants"]
    )


@_action
def admit(request, session, participant_id):
    participant = get_object_or_404(session.participants, pk=participant_id)
    services.participant_admit(participant=participant)


@_action
def admit_all(request, session):
    services.participant_admit_all(session=session)


@_action
def delete_data(request, session):
    if not _on(request, "confirm"):
        raise services.SessionError(
            gettext("Tick the box to confirm: this deletes everyone's nicknames and work.")
        )
    retention.session_delete_data(session=session)
    if not request.htmx:
        messages.success(request, gettext("The participants' data has been deleted."))
