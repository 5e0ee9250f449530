"""Step 3, matching rights: three groups of two phones pair the cards, each
member sees the other's pairs as they are made; the facilitator closes the
exercise and steps through the reveal; the projector counts the groups."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, step_button

MATCHING = "Matching rights"


def card(phone, experience):
    """An experience card on a phone's board (a <details>)."""
    return phone.locator(f"#exp-open-{experience}")


def right_button(phone, experience, article):
    """The rights card `article` inside an experience card, found by its label."""
    return card(phone, experience).get_by_role("button", name=re.compile(rf"^Article {article} "))


def open_card(phone, experience):
    if not card(phone, experience).evaluate("details => details.open"):
        phone.locator(f"#exp-card-{experience}").click()
    expect(card(phone, experience)).to_have_attribute("open", "")


def tap_pair(phone, experience, article):
    """Tap the experience card, then the right (no waiting for the push)."""
    open_card(phone, experience)
    right_button(phone, experience, article).click()


def paired_chips(phone, experience):
    return phone.locator(f"#exp-card-{experience} .exp-paired .chip")


def reveal_rows(projector):
    return projector.locator("#live-projector .reveal-chosen .reveal-list > li")


@pytest.mark.browser
def test_three_groups_match_and_the_room_discusses_the_reveal(open_room):
    room = open_room(nicknames=("Ana", "Bo", "Chen", "Dara", "Eli", "Fay"), group_size=2)
    ana, bo, chen, dara, eli, fay = room.phones
    control, projector = room.control, room.projector

    step_button(control, MATCHING).click()
    room.expect_step(MATCHING)
    for phone in room.phones:
        expect(phone.locator("#match-board .exp-card")).to_have_count(9)
    expect(projector.locator(".match-progress-grid li")).to_have_count(3)

    # Each group's pile is shuffled its own way, the same on both phones.
    def order(phone):
        return phone.locator("#match-board details[data-match-card]").evaluate_all(
            "cards => cards.map(card => card.id)"
        )

    assert order(ana) == order(bo) and order(chen) == order(dara)
    assert len({tuple(order(ana)), tuple(order(chen)), tuple(order(eli))}) > 1

    # Bo has a card open when Ana's pair arrives: it stays open.
    open_card(bo, "no-fair-trial")
    # Group 1: both members tap at the same moment, different cards.
    tap_pair(ana, "arrested", 9)
    tap_pair(bo, "no-fair-trial", 10)
    for phone in (ana, bo):
        expect(paired_chips(phone, "arrested")).to_have_text(["Art. 9"])
        expect(paired_chips(phone, "no-fair-trial")).to_have_text(["Art. 10"])
    expect(card(bo, "no-fair-trial")).to_have_attribute("open", "")
    expect(right_button(bo, "no-fair-trial", 10)).to_have_attribute("aria-pressed", "true")
    # The pairing is announced to screen readers on the phone that made it.
    expect(bo.locator("#announcer")).to_have_text("Paired with Article 10: Right to a fair trial.")
    # Ana sees Bo's pair on her board, pressed, when she opens the card.
    open_card(ana, "no-fair-trial")
    expect(right_button(ana, "no-fair-trial", 10)).to_have_attribute("aria-pressed", "true")
    # Another group's board is its own.
    expect(paired_chips(chen, "arrested")).to_have_count(0)

    # Group 2: art. 9 and art. 3 for the arrest, one pair undone.
    tap_pair(chen, "arrested", 9)
    tap_pair(dara, "arrested", 3)
    tap_pair(dara, "arrested", 1)
    expect(paired_chips(chen, "arrested")).to_have_text(["Art. 1", "Art. 9", "Art. 3"])
    open_card(chen, "arrested")
    right_button(chen, "arrested", 1).click()  # pressed: tapping again undoes
    expect(paired_chips(dara, "arrested")).to_have_text(["Art. 9", "Art. 3"])

    # Group 3: art. 9 and art. 3 too, and torture for the trial.
    tap_pair(eli, "arrested", 9)
    tap_pair(eli, "arrested", 3)
    tap_pair(fay, "no-fair-trial", 5)
    expect(paired_chips(fay, "arrested")).to_have_text(["Art. 9", "Art. 3"])
    expect(paired_chips(eli, "no-fair-trial")).to_have_text(["Art. 5"])

    # Group 1 says it is done; both phones show it; the facilitator sees it.
    bo.get_by_role("button", name="Our board is done").click()
    expect(ana.get_by_role("button", name="Reopen our board")).to_be_visible()
    progress = control.locator(".match-progress-table tbody tr")
    expect(progress).to_have_count(3)
    expect(progress.nth(0)).to_contain_text("done")
    expect(progress.nth(0).locator("td").first).to_have_text("2")
    expect(progress.nth(1).locator("td").first).to_have_text("2")
    expect(progress.nth(2).locator("td").first).to_have_text("3")
    expect(projector.locator(".match-progress-grid li.is-done")).to_have_count(1)
    screenshot(ana, "matching-board")

    # The facilitator closes the exercise: the boards stop changing and the
    # phones put each group's answers beside the suggested matches.
    control.get_by_role("button", name="Close the exercise and start the reveal").click()
    for phone in room.phones:
        expect(phone.locator("#match-board .match-compare")).to_be_visible()
        expect(phone.locator("#match-board button[name=pair]")).to_have_count(0)
    arrested = ana.locator("#exp-arrested")
    expect(arrested.locator(".chip-suggested")).to_contain_text("Article 9")
    expect(arrested.locator(".chip-suggested")).to_contain_text("also suggested")

    # The reveal, card by card, in the pack's order.
    reveal = projector.locator("#live-projector .reveal")
    expect(reveal.locator(".reveal-count")).to_have_text("Card 1 of 9")
    expect(reveal.locator(".reveal-card")).to_contain_text("forcibly disappeared")
    expect(reveal_rows(projector)).to_have_count(0)
    expect(reveal.locator(".reveal-unpaired")).to_have_text(
        "3 groups paired this card with no right."
    )

    control.get_by_role("button", name="Next card").click()
    expect(reveal.locator(".reveal-count")).to_have_text("Card 2 of 9")
    expect(reveal.locator(".reveal-card")).to_contain_text("arrested even though")
    rows = reveal_rows(projector)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Article 9")
    expect(rows.nth(0).locator(".reveal-tally strong")).to_have_text("3 groups")
    expect(rows.nth(0).locator(".reveal-groups")).to_have_text("Groups 1, 2, 3")
    expect(rows.nth(1)).to_contain_text("Article 3")
    expect(rows.nth(1).locator(".reveal-tally strong")).to_have_text("2 groups")
    expect(rows.nth(1).locator(".reveal-groups")).to_have_text("Groups 2, 3")
    expect(reveal.locator(".reveal-suggested")).to_contain_text("Article 9")
    expect(reveal.locator(".reveal-unpaired")).to_have_count(0)
    screenshot(projector, "matching-reveal")

    # Straight to the sixth card, then one back.
    control.get_by_role("button", name="Card 6", exact=True).click()
    expect(reveal.locator(".reveal-count")).to_have_text("Card 6 of 9")
    rows = reveal_rows(projector)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Article 10")
    expect(rows.nth(0).locator(".reveal-groups")).to_have_text("Group 1")
    expect(rows.nth(1)).to_contain_text("Article 5")
    expect(rows.nth(1).locator(".reveal-groups")).to_have_text("Group 3")
    expect(reveal.locator(".reveal-unpaired")).to_have_text(
        "1 group paired this card with no right."
    )
    expect(reveal.locator(".reveal-suggested")).to_contain_text("Right to a fair trial")
    control.get_by_role("button", name="Previous card").click()
    expect(reveal.locator(".reveal-count")).to_have_text("Card 5 of 9")

    # The closing question: answered on a phone, on the projector when the
    # facilitator shows it.
    answer = chen.get_by_label("What do you think should happen to Maryia now?")
    answer.fill("She should be freed and see her family.")
    chen.get_by_role("button", name="Send my answer").click()
    expect(chen.get_by_text("Sent.")).to_be_visible()
    expect(control.locator(".closing-answers")).to_contain_text("She should be freed")
    control.get_by_role("button", name="Show the closing question on the projector").click()
    question = projector.locator("#live-projector .closing-question-big")
    expect(question).to_have_text("What do you think should happen to Maryia now?")
    expect(projector.locator(".projector-answers")).to_have_count(0)
    control.get_by_role("button", name="Show Chen’s answer").click()
    expect(projector.locator(".projector-answers li")).to_have_text(
        ["She should be freed and see her family."]
    )
