"""Step 4, take action: from phones to printed, addressed pages.

A facilitator and three phones: each writes a letter and a solidarity message;
one reloads mid-sentence, one loses the network and keeps typing; the control
view counts them as they arrive; the print page prints to PDF one letter per
page with nothing cut; the CSV opens safely in a spreadsheet.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import PUSH_MS, step_button

TAKE_ACTION = "Take action"
SAVED_MS = 15_000  # an edit is saved within this once the phone is online


def count(control, kind, column):
    return control.locator(f'#live-control-step [data-count-kind="{kind}"] [data-{column}]')


def letter_box(phone):
    return phone.get_by_label("Your letter", exact=True)


def message_box(phone):
    return phone.get_by_label("Your message", exact=True)


def saved(phone, kind="authority"):
    """The editor says when it was saved (a time, not "Not saved yet")."""
    return expect(phone.locator(f"#status-{kind} time")).to_be_visible(timeout=SAVED_MS)


def choose(phone, label):
    phone.get_by_label(label, exact=True).check()
    phone.get_by_role("button", name="Continue").click()
    expect(letter_box(phone)).to_be_visible()


def finish(phone, kind):
    section = phone.locator(f"#section-{kind}")
    name = "My letter is finished" if kind == "authority" else "My message is finished"
    section.get_by_role("button", name=name).click()
    expect(section).to_contain_text("Thank you! The facilitator will print it.")


@pytest.mark.browser
def test_letters_go_from_phones_to_printed_pages(open_room, flaky_link):
    wifi = flaky_link()
    room = open_room(("Ana", "Bo"))
    chen = room.add_phone("Chen", via="link", server=wifi)
    ana, bo = room.phone("Ana"), room.phone("Bo")
    control, projector = room.control, room.projector

    step_button(control, TAKE_ACTION).click()
    room.expect_step(TAKE_ACTION)

    # Why letters work, on the big screen and the phones, before writing.
    control.get_by_role("button", name="Show “Why letters work”").click()
    expect(projector.locator("#live-projector .why")).to_contain_text("2,326")
    expect(projector.locator("#live-projector .why")).to_contain_text("Cecillia Chimbiri")
    for phone in room.phones:
        expect(phone.locator("#live-stage .why")).to_contain_text("Rita Karasartova")
    control.get_by_role("button", name="Start writing").click()

    # The safety check: each chooses how to sign.
    choose(ana, "With my name")
    choose(bo, "With my first name only")
    choose(chen, "Without my name")
    expect(chen.locator("#section-authority")).to_contain_text("nothing will be signed")
    expect(control.locator("#live-control-step")).to_contain_text("3 people taking part")

    # Ana writes, is saved, types on and reloads mid-sentence: nothing is lost.
    ana.get_by_label("Your name", exact=True).first.fill("Ana Lima")
    letter_box(ana).press_sequentially("Dear Minister, I am Ana, from Porto, and I", delay=10)
    saved(ana)
    expect(count(control, "authority", "drafts")).to_have_text("1")
    letter_box(ana).press_sequentially(" think protest is a right", delay=5)
    ana.reload()
    expect(letter_box(ana)).to_have_value(
        "Dear Minister, I am Ana, from Porto, and I think protest is a right"
    )
    letter_box(ana).press_sequentially(". Release Maryia Kalesnikava now. ANAEND", delay=5)
    saved(ana)

    # Chen loses the network and keeps typing; the text is saved when it is back.
    letter_box(chen).press_sequentially("Dear Minister, ", delay=10)
    saved(chen)
    chen.context.set_offline(True)
    wifi.cut()
    letter_box(chen).press_sequentially("free her, overturn the conviction. CHENEND", delay=10)
    expect(chen.locator("#status-authority")).to_contain_text("offline")
    wifi.restore()
    chen.context.set_offline(False)
    saved(chen)
    expect(count(control, "authority", "drafts")).to_have_text("2")

    # Bo writes in the projector's sight: the counts follow live.
    bo.get_by_label("Your first name", exact=True).first.fill("Bo")
    letter_box(bo).press_sequentially("Dear Minister, <b>release</b> Maryia. BOEND", delay=5)
    saved(bo)
    expect(count(control, "authority", "drafts")).to_have_text("3")

    # A push of the room's stage (the timer extended) keeps each phone's editor.
    bo.evaluate("document.getElementById('text-authority').w4rSame = true")
    timer = bo.locator("#live-stage .timer").get_attribute("data-timer-seconds")
    control.get_by_role("button", name="+5 min").click()
    expect(bo.locator("#live-stage .timer")).not_to_have_attribute("data-timer-seconds", timer)
    assert bo.evaluate("document.getElementById('text-authority').w4rSame") is True
    expect(letter_box(bo)).to_have_value(re.compile("BOEND$"))

    # Everyone finishes a letter and a message (one that looks like a formula).
    messages = {
        ana: "Maryia, love is stronger than fear. ANACARD",
        bo: "Ты не одна, Марыя. BOCARD",
        chen: '=HYPERLINK("http://evil") stay strong! CHENCARD',
    }
    for phone in room.phones:
        finish(phone, "authority")
    expect(count(control, "authority", "finished")).to_have_text("3")
    expect(count(control, "authority", "drafts")).to_have_text("0")
    expect(projector.locator("#live-projector")).to_contain_text("3 letters written")
    # The facilitator starts reading in another tab; it says when more arrive.
    reading = control.context.new_page()
    reading.goto(f"/sessions/{room.code}/letters/")
    expect(reading.locator(".letter-card")).to_have_count(3)
    expect(reading.locator("#letters-news")).to_be_hidden()
    # Its poll fails quietly while the connection is away: nobody clicked.
    reading.route("**/letters/news*", lambda route: route.abort())
    with reading.expect_event("requestfailed", timeout=PUSH_MS):
        pass
    reading.wait_for_timeout(300)  # htmx's own error event comes just after
    assert reading.locator("#fault").is_hidden()
    reading.unroute("**/letters/news*")
    for phone, text in messages.items():
        message_box(phone).press_sequentially(text, delay=5)
        saved(phone, "solidarity")
    expect(count(control, "solidarity", "drafts")).to_have_text("3")
    news = reading.locator("#letters-news")
    expect(news).to_have_text(
        "3 new texts since this page was opened. Show them", timeout=PUSH_MS + 5_000
    )
    expect(reading.locator(".letter-card")).to_have_count(3)  # nothing moved under the reader
    news.get_by_role("link", name="Show them").click()
    expect(reading.locator(".letter-card")).to_have_count(6)
    reading.close()
    for phone in room.phones:
        finish(phone, "solidarity")
    expect(count(control, "solidarity", "finished")).to_have_text("3")
    expect(projector.locator("#live-projector")).to_contain_text("3 messages written")

    # The facilitator reads them: shown as text.
    control.get_by_role("link", name="Read the letters and messages").click()
    expect(control.locator(".letter-card")).to_have_count(6)
    expect(control.get_by_text("<b>release</b> Maryia", exact=False)).to_be_visible()

    # Print: one letter per page, the cards on one, the labels on one.
    printing = control.context.new_page()
    printing.goto(f"/sessions/{room.code}/print")
    expect(printing.locator(".sheet-letter")).to_have_count(3)
    printing.emulate_media(media="print")
    cut = printing.evaluate(
        """() => Array.from(document.querySelectorAll('.sheet, .print-card, .label'))
             .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
             .length"""
    )
    assert cut == 0
    pdf = PdfReader(io.BytesIO(printing.pdf(prefer_css_page_size=True)))
    pages = [" ".join(page.extract_text().split()) for page in pdf.pages]
    assert len(pages) == 5, pages
    size = pdf.pages[0].mediabox
    assert (round(float(size.width)), round(float(size.height))) == (595, 842)  # A4
    for page, end, signed in zip(
        pages[:3], ("ANAEND", "CHENEND", "BOEND"), ("Ana Lima", None, "Bo"), strict=True
    ):
        assert "vul. Lenina 19" in page and "220030, Minsk" in page and end in page
        if signed:
            assert signed in page
    assert "Dear Minister, Dear Minister" not in pages[0]  # typed, not printed twice
    for card in ("ANACARD", "BOCARD", "CHENCARD"):
        assert card in pages[3], pages[3]
    assert pages[4].count("Penal colony No. 4") == 3
    assert pages[4].count("vul. Lenina 19") == 3

    printing.emulate_media(media="screen")
    printing.get_by_label("Paper").select_option(label="US Letter")
    printing.get_by_role("button", name="Update").click()
    expect(printing).to_have_url(re.compile(r"paper=letter"))
    printing.emulate_media(media="print")
    letter_pdf = PdfReader(io.BytesIO(printing.pdf(prefer_css_page_size=True)))
    assert len(letter_pdf.pages) == 5
    size = letter_pdf.pages[0].mediabox
    assert (round(float(size.width)), round(float(size.height))) == (612, 792)  # US Letter

    # The spreadsheet: every text, none of them a formula.
    control.goto(f"/sessions/{room.code}/")
    with control.expect_download() as download:
        control.get_by_role("link", name="Download a spreadsheet (CSV)").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    texts = [row[5] for row in rows[1:]]
    assert len(texts) == 6
    assert '\'=HYPERLINK("http://evil") stay strong! CHENCARD' in texts
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
