"""Keeping nothing we need not keep (docs/security.md, "Retention").

Participants' content is deleted W4R_RETENTION_DAYS after a session ends
(`manage.py purge_expired`, run daily by a scheduler or by hand), or at once
when the facilitator asks (`session_delete_data`). The session row stays,
with anonymous counts in `Session.kept_counts`, so the tally and the
facilitator's list of sessions still add up.

What is deleted is decided here, in one explicit list: PURGE_STEPS. Each
step is a callable `step(session) -> dict` that deletes (or anonymises) one
kind of content of the session and returns the anonymous counts to keep,
e.g. {"letters": 12}. A step kind or app that stores participants' content
adds its step to the list, BEFORE `delete_people_and_groups`, which deletes
the participants and groups (and so everything that cascades from them).
A model that points at a participant with PROTECT must have its own step.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .live.bus import EVERYTHING, publish_on_commit
from .models import Session


def delete_people_and_groups(session):
    counts = {
        "participants": session.participants.present().count(),
        "groups": session.groups.count(),
    }
    session.participants.all().delete()
    session.groups.all().delete()
    return counts


def delete_letters(session):
    from letters.retention import purge_letters

    return purge_letters(session)


def delete_matching(session):
    from .steps.matching.retention import purge_matching

    return purge_matching(session)


def delete_step_contributions(session):
    from .steps.common import purge_contributions

    return purge_contributions(session)


# Runs in order; later branches insert their steps before the last one.
PURGE_STEPS = [
    delete_letters,
    delete_matching,
    delete_step_contributions,
    delete_people_and_groups,
]


def purge_session(session):
    """Delete the participants' content of an ended session, keep its counts.
    Idempotent: a session already purged is left as it is."""
    from .services import _bump, _locked

    with transaction.atomic():
        session = _locked(session)
        if session.purged_at is not None:
            return session
        if not session.is_ended:
            raise ValueError("Only an ended session's data is purged.")
        counts = {}
        for step in PURGE_STEPS:
            counts.update(step(session) or {})
        session.kept_counts = counts
        session.purged_at = timezone.now()
        session.save(update_fields=["kept_counts", "purged_at"])
        _bump(session)
        publish_on_commit(session, EVERYTHING)
        return session


def session_delete_data(*, session):
    """The facilitator's "delete everyone's data now": ends the session if
    it is still running, then purges it."""
    from .services import session_end

    with transaction.atomic():
        session = session_end(session=session)
        return purge_session(session)


def expiry_date(session):
    """When an ended session's data will be deleted, or None."""
    if session.ended_at is None or session.purged_at is not None:
        return None
    return session.ended_at + timedelta(days=settings.W4R_RETENTION_DAYS)


def expired_sessions(*, days=None, now=None):
    """Sessions whose participants' content is due for deletion: ended more
    than `days` ago, or never ended and started more than `days` ago (a
    session forgotten open is not kept forever)."""
    days = settings.W4R_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Session.objects.filter(purged_at__isnull=True).filter(
        Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True, created_at__lt=cutoff)
    )


def purge_expired(*, days=None, now=None):
    """Purge every expired session (ending those forgotten open); returns them."""
    from .services import session_end

    purged = []
    for session in expired_sessions(days=days, now=now).order_by("pk"):
        with transaction.atomic():
            session = session_end(session=session)
            purged.append(purge_session(session))
    return purged
