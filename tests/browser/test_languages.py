"""Languages in the browser (issue 9): an English facilitator runs a session
whose projector speaks Spanish; one phone chooses Français on the join page,
another is an Arabic phone (its browser asks for Arabic) and gets the whole
app right to left.

Each screen is checked for its html lang/dir, the chooser's state, the
JavaScript catalog of its language, and a few strings as the catalogs in
locale/ translate them (English while a catalog is not translated yet: the
test process reads the same compiled catalogs as the app)."""

import os
import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .conftest import (
    CASE_PACK,
    ROOT,
    STEP_KINDS,
    click_control,
    create_session,
    display_code,
    join,
)

PHONE_320 = {"width": 320, "height": 640}


def t(language, message):
    """`message` as the app shows it in `language`."""
    with translation.override(language):
        return translation.gettext(message)


def pack_has(language):
    """Whether the bundled pack carries a translation into `language`."""
    return (ROOT / CASE_PACK / "translations" / f"{language}.yaml").exists()


def expect_language(page, language, direction="ltr"):
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", direction)


def expect_catalog(page, language):
    """The page loaded its language's JavaScript catalog, under the CSP."""
    source = page.locator("head script").first.get_attribute("src")
    assert re.fullmatch(rf"/jsi18n/{language}\.[0-9a-f]{{12}}\.js", source), source
    # (evaluate, not wait_for_function: a string predicate is an eval the CSP refuses)
    for _attempt in range(100):
        if page.evaluate("() => typeof window.gettext") == "function":
            break
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.django.catalog !== undefined")


def expect_case_language(page, language):
    """The case shown in the reader's language, or said to be in English."""
    notice = page.locator("#live-stage .case-language, #live-projector .case-language")
    if language == "en" or pack_has(language):
        expect(notice).to_have_count(0)
    else:
        expect(notice).to_have_count(1)
        expect(
            page.locator("#live-stage h1[lang=en], #live-projector h1[lang=en]")
        ).to_have_count(1)


