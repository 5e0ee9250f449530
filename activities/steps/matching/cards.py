"""The cards of a matching step, read from the case pack.

A rights card names a UDHR article; its wording defaults to the simplified
UDHR title (activities.udhr) when the pack gives none. An experience card is
an episode of the person's story; the pack's suggested matches say which
rights each one violates, with an optional note for the discussion.
"""

import random
from dataclasses import dataclass

from ... import udhr


@dataclass(frozen=True)
class RightCard:
    key: str
    article: int
    title: object  # a LocalizedText from the pack, or the lazy UDHR title


@dataclass(frozen=True)
class ExperienceCard:
    key: str
    number: int  # its place in the pack, from 1: the order of the plenary reveal
    text: object
    suggested: tuple  # RightCards, in the order the pack gives them
    note: object = None

    def suggests(self, right_key):
        return any(right.key == right_key for right in self.suggested)


class Cards:
    """A matching step's rights cards, experience cards and closing question,
    with texts in the active language."""

    def __init__(self, step):
        self.step = step
        self.rights = [
            RightCard(
                key=card.data["key"],
                article=card.data["article"],
                title=card.t("title")
                if "title" in card.data
                else udhr.article(card.data["article"]).title,
            )
            for card in step.rights
        ]
        self.right = {card.key: card for card in self.rights}
        matches = {match.data["experience"]: match for match in step.matches}
        self.experiences = []
        for number, card in enumerate(step.experiences, start=1):
            match = matches.get(card.data["key"])
            self.experiences.append(
                ExperienceCard(
                    key=card.data["key"],
                    number=number,
                    text=card.t("text"),
                    suggested=tuple(
                        self.right[key] for key in (match.data["rights"] if match else [])
                    ),
                    note=match.t("note") if match and "note" in match.data else None,
                )
            )
        self.experience = {card.key: card for card in self.experiences}
        self.closing_question = (
            step.t("closing_question") if "closing_question" in step.data else None
        )

    def shuffled_for(self, group):
        """The experience cards in an order of this group's own, the same at
        every render: dealt like a shuffled pile, not in the handout's order."""
        cards = list(self.experiences)
        random.Random(f"{group.pk}:{self.step.key}").shuffle(cards)  # noqa: S311 (not secret)
        return cards
