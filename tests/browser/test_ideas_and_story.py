"""Steps 1 and 2 of the guide, played by a facilitator, a projector and four
phones in two groups: ideas written and drawn, tagged, crossed out and
hidden; the reflection questions; the story and a group note written by two
members at the same time."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import STEP_TITLES, screenshot, step_button

PROTEST = STEP_TITLES[1]  # "Understanding the right to protest"
STORY = STEP_TITLES[2]  # "Maryia Kalesnikava’s story"
EXPLANATION = "might not be accepted by the government"


def add_idea(phone, text):
    phone.get_by_label("Write an idea").fill(text)
    phone.get_by_role("button", name="Add my idea").click()
    expect(phone.locator("#idea-status-protest")).to_have_text("Your idea was added.")
    expect(phone.get_by_label("Write an idea")).to_have_value("")


def draw(phone):
    """Draw two strokes with a finger (pointer events) on the canvas."""
    phone.get_by_text("Draw an idea instead").click()
    canvas = phone.locator(".draw-canvas")
    phone.get_by_role("button", name="Red").click()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    phone.mouse.move(box["x"] + 10, box["y"] + 10)
    phone.mouse.down()
    for step in range(1, 15):
        phone.mouse.move(box["x"] + 10 + step * 15, box["y"] + 10 + (step % 3) * 30)
    phone.mouse.up()
    phone.get_by_role("button", name="Blue").click()
    box = canvas.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + box["height"] - 20)
    phone.mouse.down()
    phone.mouse.move(box["x"] + box["width"] - 20, box["y"] + 20, steps=8)
    phone.mouse.up()


def loaded(page, selector, min_width=1):
    """Wait until the picture `selector` has arrived and decoded."""
    page.wait_for_function(
        "([selector, width]) => { const img = document.querySelector(selector);"
        " return img && img.complete && img.naturalWidth >= width; }",
        arg=[selector, min_width],
    )


def group_ideas(phone):
    return phone.locator("#live-group .idea-list")


def idea_in_control(control, text):
    return control.locator("#live-control-step li.idea-control", has_text=text)


@pytest.mark.browser
def test_steps_1_and_2_with_two_groups(open_room):
    room = open_room(("Ana", "Bo", "Chen", "Dara"), group_size=2)
    control, projector = room.control, room.projector
    ana, bo, chen, dara = (room.phone(name) for name in ("Ana", "Bo", "Chen", "Dara"))
    expect(ana.locator("#live-group ul.members")).to_have_text(re.compile(r"Ana\s*Bo"))
    expect(chen.locator("#live-group ul.members")).to_have_text(re.compile(r"Chen\s*Dara"))

    # -- Step 1: the scenario on every screen, then ideas in words and drawn.
    step_button(control, PROTEST).click()
    room.expect_step(PROTEST)
    expect(projector.locator("#live-projector")).to_contain_text("Imagine you are living")
    expect(ana.locator("#live-stage")).to_contain_text("Draw or write down different ways")
    expect(ana.locator("#live-stage")).to_contain_text("Can you think of more ways")

    add_idea(ana, "A silent march to the court")
    add_idea(bo, "Paint slogans on the ministry")
    add_idea(dara, "<b>Wear</b> the banned colours")
    draw(chen)
    chen.get_by_label("A few words about it (optional)").fill("A banner on the bridge")
    chen.get_by_role("button", name="Add my drawing").click()
    expect(chen.locator("[data-draw-status]")).to_have_text("Your drawing was added.")

    # Each group sees its own ideas, with who wrote them, and only its own.
    for phone in (ana, bo):
        expect(group_ideas(phone)).to_contain_text("A silent march to the court")
        expect(group_ideas(phone)).to_contain_text("Paint slogans on the ministry")
        expect(group_ideas(phone)).not_to_contain_text("banner")
    expect(group_ideas(bo).locator("li", has_text="A silent march")).to_contain_text("Ana")
    expect(group_ideas(ana).locator("li", has_text="A silent march")).to_contain_text("Your idea")
    drawing = group_ideas(dara).locator("img.idea-drawing")
    expect(drawing).to_have_attribute("alt", "A drawing by Chen")
    expect(group_ideas(dara)).to_contain_text("A banner on the bridge")
    expect(group_ideas(dara)).to_contain_text("<b>Wear</b> the banned colours")  # as text
    loaded(dara, "#live-group img.idea-drawing", min_width=900)

    # -- Plenary: every idea on the projector, by group.
    control.get_by_role("button", name="Everyone’s ideas").click()
    board = projector.locator(".idea-board")
    expect(board.locator("li.idea")).to_have_count(4)
    expect(board.locator(".idea-column").first).to_contain_text("Group 1")
    expect(board).to_contain_text("<b>Wear</b> the banned colours")
    expect(board.locator("b")).to_have_count(0)
    loaded(projector, ".idea-board img.idea-drawing")

    # The facilitator tags, crosses out and hides; every screen follows.
    idea_in_control(control, "A silent march").get_by_role(
        "button", name=re.compile(r"^Assembly")
    ).click()
    slogans = idea_in_control(control, "Paint slogans")
    slogans.get_by_role("textbox").fill("Graffiti means prison there")
    slogans.get_by_role("button", name=re.compile(r"^Cross out")).click()
    idea_in_control(control, "banned colours").get_by_role(
        "button", name=re.compile(r"^Hide from the projector")
    ).click()

    marched = board.locator("li", has_text="A silent march")
    expect(marched.locator(".tag-assembly")).to_have_text("Freedom of assembly")
    expect(board.locator("del")).to_have_text("Paint slogans on the ministry")
    expect(board).to_contain_text("Graffiti means prison there")
    expect(projector.locator(".crossing-explanation")).to_contain_text(EXPLANATION)
    expect(board.locator("li.idea")).to_have_count(3)
    expect(board).not_to_contain_text("banned colours")

    expect(group_ideas(bo).locator("del")).to_have_text("Paint slogans on the ministry")
    expect(bo.locator("#live-group .crossing-note")).to_contain_text(EXPLANATION)
    expect(group_ideas(bo)).to_contain_text("Graffiti means prison there")
    expect(group_ideas(ana).locator(".tag-assembly")).to_have_text("Freedom of assembly")
    expect(group_ideas(dara).locator("li", has_text="banned colours")).to_contain_text(
        "Not shown on the projector."
    )
    # A marked idea can no longer be changed by its author.
    expect(group_ideas(bo).get_by_role("link", name=re.compile("Change or delete"))).to_have_count(
        0
    )
    screenshot(bo, "step1-crossed-out-on-the-authors-phone")
    screenshot(projector, "step1-board-on-the-projector")

    # The reflection questions: answered on the phones, chosen for the projector.
    control.get_by_role("button", name="The reflection questions").click()
    expect(projector.locator("#live-projector")).to_contain_text("How would you feel")
    answer = ana.get_by_label(re.compile(r"^1\. How would you feel"))
    answer.fill("Angry, and afraid for my friend")
    expect(ana.locator(".answer-form .save-status").first).to_have_text("Saved.")
    answers = control.locator("#live-control-step .answer-list-control")
    answers.locator("li", has_text="Angry, and afraid").get_by_role(
        "button", name=re.compile("^Show on the projector")
    ).click()
    expect(projector.locator(".answer-list")).to_contain_text("Angry, and afraid for my friend")
    expect(projector.locator(".answer-list")).not_to_contain_text("Ana")

    # -- Step 2: the story; two members write their group's note at once.
    control.locator("#live-control-step").get_by_role("button", name="Next step").click()
    room.expect_step(STORY)
    expect(projector.locator(".portrait-placeholder")).to_have_text("MK")
    expect(projector.locator(".story-text")).to_contain_text("love is stronger than fear")
    expect(ana.locator(".handout")).to_contain_text("Maryia Kalesnikava has a dream")

    ana_note = ana.get_by_label("Add your thoughts to your group’s note")
    bo_note = bo.get_by_label("Add your thoughts to your group’s note")
    ana_words = "She stayed when everyone else fled the country".split()
    bo_words = "Love is stronger than fear, she showed us".split()
    for ana_word, bo_word in zip(ana_words, bo_words, strict=True):
        ana_note.press_sequentially(ana_word + " ")
        bo_note.press_sequentially(bo_word + " ")
    ana_text, bo_text = " ".join(ana_words), " ".join(bo_words)
    for phone in (ana, bo):
        note = phone.locator("#live-group .group-note")
        expect(note).to_contain_text(ana_text)
        expect(note).to_contain_text(bo_text)
    # Nothing typed was lost on the phones either, pushes or not.
    expect(ana_note).to_have_value(ana_text + " ")
    expect(bo_note).to_have_value(bo_text + " ")
    expect(chen.locator("#live-group .group-note")).not_to_contain_text(ana_text)
    ana.reload()
    expect(ana.get_by_label("Add your thoughts to your group’s note")).to_have_value(ana_text)

    # The facilitator puts group 1's thoughts on the projector, and opens a
    # background page to the phones.
    notes = control.locator("#live-control-step")
    expect(notes).to_contain_text(bo_text)
    notes.get_by_role("button", name="Put on the projector (Group 1)").click()
    featured = projector.locator(".featured-note")
    expect(featured).to_contain_text(ana_text)
    expect(featured).to_contain_text(bo_text)
    expect(ana.locator("#live-group .on-projector")).to_have_text("On the projector now")
    notes.get_by_role(
        "button", name="Show to participants (The right to protest in Belarus)"
    ).click()
    expect(chen.locator(".backgrounds")).to_contain_text("The right to protest in Belarus")
    screenshot(ana, "step2-story-on-a-phone")
    screenshot(projector, "step2-group-note-on-the-projector")
