"""Each language at phone size: a pupil whose browser asks for French, Spanish
or Arabic joins and follows an English-speaking facilitator through every
kind of step, and every screen is in the pupil's language.

The expected words are read from the compiled catalogs (Django's gettext
under `translation.override`), never typed here, so a test fails on a
missing or stale translation rather than on a choice of words. Besides the
strings each step asserts, every control on the phone (buttons, labels,
summaries, legends, spoken labels) is checked for English left over: a text
that is an English msgid, or built from one, whose translation differs.

The Arabic run takes three phones through the whole activity and saves a
320x640 screenshot of each screen under var/screenshots/ar/, for a person
to look at: mirrored layout, nothing cut, Latin names and numbers readable
inside right-to-left text.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.test_i18n_catalogs import NAMED, POSITIONAL, read_po

from .conftest import ROOT, click_control, create_session, display_code

SMALL_PHONE = {"width": 320, "height": 640}
STEPS = {  # kind: position in the 2024 activity
    "udhr_intro": 1,
    "protest_ideas": 2,
    "story": 3,
    "matching": 4,
    "take_action": 5,
}
PLACEHOLDER = re.compile(f"{NAMED.pattern}|{POSITIONAL.pattern}")
SCREENSHOTS = ROOT / "var" / "screenshots"
SAVED_MS = 15_000


# -- The catalogs ------------------------------------------------------------------


def tr(language, message, **values):
    """`message` in `language`, from the compiled catalog; it must be there."""
    with translation.override(language):
        text = translation.gettext(message)
    assert text != message or message in _same_in(language), (
        f"no {language} translation of {message!r}"
    )
    return text % values if values else text


def ntr(language, singular, plural, count, **values):
    with translation.override(language):
        text = translation.ngettext(singular, plural, count)
    return text % {"number": count, **values}


@cache
def _entries(language):
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    return [entry for entry in read_po(path.read_text(encoding="utf-8")) if entry.msgid]


@cache
def _same_in(language):
    """The messages whose translation is the English text (e.g. "Article %(number)s")."""
    return {entry.msgid for entry in _entries(language) if entry.msgstr == entry.msgid}


def _pattern(message):
    """A regex for the texts a message prints, its placeholders filled with anything."""
    parts = PLACEHOLDER.sub("\0", message).split("\0")
    return "\\s*.+?\\s*".join(re.escape(" ".join(part.split())) for part in parts)


def _own_letters(message):
    return len(re.sub("\\W", "", PLACEHOLDER.sub("", message)))


@cache
def _english_and_translated(language):
    """Regexes for the English messages that the language translates
    differently, and for the translations themselves."""
    english, translated = [], []
    for entry in _entries(language):
        forms = [entry.msgstr] if entry.msgid_plural is None else entry.msgstr_plural.values()
        # Only messages with enough letters of their own: "%(path)s %(problem)s"
        # would match any text at all.
        translated += [_pattern(text) for text in forms if _own_letters(text) >= 3]
        for source in filter(None, (entry.msgid, entry.msgid_plural)):
            if source not in forms and _own_letters(source) >= 3:
                english.append(_pattern(source))
    return (
        re.compile("|".join(f"(?:{p})" for p in english)),
        re.compile("|".join(f"(?:{p})" for p in translated)),
    )


# The texts of the page a person reads or hears: each element's text (whole,
# and its own text nodes alone), the spoken attributes, the buttons' values.
# Case texts shown in another language than the page's carry their own
# `lang` (the case's language notice says so): they are not the app's words.
PAGE_TEXTS = """() => {
  const page = document.documentElement.lang;
  const seen = [];
  const add = (text) => {
    text = (text || "").replace(/\\s+/g, " ").trim();
    if (text) seen.push(text);
  };
  const own = (el) => Array.from(el.childNodes)
    .filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.data).join(" ");
  for (const el of document.querySelectorAll("header *, main *, footer *")) {
    const language = el.closest("[lang]");
    if (language && language.lang !== page) continue;
    if (el.matches("script, style, textarea, input, select")) continue;
    // Not rendered (a closed <details>, [hidden]); visually hidden text counts.
    if (!el.checkVisibility()) continue;
    add(el.innerText);
    add(own(el));
    ["aria-label", "aria-description", "title", "placeholder", "alt"]
      .forEach((name) => add(el.getAttribute(name)));
  }
  document.querySelectorAll("input[type=submit], input[type=button], input[placeholder]")
    .forEach((el) => { add(el.value); add(el.placeholder); });
  return Array.from(new Set(seen));
}"""


def leftovers(texts, language):
    """The texts that are English where the language has its own words."""
    english, translated = _english_and_translated(language)
    return [text for text in texts if english.fullmatch(text) and not translated.fullmatch(text)]


def english_leftovers(page, language):
    """The texts of `page` left in English (headings, buttons, labels, notes...)."""
    return leftovers(page.evaluate(PAGE_TEXTS), language)


def expect_language(page, language):
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")


def expect_no_english(page, language):
    assert english_leftovers(page, language) == [], page.url


def test_leftover_check_finds_english_among_translations():
    """The check itself (no browser): English chrome is found, in full or
    with its placeholders filled; translations, names and pack text pass."""
    texts = [
        tr("fr", "Join"),
        "Join",
        tr("fr", "Step %(number)s of %(total)s", number=2, total=5),
        "Step 2 of 5",
        "Your group: Group 1",
        "Lou",
        "Maryia Kalesnikava",
    ]
    assert leftovers(texts, "fr") == ["Join", "Step 2 of 5", "Your group: Group 1"]


# -- What a pupil does in their language -----------------------------------------


def join_in(phone, language, code, nickname):
    phone.goto("/join")
    expect_language(phone, language)
    expect(phone.locator("main h1")).to_have_text(tr(language, "Join a session"))
    expect_no_english(phone, language)
    phone.get_by_label(tr(language, "Room code")).fill(display_code(code).lower())
    phone.get_by_role("button", name=tr(language, "Join"), exact=True).click()
    expect(phone).to_have_url(re.compile(rf"/join/{code}$"))
    expect_language(phone, language)
    expect_no_english(phone, language)
    phone.get_by_label(tr(language, "Nickname")).fill(nickname)
    phone.get_by_role("button", name=tr(language, "Join"), exact=True).click()
    expect(phone).to_have_url(re.compile(rf"/r/{code}$"))
    expect(phone.locator(".whoami")).to_contain_text(nickname)
    expect_language(phone, language)


def expect_step_on(phone, language, kind):
    eyebrow = tr(language, "Step %(number)s of %(total)s", number=STEPS[kind], total=len(STEPS))
    expect(phone.locator("#live-stage .step-head .eyebrow")).to_have_text(eyebrow)
    expect(phone.locator(f"#live-stage .step-{kind}")).to_be_visible()


def go_to(control, kind, phones, language):
    """The (English) facilitator moves on to the step of `kind`; every phone follows."""
    click_control(control, "Start" if kind == "udhr_intro" else "Next step")
    for phone in phones:
        expect_step_on(phone, language, kind)


def tap_right(phone, language, article):
    """Step 1: tap a right of the UDHR as one used today."""
    button = phone.locator(f"#live-stage [id^='right-button-'][id$='-{article}']")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


def add_idea(phone, language, text):
    phone.get_by_label(tr(language, "Write an idea")).fill(text)
    phone.get_by_role("button", name=tr(language, "Add my idea")).click()
    expect(phone.locator("#live-stage .idea-form .save-status")).to_have_text(
        tr(language, "Your idea was added.")
    )


def write_note(phone, language, text):
    note = phone.get_by_label(tr(language, "Add your thoughts to your group’s note"))
    note.fill(text)
    expect(phone.locator("#live-group .group-note")).to_contain_text(text)


def pair(phone, language, experience, article):
    card = phone.locator(f"#exp-open-{experience}")
    if not card.evaluate("details => details.open"):
        phone.locator(f"#exp-card-{experience}").click()
    name = re.compile("^" + re.escape(tr(language, "Article %(number)s", number=article)))
    card.get_by_role("button", name=name).click()
    chip = tr(language, "Art. %(number)s", number=article)
    expect(phone.locator(f"#exp-card-{experience} .exp-paired .chip")).to_contain_text([chip])


def write_letter(phone, language, text, *, sign="With my name", name=None):
    panel = phone.locator("#action-panel")
    expect(panel.get_by_text(tr(language, "Before you write: is it safe for you?"))).to_be_visible()
    expect_no_english(phone, language)
    phone.get_by_label(tr(language, sign), exact=True).check()
    phone.get_by_role("button", name=tr(language, "Continue")).click()
    letter = phone.get_by_label(tr(language, "Your letter"), exact=True)
    expect(letter).to_be_visible()
    if name:
        phone.locator("#name-authority").fill(name)
    letter.fill(text)
    expect(phone.locator("#status-authority time")).to_be_visible(timeout=SAVED_MS)
    expect(phone.locator("#status-authority")).to_contain_text(tr(language, "Saved"))
    expect_no_english(phone, language)
    section = phone.locator("#section-authority")
    section.get_by_role("button", name=tr(language, "My letter is finished")).click()
    expect(section).to_contain_text(tr(language, "Thank you! The facilitator will print it."))


def shot(phone, language, name):
    """The phone's whole page at its size, for a person to look at."""
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def expect_direction(page, selector, text, direction):
    """The element `selector` holding `text` is laid out `direction` (ltr, rtl)."""
    expect(page.locator(selector, has_text=text)).to_have_css("direction", direction)