def shot(page, name, size=None):
    folder = os.environ.get("W4R_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    try:
        if size:
            page.set_viewport_size(size)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    finally:
        page.set_viewport_size(before)


def csp_violations(page):
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


@pytest.mark.browser
def test_four_screens_in_three_languages(people, server):
    # The facilitator, in English, sets the projector to Spanish.
    control = people.facilitator()
    code = create_session(control, title="Clase 9B", group_size=4)
    expect_language(control, "en")
    projector_select = control.get_by_label("Projector language")
    expect(projector_select).to_have_value("en")
    projector_select.select_option("es")
    with control.expect_response(lambda response: "/projector/language" in response.url):
        control.locator(".projector-language").get_by_role("button").click()
    control.reload()
    expect(control.get_by_label("Projector language")).to_have_value("es")

    projector = people.projector(control, code)
    projector_csp = csp_violations(projector)
    projector.reload()
    expect_language(projector, "es")
    expect_catalog(projector, "es")
    expect(projector.locator(".language-form")).to_have_count(0)
    expect(projector.locator(".projector-lobby h1")).to_have_text(t("es", "Join on your phone"))

    # A phone opens the QR code's link and chooses Français, by keyboard.
    french = people.phone()
    french_csp = csp_violations(french)
    french.goto(f"/join/{code}")
    expect_language(french, "en")
    chooser = french.get_by_label(t("en", "Language"), exact=True)
    expect(chooser.locator("option")).to_have_text(["English", "Français", "Español", "العربية"])
    chooser.focus()
    chooser.select_option("fr")
    french.keyboard.press("Tab")
    french.keyboard.press("Enter")
    expect(french).to_have_url(re.compile(rf"/join/{code}$"))
    expect_language(french, "fr")
    expect(french.get_by_label(t("fr", "Language"), exact=True)).to_have_value("fr")
    expect_catalog(french, "fr")
    french.get_by_label(t("fr", "Nickname")).fill("Ana")
    french.locator("form.stack").get_by_role("button").click()
    expect(french).to_have_url(re.compile(rf"/r/{code}$"))
    expect_language(french, "fr")
    expect(french.locator("#live-stage h1")).to_have_text(t("fr", "You're in!"))

    # An Arabic phone: its browser asks for Arabic, and gets it right to left.
    arabic = people.phone(locale="ar")
    arabic.goto(f"/join/{code}")
    expect_language(arabic, "ar", "rtl")
    expect(arabic.get_by_label(t("ar", "Language"), exact=True)).to_have_value("ar")
    shot(arabic, "languages-join-ar-320", PHONE_320)
    arabic.get_by_label(t("ar", "Nickname")).fill("سارة")
    arabic.locator("form.stack").get_by_role("button").click()
    expect(arabic).to_have_url(re.compile(rf"/r/{code}$"))
    expect_language(arabic, "ar", "rtl")
    expect_catalog(arabic, "ar")
    expect(arabic.locator("#live-stage h1")).to_have_text(t("ar", "You're in!"))
    # Right to left for real: the page's start is on the right.
    width = arabic.evaluate("document.documentElement.clientWidth")
    box = arabic.locator(".brand").bounding_box()
    assert box["x"] + box["width"] > width / 2

    # The projector's lobby counts both, in Spanish; the control view stays English.
    expect(projector.locator(".lobby-code")).to_have_text(display_code(code))
    expect(control.locator("#live-control-roster .counts")).to_contain_text("2 people joined")

    # The first step, everywhere, each in its language.
    click_control(control, "Start")
    for page, language in ((french, "fr"), (arabic, "ar"), (projector, "es")):
        expect(
            page.locator("#live-stage .step h1, #live-projector .projector-step h1")
        ).to_be_visible()
        expect_case_language(page, language)
    expect_language(projector, "es")
    expect_language(arabic, "ar", "rtl")
    shot(arabic, "languages-room-ar-320", PHONE_320)
    shot(projector, "languages-projector-es-1920")

    # The facilitator switches the projector to Arabic: it follows by itself.
    control.get_by_label("Projector language").select_option("ar")
    control.locator(".projector-language").get_by_role("button").click()
    expect_language(projector, "ar", "rtl")
    expect_catalog(projector, "ar")
    expect(projector.locator("#live-projector .projector-step h1")).to_be_visible()
    expect_language(control, "en")

    assert projector_csp == [] and french_csp == []


def set_projector_language(control, language):
    control.get_by_label("Projector language").select_option(language)
    with control.expect_response(lambda response: "/projector/language" in response.url):
        control.locator(".projector-language").get_by_role("button").click()


# Projectors met in classrooms and halls: 1080p, 720p, 16:10 and 4:3.
PROJECTOR_SIZES = ((1920, 1080), (1280, 720), (1280, 800), (1024, 768))


def expect_no_scrolling(projector, where):
    """The page fits the screen at every usual projector size."""
    try:
        for width, height in PROJECTOR_SIZES:
            projector.set_viewport_size({"width": width, "height": height})
            size = projector.evaluate(
                "() => ({height: document.documentElement.scrollHeight,"
                " width: document.documentElement.scrollWidth})"
            )
            assert size == {"height": height, "width": width}, (where, width, height, size)
    finally:
        projector.set_viewport_size({"width": 1920, "height": 1080})


@pytest.mark.browser
def test_the_projector_never_scrolls_in_any_language(people, server):
    """Nobody can scroll a projector: every step fits the screen, at every
    usual projector size and in every language, the UDHR with all thirty
    rights counted, and the take action step with "Why letters work" too."""
    control = people.facilitator()
    code = create_session(control, title="Hall", group_size=4)
    projector = people.projector(control, code)
    phone = join(people.phone(), code, "Ana")
    click_control(control, "Start")
    rights = phone.locator("#live-stage [id^='right-button-']")
    expect(rights).to_have_count(30)
    for index in range(30):
        rights.nth(index).click()
        expect(rights.nth(index)).to_have_attribute("aria-pressed", "true")
    expect(projector.locator(".udhr-used.bar-10")).to_have_count(30)

    screens = [*STEP_KINDS, "why letters work"]
    for screen in screens:
        if screen == "why letters work":
            control.get_by_role("button", name="Show “Why letters work”").click()
            expect(projector.locator("#live-projector .why")).to_be_visible()
        elif screen != STEP_KINDS[0]:
            click_control(control, "Next step")
            expect(projector.locator(f"#live-projector .step-{screen}")).to_be_visible()
        for language in ("es", "fr", "ar", "en"):
            set_projector_language(control, language)
            expect(projector.locator("html")).to_have_attribute("lang", language)
            expect(projector.locator("#live-projector h1")).to_be_visible()
            shot(projector, f"projector-{screen.replace(' ', '-')}-{language}-1920")
            expect_no_scrolling(projector, f"{screen}, {language}")
