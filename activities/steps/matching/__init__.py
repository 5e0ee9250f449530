"""Step kind "matching": the guide's matching-rights exercise.

Each group pairs the case's experience cards with rights cards on a board of
its own, on the members' phones; the facilitator closes the exercise and
steps through a plenary reveal on the projector, card by card, with the
groups' choices next to the case's suggested matches; participants answer the
closing question. The cards come from the step's data in the case pack.

This module is what the spine asks a kind for: `context()` for the four
screens and `summary()` for the session summary. The changes are in
`services`, the requests in `views`.
"""

from django.db.models import Count, Q

from ...models import ClosingAnswer, MatchingBoard, MatchingExercise, MatchPair
from .cards import Cards


def exercise_for(session, step):
    """The exercise's row, or an unsaved open one before anyone touched it."""
    exercise = MatchingExercise.objects.filter(session=session, step_key=step.key).first()
    return exercise or MatchingExercise(session=session, step_key=step.key)


def _pairs(exercise, **filters):
    if exercise.pk is None:
        return MatchPair.objects.none()
    return MatchPair.objects.filter(exercise=exercise, **filters)


def board(session, step, group, *, cards=None, exercise=None):
    """One group's board: its experience cards (shuffled for the group while
    the exercise is open, in the pack's order once it is closed, to follow
    the reveal), each with every rights card and whether it is paired."""
    cards = cards or Cards(step)
    exercise = exercise or exercise_for(session, step)
    paired = set(_pairs(exercise, group=group).values_list("experience", "right"))
    done = (
        exercise.pk is not None
        and MatchingBoard.objects.filter(
            exercise=exercise, group=group, done_at__isnull=False
        ).exists()
    )
    order = cards.experiences if exercise.is_closed else cards.shuffled_for(group)
    rows = []
    for card in order:
        rights = [
            {"card": right, "paired": (card.key, right.key) in paired} for right in cards.rights
        ]
        rows.append(
            {
                "card": card,
                "rights": rights,
                "chosen": [
                    {"card": item["card"], "suggested": card.suggests(item["card"].key)}
                    for item in rights
                    if item["paired"]
                ],
            }
        )
    return {
        "group": group,
        "exercise": exercise,
        "cards": cards,
        "rows": rows,
        "done": done,
        "pair_count": len(paired),
        "paired_cards": len({experience for experience, _right in paired}),
        "card_count": len(cards.experiences),
    }


def progress(session, step, exercise, cards=None):
    """Each group's progress: pairs made, experience cards paired, done."""
    counts = {
        row["group"]: row
        for row in _pairs(exercise)
        .values("group")
        .annotate(pairs=Count("id"), cards=Count("experience", distinct=True))
    }
    done = set()
    if exercise.pk is not None:
        done = set(
            MatchingBoard.objects.filter(exercise=exercise, done_at__isnull=False).values_list(
                "group", flat=True
            )
        )
    groups = session.groups.annotate(
        people=Count("members", filter=Q(members__removed_at__isnull=True))
    ).order_by("number")
    rows = [
        {
            "group": group,
            "people": group.people,
            "pairs": counts.get(group.pk, {}).get("pairs", 0),
            "cards": counts.get(group.pk, {}).get("cards", 0),
            "done": group.pk in done,
        }
        for group in groups
    ]
    return {
        "groups": rows,
        "done_count": sum(1 for row in rows if row["done"]),
        "card_count": len((cards or Cards(step)).experiences),
    }


def choices_for(exercise, cards, card, groups_by_pk):
    """For one experience card: the rights the groups chose, most chosen
    first, with how many groups (and which) chose each, beside whether the
    case suggests it; and how many groups paired it with nothing."""
    chosen = {}
    for group_id, right in _pairs(exercise, experience=card.key).values_list("group", "right"):
        chosen.setdefault(right, []).append(groups_by_pk[group_id].number)
    playing = _pairs(exercise).values("group").distinct().count()
    rows = [
        {
            "card": right,
            "count": len(chosen[right.key]),
            "groups": sorted(chosen[right.key]),
            "suggested": card.suggests(right.key),
        }
        for right in cards.rights
        if right.key in chosen
    ]
    rows.sort(key=lambda row: -row["count"])  # stable: ties keep the pack's order
    paired = len({number for row in rows for number in row["groups"]})
    return {"rows": rows, "playing": playing, "unpaired": playing - paired}


