import csv
import io
import re
import uuid
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from activities import services as session_services
from activities.live.render import control_context, projector_context, stage_context
from activities.models import Participant
from activities.steps import kind_summaries
from letters import services
from letters.export import spreadsheet_safe
from letters.models import Letter
from tests.factories import UserFactory, action_session, join, write, writer

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def session():
    return action_session()


@pytest.fixture
def phone(client, session):
    """A participant's phone, joined as Ana."""
    client.post(reverse("join_room", args=[session.room_code]), {"nickname": "Ana"})
    client.participant = Participant.objects.get(session=session, nickname="Ana")
    return client


@pytest.fixture
def ready(phone):
    """Ana's phone, after the safety choice."""
    services.safety_choose(participant=phone.participant, choice="name")
    return phone


@pytest.fixture
def facilitator(session):
    client = Client()
    client.force_login(session.facilitator)
    return client


def url(name, session, *args):
    return reverse(f"letters:{name}", args=[session.room_code, *args])


def form(kind="authority", text="Dear Minister", revision=1, key=None, **extra):
    return {
        "kind": kind,
        "client_key": str(key or uuid.uuid4()),
        "revision": revision,
        "text": text,
        **extra,
    }


class TestThePanel:
    def test_it_is_only_for_participants_of_the_session(self, client, session):
        assert client.get(url("panel", session)).status_code == 404
        other = action_session()
        client.post(reverse("join_room", args=[other.room_code]), {"nickname": "Zed"})
        assert client.get(url("panel", session)).status_code == 404

    def test_a_removed_participant_is_out(self, phone, session):
        session_services.participant_remove(participant=phone.participant)
        assert phone.get(url("panel", session)).status_code == 404

    def test_the_safety_check_comes_first(self, phone, session):
        html = phone.get(url("panel", session)).content.decode()
        assert "is it safe for you?" in html
        assert "think about whether it is safe for you to do so where you live" in html
        for label in ("With my name", "With my first name only", "Without my name"):
            assert label in html
        assert 'name="text"' not in html

    def test_choosing_opens_the_writing(self, phone, session):
        response = phone.post(url("choose", session), {"choice": "first_name"})
        assert response.status_code == 302
        html = phone.get(response.url).content.decode()
        assert "With my first name only" in html
        assert 'id="text-authority"' in html and 'id="text-solidarity"' in html
        assert "Your first name" in html
        assert "Dear Minister," in html
        assert "vul. Lenina 19" in html
        assert "Tell them what shocks you about Maryia’s story." in html
        assert "Maryia speaks Russian, Belarusian, German and some English." in html
        assert "Belarusian (беларуская)" in html

    def test_choosing_with_htmx_answers_the_panel(self, phone, session):
        response = phone.post(url("choose", session), {"choice": "anonymous"}, headers=HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert "nothing will be signed" in html
        assert 'name="signoff_name"' not in html

    def test_a_bad_choice_is_refused(self, phone, session):
        response = phone.post(url("choose", session), {"choice": "all"}, headers=HTMX)
        assert response.status_code == 400
        assert "Choose one of the options" in response.content.decode()
        response = phone.post(url("choose", session), {"choice": "all"})
        assert response.status_code == 302
        assert "Choose one of the options" in phone.get(response.url).content.decode()

    def test_not_taking_part_shows_no_editor(self, phone, session):
        phone.post(url("choose", session), {"choice": "not_taking_part"})
        html = phone.get(url("panel", session)).content.decode()
        assert "You are not taking part" in html
        assert 'name="text"' not in html

    def test_the_page_without_javascript_has_the_social_texts_too(self, ready, session):
        page = ready.get(url("panel", session)).content.decode()
        assert 'id="social"' in page and "@BelarusMFA #FreeKalesnikava" in page
        partial = ready.get(url("panel", session), headers=HTMX).content.decode()
        assert 'id="social"' not in partial  # the stage has them already

    def test_a_typed_salutation_is_not_shown_twice(self, ready, session):
        write(ready.participant, "Dear Minister, free her.", finish=True)
        html = ready.get(url("panel", session)).content.decode()
        assert html.count("Dear Minister,") == 1

    def test_the_panel_shows_text_as_text(self, ready, session):
        write(ready.participant, "<script>alert(1)</script>", finish=True)
        html = ready.get(url("panel", session)).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


class TestSaving:
    def test_a_plain_save_redirects_to_the_letter(self, ready, session):
        response = ready.post(url("save", session), form(text="Dear Minister"))
        letter = Letter.objects.get()
        assert response.status_code == 302
        assert response.url.endswith(f"?letter={letter.pk}#action-panel")
        html = ready.get(response.url).content.decode()
        assert "Saved." in html
        assert ">Dear Minister</textarea>" in html
        assert f'name="revision" value="{letter.revision + 1}"' in html

    def test_an_htmx_save_answers_its_status_line(self, ready, session):
        response = ready.post(url("save", session), form(revision=4), headers=HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert response["X-W4R-Revision"] == "4"
        assert html.strip().startswith('<p id="status-authority"')
        assert "Saved" in html and "<time datetime=" in html

    def test_double_submits_make_one_letter_and_the_last_text_wins(self, ready, session):
        key = uuid.uuid4()
        for revision, text in [(1, "Dear"), (1, "Dear"), (3, "Dear Minister!"), (2, "Dear M")]:
            ready.post(
                url("save", session), form(key=key, revision=revision, text=text), headers=HTMX
            )
        assert Letter.objects.count() == 1
        assert Letter.objects.get().text == "Dear Minister!"

    @pytest.mark.parametrize(
        "text, message",
        [
            ("x" * 3001, "limit is 3000"),
            ("Dear\x00", "NUL"),
            ("Dear\x1b[31m", "control characters"),
        ],
    )
    def test_bad_text_is_refused_with_a_clear_message(self, ready, session, text, message):
        response = ready.post(url("save", session), form(text=text), headers=HTMX)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert 'role="alert"' in response.content.decode()
        assert not Letter.objects.exists()

    def test_a_refused_plain_save_keeps_what_was_typed(self, ready, session):
        response = ready.post(url("save", session), form(text="Dear Minister\x07 and more"))
        html = response.content.decode()
        assert response.status_code == 400
        assert "control characters" in html
        assert "Dear Minister\x07 and more</textarea>" in html

    def test_writing_to_another_s_letter_is_forbidden(self, ready, session):
        other = write(writer(session, "Bo"), "Bo's letter")
        data = form(key=other.client_key, revision=99, text="Hacked", letter=other.pk)
        response = ready.post(url("save", session), data, headers=HTMX)
        assert response.status_code == 403
        other.refresh_from_db()
        assert other.text == "Bo's letter"

    def test_writing_after_the_end_is_refused_and_the_draft_readable(self, ready, session):
        letter = write(ready.participant, "My draft <b>")
        session_services.session_end(session=session)
        data = form(key=letter.client_key, revision=9, text="More")
        response = ready.post(url("save", session), data, headers=HTMX)
        assert response.status_code == 409
        assert "The session has ended" in response.content.decode()
        letter.refresh_from_db()
        assert letter.text == "My draft <b>"
        html = ready.get(url("panel", session)).content.decode()
        assert "What you wrote" in html
        assert "My draft &lt;b&gt;" in html
        assert 'name="text"' not in html

    def test_the_ended_stage_offers_to_read_what_was_written(self, ready, session):
        write(ready.participant, "My draft")
        session_services.session_end(session=session)
        html = ready.get(reverse("room", args=[session.room_code])).content.decode()
        assert url("panel", session) in html
        assert "Read what you wrote" in html

    def test_finishing_with_htmx_answers_the_panel(self, ready, session):
        data = form(text="Dear Minister, release her.", action="finish")
        response = ready.post(url("save", session), data, headers=HTMX)
        assert response.status_code == 200
        assert Letter.objects.get().is_finished
        html = response.content.decode()
        assert "Thank you! The facilitator will print it." in html
        assert "Write another letter" in html

    def test_finishing_nothing_is_refused(self, ready, session):
        response = ready.post(url("save", session), form(text=" ", action="finish"), headers=HTMX)
        assert response.status_code == 400
        assert "Write something first" in response.content.decode()

    def test_finishing_without_htmx(self, ready, session):
        response = ready.post(url("save", session), form(text="Dear", action="finish"))
        assert response.status_code == 302
        assert "Finished. Thank you!" in ready.get(response.url).content.decode()

    def test_editing_a_finished_letter(self, ready, session):
        letter = write(ready.participant, "Dear", finish=True)
        response = ready.post(url("reopen", session, letter.pk), headers=HTMX)
        assert response.status_code == 200
        assert ">Dear</textarea>" in response.content.decode()
        letter.refresh_from_db()
        assert not letter.is_finished

    def test_editing_after_the_end_is_refused(self, ready, session):
        letter = write(ready.participant, "Dear", finish=True)
        session_services.session_end(session=session)
        response = ready.post(url("reopen", session, letter.pk), headers=HTMX)
        assert response.status_code == 409
        assert "The session has ended" in response.content.decode()
        letter.refresh_from_db()
        assert letter.is_finished

    def test_editing_another_s_letter_is_a_404(self, ready, session):
        letter = write(writer(session, "Bo"), "Bo's", finish=True)
        assert ready.post(url("reopen", session, letter.pk)).status_code == 404
        letter.refresh_from_db()
        assert letter.is_finished

    def test_several_letters_and_a_new_one(self, ready, session):
        first = write(ready.participant, "First letter", finish=True)
        html = ready.get(url("panel", session) + "?new=authority").content.decode()
        assert 'name="text"' in html and "data-new" in html
        assert "Letter 1" in html
        second = write(ready.participant, "Second letter")
        html = ready.get(url("panel", session)).content.decode()
        assert ">Second letter</textarea>" in html  # the draft comes first
        html = ready.get(url("panel", session) + f"?letter={first.pk}").content.decode()
        assert "First letter" in html
        assert second.pk != first.pk

    def test_another_s_letter_id_in_the_address_shows_one_s_own(self, ready, session):
        other = write(writer(session, "Bo"), "Bo's secret")
        html = ready.get(url("panel", session) + f"?letter={other.pk}").content.decode()
        assert "Bo's secret" not in html

    def test_the_facilitator_pages_are_not_for_phones(self, ready, session):
        for name in ("letters", "news", "print", "export_csv", "export_zip"):
            response = ready.get(url(name, session))
            assert response.status_code == 302 and "/accounts/login/" in response.url


class TestScreens:
    def test_the_stage_frames_each_phone_s_own_panel(self, session):
        html = render_stage(session)
        assert f'hx-get="{url("panel", session)}"' in html
        assert 'hx-trigger="load"' in html and "hx-preserve" in html
        assert "#FreeKalesnikava #W4R24 #ProtectTheProtest" in html
        assert "@BelarusMFA #FreeKalesnikava" in html
        assert "Tweet your support to @Amnesty using the hashtag #W4R24" in html
        assert "data-copy=" in html

    def test_why_letters_work_replaces_the_writing_on_phones_and_projector(self, session):
        services.action_show_why(session=session, show=True)
        session.refresh_from_db()
        stage = render_stage(session)
        assert "Why letters work" in stage and "2,326" in stage
        assert "Rita Karasartova" in stage and "Cecillia Chimbiri" in stage
        assert url("panel", session) not in stage
        projector = render_projector(session)
        assert "letters in 2001" in projector and "Human rights defender acquitted" in projector

    def test_the_projector_shows_the_targets_and_counts(self, session):
        write(writer(session, "Ana"), finish=True)
        html = render_projector(session)
        assert "Write to the authorities" in html and "Minister of Foreign Affairs" in html
        assert "1 letter written" in html and "0 messages written" in html
        assert "<form" not in html

    def test_the_control_view_counts_drafts_and_finished(self, session):
        ana = writer(session, "Ana")
        write(ana, "Draft")
        write(ana, "Done", finish=True)
        write(ana, "Message", kind="solidarity")
        writer(session, "Bo", choice="not_taking_part")
        join(session, "Cy")
        html = render_control(session)
        assert re.search(r'data-count-kind="authority">.*?data-finished>1<.*?data-drafts>1<', html)
        assert re.search(r'data-count-kind="solidarity">.*?data-finished>0<.*?data-drafts>1<', html)
        assert "1 person taking part" in html and "1 not taking part" in html
        assert "1 has not chosen yet" in html
        assert url("print", session) in html

    def test_the_session_summary_gets_the_letters_part(self, session):
        write(writer(session, "Ana"), finish=True)
        parts = kind_summaries(session)
        letters = next(part for part in parts if "take_action" in part["template"])
        assert letters["letter_counts"]["authority"]["finished"] == 1


def render_stage(session):
    from django.template.loader import render_to_string

    return render_to_string("activities/participant.html#stage", stage_context(session))


def render_projector(session):
    from django.template.loader import render_to_string

    return render_to_string("activities/projector.html#projector", projector_context(session))


def render_control(session):
    from django.template.loader import render_to_string

    return render_to_string("activities/control.html#control-step", control_context(session))


class TestFacilitator:
    def test_only_the_session_s_facilitator(self, session):
        stranger = Client()
        stranger.force_login(UserFactory())
        for name in ("letters", "news", "print", "export_csv", "export_zip"):
            assert stranger.get(url(name, session)).status_code == 404
        assert stranger.post(url("show_why", session), {"show": "1"}).status_code == 404
        assert stranger.get(reverse("session_summary", args=[session.room_code])).status_code == 404

    def test_reading_the_letters_as_text(self, facilitator, session):
        write(writer(session, "Ana"), "<img src=x onerror=alert(1)> Free Maryia", finish=True)
        html = facilitator.get(url("letters", session)).content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt; Free Maryia" in html
        assert "<img src=x" not in html
        assert "Ana" in html

    def test_the_letters_page_says_when_new_texts_arrive(self, facilitator, session):
        write(writer(session, "Ana"), finish=True)
        page = facilitator.get(url("letters", session)).content.decode()
        news = url("news", session) + "?seen=1&amp;shown=0"
        assert f'hx-get="{news}" hx-trigger="every 5s" hx-swap="outerHTML" data-background>' in page
        assert "since this page was opened" not in page

        def poll(seen, shown):
            return facilitator.get(url("news", session), {"seen": seen, "shown": shown})

        assert poll(1, 0).status_code == 204  # nothing new: nothing to swap or to say
        write(writer(session, "Bo"), "Dear Minister, a draft")
        write(writer(session, "Chen"), kind="solidarity", finish=True)
        response = poll(1, 0)
        html = response.content.decode()
        assert response.status_code == 200
        assert "2 new texts since this page was opened." in html
        assert f'href="{url("letters", session)}"' in html
        assert url("news", session) + "?seen=1&amp;shown=2" in html
        assert poll(1, 2).status_code == 204  # said once
        for tampered in ({"seen": "x", "shown": "-4"}, {}):
            assert facilitator.get(url("news", session), tampered).status_code == 200

    def test_hiding_a_letter_plain_and_htmx(self, facilitator, session):
        letter = write(writer(session, "Ana"), finish=True)
        response = facilitator.post(url("hide", session, letter.pk), {"hidden": "1"})
        assert response.status_code == 302
        letter.refresh_from_db()
        assert letter.hidden_from_print
        response = facilitator.post(url("hide", session, letter.pk), {"hidden": "0"}, headers=HTMX)
        assert response.status_code == 200
        assert f'id="letter-{letter.pk}"' in response.content.decode()
        assert "Hide from print" in response.content.decode()
        letter.refresh_from_db()
        assert not letter.hidden_from_print

    def test_hiding_another_session_s_letter_is_a_404(self, facilitator, session):
        letter = write(writer(action_session(), "Ana"), finish=True)
        assert facilitator.post(url("hide", session, letter.pk), {"hidden": "1"}).status_code == 404

    def test_the_why_toggle(self, facilitator, session):
        response = facilitator.post(url("show_why", session), {"show": "1"}, headers=HTMX)
        assert response.status_code == 204
        assert session.action.show_why
        response = facilitator.post(url("show_why", session), {"show": "0"})
        assert response.status_code == 302 and response.url == reverse(
            "control", args=[session.room_code]
        )
        session.action.refresh_from_db()
        assert not session.action.show_why

    def test_the_why_toggle_refused_after_the_end(self, facilitator, session):
        session_services.session_end(session=session)
        response = facilitator.post(url("show_why", session), {"show": "1"}, headers=HTMX)
        assert response.status_code == 409

    def test_marking_printed_and_sent(self, facilitator, session):
        response = facilitator.post(url("mark", session), {"printed": "1", "back": "print"})
        assert response.status_code == 302 and response.url == url("print", session)
        response = facilitator.post(url("mark", session), {"sent": "1"}, headers=HTMX)
        assert response.status_code == 204
        session.action.refresh_from_db()
        assert session.action.printed_at and session.action.sent_at
        assert "Letters sent:" in render_control(session)


class TestPrinting:
    def test_one_sheet_per_letter_cards_four_to_a_sheet_and_labels(self, facilitator, session):
        for number in range(3):
            person = writer(session, f"P{number}", choice="name")
            write(person, f"Letter {number} <b>", finish=True, signoff_name=f"Name {number}")
        for number in range(5):
            write(writer(session, f"M{number}"), f"Card {number}", kind="solidarity", finish=True)
        write(writer(session, "Drafty"), "Unfinished")
        html = facilitator.get(url("print", session)).content.decode()
        assert html.count('class="sheet sheet-letter"') == 3
        assert html.count('class="sheet sheet-cards"') == 2
        assert html.count('class="print-card"') == 5
        assert html.count('class="label"') == 8
        assert "Letter 0 &lt;b&gt;" in html and "Unfinished" not in html
        assert "Name 1" in html
        assert 'body class="print-page paper-a4"' in html
        assert "Dear Minister," in html and "220030, Minsk" in html

    def test_us_letter_drafts_and_one_label_per_address(self, facilitator, session):
        write(writer(session, "Ana"), "Unfinished")
        html = facilitator.get(
            url("print", session), {"paper": "letter", "drafts": "1", "labels": "target"}
        ).content.decode()
        assert 'class="print-page paper-letter"' in html
        assert "Unfinished" in html
        assert html.count('class="label"') == 2
        assert "Penal colony No. 4" in html

    def test_the_sign_off_follows_the_safety_choice(self, facilitator, session):
        ana = writer(session, "Ana", choice="name")
        write(ana, "Dear", finish=True, signoff_name="Ana Lima", signoff_town="Porto")
        services.safety_choose(participant=ana, choice="anonymous")
        html = facilitator.get(url("print", session)).content.decode()
        assert "Ana Lima" not in html and "Porto" not in html

    def test_hidden_and_not_taking_part_are_not_printed(self, facilitator, session):
        letter = write(writer(session, "Ana"), "Rude words", finish=True)
        services.letter_set_hidden(session=session, letter_id=letter.pk, hidden=True)
        bo = writer(session, "Bo")
        write(bo, "Bo changed his mind", finish=True)
        services.safety_choose(participant=bo, choice="not_taking_part")
        html = facilitator.get(url("print", session)).content.decode()
        assert "Rude words" not in html and "Bo changed his mind" not in html

    @pytest.mark.parametrize("query", [{"paper": "a5"}, {"labels": "all"}])
    def test_unknown_options_fall_back(self, facilitator, session, query):
        assert facilitator.get(url("print", session), query).status_code == 200


class TestExport:
    def rows(self, response):
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:])))

    @pytest.mark.parametrize(
        "text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "＝1+1"]
    )
    def test_the_csv_is_safe_against_formulas(self, facilitator, session, text):
        write(writer(session, "Ana"), text, finish=True, signoff_name=text[:60])
        rows = self.rows(facilitator.get(url("export_csv", session)))
        assert rows[1][5] == "'" + text
        assert rows[1][6] == "'" + text[:60]

    @pytest.mark.parametrize(
        "cell, safe",
        [
            ("=1+1", "'=1+1"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Free Maryia", "Free Maryia"),
            ("a=1", "a=1"),
            (7, "7"),
            (None, ""),
        ],
    )
    def test_cells_that_start_like_a_formula_are_made_text(self, cell, safe):
        assert spreadsheet_safe(cell) == safe

    def test_the_csv_holds_every_written_text(self, facilitator, session):
        ana = writer(session, "Ana", choice="first_name")
        write(ana, 'Line one\nLine two, "quoted"', finish=True, signoff_name="Ana")
        write(ana, "Привет", kind="solidarity", language="ru")
        response = facilitator.get(url("export_csv", session))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment;" in response["Content-Disposition"]
        rows = self.rows(response)
        assert rows[0][:3] == ["Number", "Kind", "Status"]
        assert rows[1][1:3] == ["Letter", "Finished"]
        assert rows[1][5] == 'Line one\nLine two, "quoted"'
        assert rows[1][6] == "Ana"
        assert rows[2][1:5] == ["Solidarity message", "Draft", "no", "ru"]
        assert rows[2][5] == "Привет"

    def test_the_zip_has_one_text_file_per_letter(self, facilitator, session):
        ana = writer(session, "Ana")
        write(ana, "First", finish=True, signoff_name="Ana", signoff_town="Porto")
        write(ana, "Second", finish=True)
        write(ana, "For Maryia", kind="solidarity", finish=True)
        write(ana, "Draft")
        response = facilitator.get(url("export_zip", session))
        assert response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        assert sorted(archive.namelist()) == [
            "letters/letter-001.txt",
            "letters/letter-002.txt",
            "messages/message-001.txt",
        ]
        first = archive.read("letters/letter-001.txt").decode("utf-8")
        assert first.startswith("Minister of Foreign Affairs\r\n")
        assert "Dear Minister,\r\n\r\nFirst\r\n\r\nAna\r\nPorto\r\n" in first
        assert "Penal colony No. 4" in archive.read("messages/message-001.txt").decode()


class TestSummary:
    def test_the_summary_shows_people_groups_and_letters(self, facilitator, session):
        write(writer(session, "Ana"), finish=True)
        writer(session, "Bo")
        session_services.session_end(session=session)
        control = facilitator.get(reverse("control", args=[session.room_code])).content.decode()
        summary_url = reverse("session_summary", args=[session.room_code])
        assert summary_url in control
        html = facilitator.get(summary_url).content.decode()
        assert "2 people took part." in html and "They worked in 1 group." in html
        assert "Ana, Bo" in html
        assert "Letters and solidarity messages" in html
        assert re.search(r'data-count-kind="authority">.*?data-finished>1<', html)
        assert "data-print" in html