def no_sideways_scroll(phone):
    """Nothing sticks out of a 320 px screen, on either side."""
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= phone.viewport_size["width"], f"{phone.url}: {width}px wide"


# -- The runs -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_a_pupil_takes_part_in_their_language(people, language):
    control = people.facilitator()
    code = create_session(control, title="Class 9B", group_size=4)
    people.projector(control, code)
    phone = people.phone(locale=language, viewport=SMALL_PHONE)
    join_in(phone, language, code, "Lou")

    # The lobby.
    expect(phone.locator("#live-stage h1")).to_have_text(tr(language, "You're in!"))
    group = tr(language, "Group %(number)s", number=1)
    expect(phone.locator("#live-group h2")).to_have_text(
        tr(language, "Your group: %(name)s", name=group)
    )
    expect(phone.locator(".skip-link")).to_have_text(tr(language, "Skip to content"))
    expect_no_english(phone, language)

    # Step 1, the UDHR: tap the rights used today.
    go_to(control, "udhr_intro", [phone], language)
    expect(phone.locator("#live-stage details.more summary")).to_have_text(
        tr(language, "Read more about human rights")
    )
    tap_right(phone, language, 19)
    expect(phone.locator("#live-stage .timer .visually-hidden")).to_have_text(
        tr(language, "Time left:")
    )
    expect_no_english(phone, language)

    # Step 2, ideas.
    go_to(control, "protest_ideas", [phone], language)
    expect(phone.locator("#live-stage .task h2")).to_have_text(tr(language, "Your ideas"))
    add_idea(phone, language, "Une marche silencieuse")
    expect(phone.locator("#live-group .idea-list")).to_contain_text("Une marche silencieuse")
    phone.get_by_text(tr(language, "Draw an idea instead")).click()
    expect(phone.get_by_role("button", name=tr(language, "Add my drawing"))).to_be_visible()
    expect_no_english(phone, language)

    # Step 3, the story and the group's note.
    go_to(control, "story", [phone], language)
    expect(phone.locator("#live-stage .note-editor h2")).to_have_text(
        tr(language, "Your group’s thoughts")
    )
    write_note(phone, language, "Elle est courageuse.")
    expect_no_english(phone, language)

    # Step 4, matching the cards.
    go_to(control, "matching", [phone], language)
    expect(phone.locator("#match-board-heading")).to_have_text(tr(language, "Your group’s cards"))
    pair(phone, language, "arrested", 9)
    expect(phone.locator("#live-group .match-progress")).to_contain_text(
        ntr(language, "%(number)s pair", "%(number)s pairs", 1)
    )
    expect(phone.get_by_role("button", name=tr(language, "Our board is done"))).to_be_visible()
    expect_no_english(phone, language)

    # Step 5, take action: a short letter.
    go_to(control, "take_action", [phone], language)
    write_letter(phone, language, "Libérez Maryia Kalesnikava.", name="Lou")
    expect(
        control.locator("#live-control-step [data-count-kind=authority] [data-finished]")
    ).to_have_text("1")
    expect_no_english(phone, language)
    no_sideways_scroll(phone)

    # The facilitator's own screens stay in the facilitator's language.
    expect(control.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.browser
def test_a_whole_session_in_arabic(people):
    """Three pupils in Arabic, one group, the whole activity; a screenshot of
    every screen at 320x640 (var/screenshots/ar/)."""
    language = "ar"
    control = people.facilitator()
    code = create_session(control, title="الصف التاسع · 9B", group_size=3)
    projector = people.projector(control, code)
    nicknames = ("سارة", "Omar", "ليلى 7")
    phones = []
    for nickname in nicknames:
        phone = people.phone(locale=language, viewport=SMALL_PHONE)
        if not phones:
            phone.goto("/join")
            expect_language(phone, language)
            shot(phone, language, "00-join")
        join_in(phone, language, code, nickname)
        phones.append(phone)
    sara, omar, layla = phones
    for phone in phones:
        expect(phone.locator("#live-group ul.members li")).to_have_count(3)
    expect(control.locator("#live-control-roster .counts")).to_contain_text("3 people joined")
    shot(sara, language, "01-lobby")

    # Step 1: the UDHR, rights tapped.
    go_to(control, "udhr_intro", phones, language)
    tap_right(sara, language, 19)
    tap_right(omar, language, 20)
    sara.locator("#live-stage details.more summary").click()
    # Every right is a button as wide as the list, however short its title.
    widths = sara.locator("#live-stage .right-button").evaluate_all(
        "buttons => buttons.map(button => button.getBoundingClientRect().width)"
    )
    assert len(widths) == 30 and max(widths) - min(widths) < 1, widths
    shot(sara, language, "02-udhr")

    # Step 2: ideas in Arabic and in Latin letters; one crossed out.
    go_to(control, "protest_ideas", phones, language)
    add_idea(sara, language, "مسيرة صامتة أمام المحكمة")
    add_idea(omar, language, "Free Maryia! 2024 #StandWithMaryia")
    add_idea(layla, language, "رسم شعارات على الجدران (graffiti) في 3 شوارع")
    for phone in phones:
        expect(phone.locator("#live-group .idea-list li")).to_have_count(3)
    # What people write reads in its own direction inside the Arabic page.
    expect_direction(sara, "#live-group .idea-text", "Free Maryia", "ltr")
    expect_direction(sara, "#live-group .idea-text", "مسيرة", "rtl")
    shot(sara, language, "03-ideas")
    slogans = control.locator("#live-control-step li.idea-control", has_text="رسم شعارات")
    slogans.get_by_role("button", name=re.compile(r"^Cross out")).click()
    expect(layla.locator("#live-group del")).to_have_count(1)
    layla.get_by_text(tr(language, "Draw an idea instead")).click()
    expect(layla.locator("canvas.draw-canvas")).to_be_visible()
    shot(layla, language, "04-ideas-crossed-out-and-drawing")
    expect_no_english(layla, language)

    # Step 3: the story and the group's note, in two scripts.
    go_to(control, "story", phones, language)
    write_note(sara, language, "ماريا شجاعة جداً.")
    write_note(omar, language, "She tore up her passport — 11 years in prison.")
    expect_direction(sara, "#live-group .note-part p", "passport", "ltr")
    shot(sara, language, "05-story")
    sara.locator("#note").scroll_into_view_if_needed()
    shot(omar, language, "06-story-note")

    # Step 4: matching.
    go_to(control, "matching", phones, language)
    marker = sara.locator("#exp-card-arrested").evaluate(
        "summary => getComputedStyle(summary, '::before').content"
    )
    assert marker == '"◂"'  # a closed card's marker points the way Arabic reads
    pair(sara, language, "arrested", 9)
    pair(omar, language, "no-fair-trial", 10)
    pair(layla, language, "expression", 19)
    expect(sara.locator("#live-group .match-progress")).to_contain_text(
        ntr(language, "%(number)s pair", "%(number)s pairs", 3)
    )
    expect(sara.locator("#exp-open-arrested")).to_have_attribute("open", "")  # still open
    shot(sara, language, "07-matching")
    expect_no_english(sara, language)
    control.get_by_role("button", name=re.compile("^Close the exercise")).click()
    expect(sara.locator("#live-group .match-compare")).to_be_visible()
    shot(sara, language, "08-matching-closed")

    # Step 5: take action, letters written in Arabic.
    go_to(control, "take_action", phones, language)
    write_letter(
        sara,
        language,
        "السيد الوزير، أطلب الإفراج عن ماريا كاليسنيكافا فوراً.",
        name="سارة",
    )
    write_letter(omar, language, "Dear Minister, free Maryia Kalesnikava.", name="Omar")
    layla.get_by_label(tr(language, "Without my name"), exact=True).check()
    layla.get_by_role("button", name=tr(language, "Continue")).click()
    letter = layla.get_by_label(tr(language, "Your letter"), exact=True)
    letter.fill("أطلقوا سراح ماريا.")
    expect(layla.locator("#status-authority time")).to_be_visible(timeout=SAVED_MS)
    shot(layla, language, "09-letter-editor")
    shot(sara, language, "10-letter-finished")
    expect(projector.locator("#live-projector")).to_contain_text("2 letters written")

    # The letters page without JavaScript's help: its "back" arrow points right.
    omar.goto(f"/r/{code}/action")
    back = omar.get_by_role("link", name=tr(language, "Back to the session"))
    expect(back.locator(".dir-arrow")).to_have_css("transform", "matrix(-1, 0, 0, 1, 0, 0)")
    shot(omar, language, "10-letters-page")
    back.click()
    expect_step_on(omar, language, "take_action")

    # The end.
    control.get_by_role("button", name=re.compile("^End the session")).click()
    for phone in phones:
        expect(phone.locator("#live-stage h1")).to_have_text(tr(language, "The session has ended"))
        no_sideways_scroll(phone)
    shot(sara, language, "11-ended")
    expect_no_english(sara, language)
    assert len(list(Path(SCREENSHOTS / language).glob("*.png"))) >= 12
