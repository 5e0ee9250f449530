"""Step kind `udhr_intro` (optional): the simplified Universal Declaration of
Human Rights, 30 articles in six families, on the phones and the projector,
and the pack's `prompt` ("Which of these rights have you used today?"):
participants tap the rights they used and the projector counts the room's taps.
"""

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from .. import udhr
from ..live.bus import CONTROL_STEP, PROJECTOR, publish_on_commit
from ..models import UdhrTap
from ..services import SessionError, _bump
from .common import locked_participant_session, running_step

KIND = "udhr_intro"


@transaction.atomic
def udhr_tap_set(*, participant, step_key, article, used):
    """Say (or take back) that a participant used a right today."""
    session, participant = locked_participant_session(participant)
    step = running_step(session, step_key, KIND)
    if not step.data.get("prompt"):
        raise SessionError(_("This step asks no question."))
    if article not in udhr.ARTICLES:
        raise SessionError(_("The UDHR has no such article."))
    taps = UdhrTap.objects.filter(participant=participant, step_key=step.key, article=article)
    if used and not taps.exists():
        UdhrTap.objects.create(
            session=session, step_key=step.key, participant=participant, article=article
        )
    elif not used and taps.exists():
        taps.delete()
    else:
        return  # already so: nothing changed
    _bump(session)
    publish_on_commit(session, [PROJECTOR, CONTROL_STEP])


def counts(session, step):
    """{article number: how many people still in the room tapped it}."""
    return dict(
        UdhrTap.objects.filter(
            session=session, step_key=step.key, participant__removed_at__isnull=True
        )
        .values("article")
        .annotate(count=Count("id"))
        .values_list("article", "count")
    )


def families(*, counts=None, mine=frozenset()):
    """The six families with their articles, each with the room's count and
    whether this phone tapped it. `top` is the largest count (for the bars)."""
    counts = counts or {}
    top = max(counts.values(), default=0)
    return [
        {
            "family": family,
            "articles": [
                {
                    "article": udhr.ARTICLES[number],
                    "count": counts.get(number, 0),
                    # The bar's length in tenths of the largest count, for a CSS class.
                    "tenths": round(10 * counts.get(number, 0) / top) if top else 0,
                    "mine": number in mine,
                }
                for number in family.articles
            ],
        }
        for family in udhr.FAMILIES
    ]


def _people(session, step):
    return (
        UdhrTap.objects.filter(
            session=session, step_key=step.key, participant__removed_at__isnull=True
        )
        .values("participant")
        .distinct()
        .count()
    )


def context(session, step, *, screen, group=None):
    if screen == "group":
        return {}
    if screen == "participant":
        return {"udhr_families": families()}
    room = counts(session, step)
    result = {"udhr_families": families(counts=room), "udhr_people": _people(session, step)}
    if screen == "control":
        result["udhr_top"] = sorted(
            (
                {"article": udhr.ARTICLES[number], "count": count}
                for number, count in room.items()
                if count
            ),
            key=lambda item: (-item["count"], item["article"].number),
        )[:10]
    return result


def personal_context(session, step, participant):
    """What one phone shows of its own: the rights it tapped."""
    mine = set(
        UdhrTap.objects.filter(participant=participant, step_key=step.key).values_list(
            "article", flat=True
        )
    )
    return {"udhr_families": families(mine=mine), "udhr_mine_count": len(mine)}


def summary(session, step):
    """How many said which rights they used, and the rights used most (after
    the session's data was deleted, only the counts kept then)."""
    if session.purged_at:
        kept = session.kept_counts
        return {
            "template": "activities/steps/udhr_intro/summary.html",
            "step": step,
            "purged": True,
            "taps": kept.get("udhr_taps", 0),
            "people": kept.get("udhr_people", 0),
            "top": [],
        }
    keys = [item.key for item in session.activity.steps if item.kind == KIND]
    taps = UdhrTap.objects.filter(
        session=session, step_key__in=keys, participant__removed_at__isnull=True
    )
    top = taps.values("article").annotate(count=Count("id")).order_by("-count", "article")[:3]
    return {
        "template": "activities/steps/udhr_intro/summary.html",
        "step": step,
        "purged": False,
        "taps": taps.count(),
        "people": taps.values("participant").distinct().count(),
        "top": [{"article": udhr.ARTICLES[row["article"]], "count": row["count"]} for row in top],
    }
