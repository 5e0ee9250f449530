"""The session summary: who took part, the groups, and each step kind's part."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import steps
from .facilitator import _own_session


@login_required
@require_GET
def summary(request, code):
    session = _own_session(request, code)
    people = list(session.participants.order_by("joined_at", "id"))
    present = [person for person in people if not person.is_removed and not person.waiting]
    groups = list(session.groups.order_by("number"))
    for group in groups:
        group.people = [person for person in present if person.group_id == group.pk]
    context = {
        "session": session,
        "content": session.content,
        "activity": session.activity,
        "present": present,
        "removed_count": sum(1 for person in people if person.is_removed),
        # After the content was deleted only the anonymous counts are left.
        "kept": session.kept_counts if session.purged_at else None,
        "groups": [group for group in groups if group.people],
        "parts": steps.kind_summaries(session),
    }
    return render(request, "activities/summary.html", context)
