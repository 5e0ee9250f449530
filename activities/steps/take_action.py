"""The take-action step: why letters work, the safety check, the letter to the
authority, the solidarity message and the social actions.

The stage (the same for every phone) carries the room-wide parts and an
empty frame that each phone fills with its own letters (letters.views.panel);
nothing personal is ever pushed.
"""

from django.db.models import Count

from letters.content import offers, social_lines
from letters.models import Letter, SafetyChoice, SessionAction


def _action(session):
    return SessionAction.objects.filter(session=session).first() or SessionAction(session=session)


def live_counts(session):
    """Drafts and finished letters and messages, as the facilitator follows them."""
    found = {
        (row["kind"], row["status"], row["hidden_from_print"]): row["n"]
        for row in Letter.objects.filter(session=session)
        .written()
        .values("kind", "status", "hidden_from_print")
        .annotate(n=Count("id"))
    }

    def count(kind, status=None, hidden=False):
        return sum(
            n
            for (k, s, h), n in found.items()
            if k == kind and (status is None or s == status) and h == hidden
        )

    kinds = {}
    for kind in Letter.Kind.values:
        kinds[kind] = {
            "finished": count(kind, Letter.Status.FINISHED),
            "drafts": count(kind, Letter.Status.DRAFT),
            "hidden": count(kind, hidden=True),
        }
    return kinds


def safety_counts(session):
    chosen = dict(
        SafetyChoice.objects.filter(participant__in=session.participants.present())
        .values_list("choice")
        .annotate(n=Count("pk"))
    )
    present = session.participants.present().count()
    return {
        "taking_part": sum(n for choice, n in chosen.items() if choice != "not_taking_part"),
        "not_taking_part": chosen.get("not_taking_part", 0),
        "undecided": max(present - sum(chosen.values()), 0),
    }


def _offers(step):
    return {what: offers(step, what) for what in ("letter", "solidarity", "social")}


def context(session, step, *, screen, group=None):
    action = _action(session)
    content = session.content
    extra = {"action": action, "offers": _offers(step), "campaign": content.campaign}
    if screen == "group":
        return extra
    extra.update(
        {
            "authority": content.authority,
            "solidarity": content.solidarity,
            "hashtags": content.hashtags,
        }
    )
    if screen == "participant":
        extra["social"] = social_lines(content)
    if screen in ("projector", "control"):
        extra["letter_counts"] = live_counts(session)
    if screen == "control":
        extra["safety_counts"] = safety_counts(session)
    return extra


def summary(session, step):
    counts = live_counts(session)
    if session.purged_at:
        # The letters are gone; the counts kept when they were deleted remain.
        kept = session.kept_counts
        counts = {
            "authority": {"finished": kept.get("letters", 0), "drafts": 0, "hidden": 0},
            "solidarity": {"finished": kept.get("messages", 0), "drafts": 0, "hidden": 0},
        }
    return {
        "template": "activities/steps/take_action/summary.html",
        "letter_counts": counts,
        "safety_counts": None if session.purged_at else safety_counts(session),
        "action": _action(session),
        "offers": _offers(step),
        "purged": bool(session.purged_at),
    }
