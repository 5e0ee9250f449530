"""The letters' part of deleting a session's content (activities.retention)."""

from .models import Letter, SafetyChoice


def purge_letters(session):
    """Delete the session's letters and safety choices; keep how many counted.

    The tally is written once more first, so its counts are the ones kept.
    """
    from .services import counts, tally_refresh

    tally_refresh(session=session)
    kept = counts(session)
    Letter.objects.filter(session=session).delete()
    SafetyChoice.objects.filter(participant__session=session).delete()
    return {"letters": kept["letters"], "messages": kept["messages"]}