def reveal(session, step, exercise, cards=None):
    cards = cards or Cards(step)
    index = min(exercise.reveal_index, len(cards.experiences) - 1)
    card = cards.experiences[index]
    groups = {group.pk: group for group in session.groups.all()}
    choices = choices_for(exercise, cards, card, groups)
    return {
        "card": card,
        "index": index,
        # A long card or many rights chosen: the projector sets it smaller
        # so that it still fits the screen without scrolling.
        "dense": len(choices["rows"]) > 3 or len(str(card.text)) > 250,
        "previous": index - 1 if index > 0 else None,
        "next": index + 1 if index + 1 < len(cards.experiences) else None,
        "card_count": len(cards.experiences),
        "numbers": [(number, number - 1) for number in range(1, len(cards.experiences) + 1)],
        **choices,
    }


def answers(exercise, *, shown_only=False):
    if exercise.pk is None:
        return []
    queryset = ClosingAnswer.objects.filter(exercise=exercise).select_related("participant")
    if shown_only:  # what the projector may show: never a removed participant's words
        queryset = queryset.filter(shown_on_projector=True, participant__removed_at__isnull=True)
    return list(queryset.order_by("created_at", "id"))


def context(session, step, *, screen, group=None):
    cards = Cards(step)
    exercise = exercise_for(session, step)
    if screen == "participant":
        # The room's stage: the same for every phone. A phone's own answer is
        # fetched by that phone (see views.answer), never pushed.
        return {"matching_stage": {"exercise": exercise, "cards": cards}}
    if screen == "group":
        if group is None:
            return {}
        return {"board": board(session, step, group, cards=cards, exercise=exercise)}
    matching = {"exercise": exercise, "cards": cards, "step": step}
    if screen == "control" or not exercise.is_closed:
        matching["progress"] = progress(session, step, exercise, cards)
    if exercise.is_closed:
        matching["reveal"] = reveal(session, step, exercise, cards)
        if screen == "control":
            matching["answers"] = answers(exercise)
        elif exercise.answers_on_projector:
            matching["answers"] = answers(exercise, shown_only=True)
    return {"matching": matching}


def summary(session, step):
    """Each matching step of the session: every group's pairs, card by card,
    beside the suggested matches, and the answers to the closing question.
    (The spine asks once per kind, so this covers all the kind's steps.)"""
    sections = []
    groups = list(session.groups.order_by("number"))
    for each in session.activity.steps:
        if each.kind != "matching":
            continue
        cards = Cards(each)
        exercise = exercise_for(session, each)
        by_group = {}
        for group_id, experience, right in _pairs(exercise).values_list(
            "group", "experience", "right"
        ):
            by_group.setdefault((group_id, experience), set()).add(right)
        playing = [group for group in groups if any(key[0] == group.pk for key in by_group)]
        rows = []
        for card in cards.experiences:
            rows.append(
                {
                    "card": card,
                    "groups": [
                        {
                            "group": group,
                            "chosen": [
                                {"card": right, "suggested": card.suggests(right.key)}
                                for right in cards.rights
                                if right.key in by_group.get((group.pk, card.key), ())
                            ],
                        }
                        for group in playing
                    ],
                }
            )
        sections.append(
            {
                "step": each,
                "cards": cards,
                "rows": rows,
                "groups": playing,
                "closed": exercise.is_closed,
                "answers": [answer.text for answer in answers(exercise)],
            }
        )
    template = "activities/steps/matching/summary.html"
    if session.purged_at is not None:
        kept = session.kept_counts or {}
        if not kept.get("match_pairs") and not kept.get("closing_answers"):
            return None
        return {
            "template": template,
            "purged": True,
            "pair_count": kept.get("match_pairs", 0),
            "answer_count": kept.get("closing_answers", 0),
        }
    if not any(section["groups"] or section["answers"] for section in sections):
        return None
    return {"template": template, "matching_steps": sections}
