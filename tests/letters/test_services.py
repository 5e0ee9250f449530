import uuid

import pytest

from activities import services as session_services
from activities.live import bus
from activities.models import Session
from letters import services
from letters.models import LETTER_MAX_CHARS, MESSAGE_MAX_CHARS, Letter, SafetyChoice, Tally
from letters.services import Closed, NotYours, SessionError
from tests.factories import action_session, join, write, writer

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(bus, "publish", lambda sid, version, parts: sent.append(set(parts)))
    return sent


@pytest.fixture
def session():
    return action_session()


@pytest.fixture
def ana(session):
    return writer(session, "Ana")


def save(participant, text, *, key, revision, **kwargs):
    return services.letter_save(
        participant=participant,
        kind=kwargs.pop("kind", "authority"),
        client_key=key,
        revision=revision,
        text=text,
        **kwargs,
    )


class TestSafetyChoice:
    @pytest.mark.parametrize("choice", ["name", "first_name", "anonymous", "not_taking_part"])
    def test_each_choice_is_kept(self, session, choice):
        person = join(session, "Ana")
        services.safety_choose(participant=person, choice=choice)
        assert SafetyChoice.objects.get(participant=person).choice == choice

    @pytest.mark.parametrize("choice", ["", "everything", "NAME"])
    def test_other_choices_are_refused(self, session, choice):
        with pytest.raises(SessionError, match="Choose one"):
            services.safety_choose(participant=join(session, "Ana"), choice=choice)

    def test_a_removed_participant_cannot_choose(self, session):
        person = join(session, "Ana")
        session_services.participant_remove(participant=person)
        with pytest.raises(SessionError, match="left this session"):
            services.safety_choose(participant=person, choice="name")

    def test_nobody_chooses_after_the_end(self, session):
        person = join(session, "Ana")
        session_services.session_end(session=session)
        with pytest.raises(Closed):
            services.safety_choose(participant=person, choice="name")

    def test_going_anonymous_forgets_the_names_already_typed(self, session, ana):
        letter = write(ana, signoff_name="Ana Lima", signoff_town="Porto")
        services.safety_choose(participant=ana, choice="anonymous")
        letter.refresh_from_db()
        assert (letter.signoff_name, letter.signoff_town) == ("", "")

    def test_the_control_view_and_projector_hear_of_it(
        self, session, published, django_capture_on_commit_callbacks
    ):
        person = join(session, "Ana")
        with django_capture_on_commit_callbacks(execute=True):
            services.safety_choose(participant=person, choice="name")
        assert published == [{bus.CONTROL_STEP, bus.PROJECTOR}]


class TestSaving:
    def test_the_first_save_makes_the_letter(self, session, ana):
        letter = save(ana, "Dear Minister", key=uuid.uuid4(), revision=1)
        assert letter.session == session
        assert letter.participant == ana
        assert (letter.status, letter.words, letter.revision) == ("draft", 2, 1)

    def test_a_new_empty_letter_is_not_made(self, ana):
        assert save(ana, "   \n ", key=uuid.uuid4(), revision=1) is None
        assert not Letter.objects.exists()

    def test_a_save_sent_twice_makes_one_letter(self, ana):
        key = uuid.uuid4()
        first = save(ana, "Dear Minister", key=key, revision=1)
        again = save(ana, "Dear Minister", key=key, revision=1)
        assert first.pk == again.pk
        assert Letter.objects.count() == 1

    def test_two_first_saves_racing_make_one_letter(self, ana, monkeypatch):
        # The second request looked before the first one committed: its insert
        # hits the unique key and it updates the letter the first one made.
        key = uuid.uuid4()
        save(ana, "Dear", key=key, revision=1)
        real = services._letter_for_save
        calls = []

        def not_yet_seen(*args, **kwargs):
            calls.append(1)
            return None if len(calls) == 1 else real(*args, **kwargs)

        monkeypatch.setattr(services, "_letter_for_save", not_yet_seen)
        letter = save(ana, "Dear Minister", key=key, revision=2)
        assert Letter.objects.count() == 1
        assert Letter.objects.get().text == "Dear Minister" == letter.text

    def test_the_last_text_wins_whatever_order_saves_arrive_in(self, ana):
        key = uuid.uuid4()
        save(ana, "Dear", key=key, revision=1)
        save(ana, "Dear Minister, I am", key=key, revision=3)
        late = save(ana, "Dear Minister", key=key, revision=2)
        assert late.text == "Dear Minister, I am"
        assert Letter.objects.get().revision == 3

    def test_newlines_are_kept_and_tabs_become_spaces(self, ana):
        letter = save(ana, "Dear Minister,\r\n\r\nI\tam", key=uuid.uuid4(), revision=1)
        assert letter.text == "Dear Minister,\n\nI am"

    @pytest.mark.parametrize(
        "text, message",
        [
            ("Dear\x00Minister", "NUL character"),
            ("Dear\x07Minister", "control characters"),
            ("Dear\x1bMinister", "control characters"),
            ("Dear\x85Minister", "control characters"),
        ],
    )
    def test_control_characters_are_refused(self, ana, text, message):
        with pytest.raises(SessionError, match=message):
            save(ana, text, key=uuid.uuid4(), revision=1)
        assert not Letter.objects.exists()

    def test_emoji_and_right_to_left_text_are_fine(self, ana):
        text = "Свабоду Марыі! حرية 🕊️ 👩‍👩‍👧"
        assert save(ana, text, key=uuid.uuid4(), revision=1).text == text

    def test_html_is_kept_as_the_text_it_is(self, ana):
        text = "<script>alert('x')</script> <b>Free her</b>"
        assert save(ana, text, key=uuid.uuid4(), revision=1).text == text

    def test_a_letter_at_the_limit_is_saved(self, ana):
        letter = save(ana, "a" * LETTER_MAX_CHARS, key=uuid.uuid4(), revision=1)
        assert len(letter.text) == LETTER_MAX_CHARS

    def test_an_over_long_letter_is_refused_and_the_draft_kept(self, ana):
        key = uuid.uuid4()
        save(ana, "Dear Minister", key=key, revision=1)
        with pytest.raises(SessionError, match=r"3001 characters long; the limit is 3000.*by 1 "):
            save(ana, "a" * (LETTER_MAX_CHARS + 1), key=key, revision=2)
        assert Letter.objects.get().text == "Dear Minister"

    def test_a_solidarity_message_is_short(self, ana):
        save(ana, "b" * MESSAGE_MAX_CHARS, key=uuid.uuid4(), revision=1, kind="solidarity")
        with pytest.raises(SessionError, match="limit is 600"):
            save(
                ana, "b" * (MESSAGE_MAX_CHARS + 1), key=uuid.uuid4(), revision=1, kind="solidarity"
            )

    def test_the_database_holds_the_limits_too(self, session, ana):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Letter.objects.create(
                session=session,
                participant=ana,
                kind="solidarity",
                client_key=uuid.uuid4(),
                text="b" * (MESSAGE_MAX_CHARS + 1),
            )

    def test_a_message_language_must_be_one_the_person_reads(self, ana):
        letter = save(ana, "Привет", key=uuid.uuid4(), revision=1, kind="solidarity", language="ru")
        assert letter.language == "ru"
        other = save(ana, "Hola", key=uuid.uuid4(), revision=1, kind="solidarity", language="")
        assert other.language == ""
        with pytest.raises(SessionError, match="languages in the list"):
            save(ana, "Hola", key=uuid.uuid4(), revision=1, kind="solidarity", language="es")

    def test_a_letter_to_the_authority_has_no_language(self, ana):
        assert save(ana, "Dear", key=uuid.uuid4(), revision=1, language="ru").language == ""

    @pytest.mark.parametrize("kind", ["", "poem", "AUTHORITY"])
    def test_only_the_kinds_the_pack_offers(self, ana, kind):
        with pytest.raises(SessionError, match="does not ask"):
            save(ana, "Dear", key=uuid.uuid4(), revision=1, kind=kind)

    @pytest.mark.parametrize("key", ["", "not-a-uuid", "1234"])
    def test_a_key_must_be_a_uuid(self, ana, key):
        with pytest.raises(SessionError, match="out of date"):
            save(ana, "Dear", key=key, revision=1)

    @pytest.mark.parametrize("revision", ["", "0", "-3", "abc", str(2**53), "1.5"])
    def test_a_revision_must_be_a_positive_count(self, ana, revision):
        with pytest.raises(SessionError, match="out of date"):
            save(ana, "Dear", key=uuid.uuid4(), revision=revision)

    def test_writing_needs_the_safety_choice_first(self, session):
        with pytest.raises(SessionError, match="how you want to sign"):
            save(join(session, "Ana"), "Dear", key=uuid.uuid4(), revision=1)

    def test_not_taking_part_means_not_writing(self, session):
        person = writer(session, "Ana", choice="not_taking_part")
        with pytest.raises(SessionError, match="chose not to take part"):
            save(person, "Dear", key=uuid.uuid4(), revision=1)

    def test_the_sign_off_follows_the_safety_choice(self, session):
        named = writer(session, "Ana", choice="name")
        hidden = writer(session, "Bo", choice="anonymous")
        kept = save(
            named,
            "Hi",
            key=uuid.uuid4(),
            revision=1,
            signoff_name="  Ana  Lima ",
            signoff_town="Porto",
        )
        dropped = save(
            hidden, "Hi", key=uuid.uuid4(), revision=1, signoff_name="Bo", signoff_town="Oslo"
        )
        assert (kept.signoff_name, kept.signoff_town) == ("Ana Lima", "Porto")
        assert (dropped.signoff_name, dropped.signoff_town) == ("", "")
        assert kept.signoff() == ["Ana Lima", "Porto"]
        assert dropped.signoff() == []

    @pytest.mark.parametrize(
        "name, message",
        [("A" * 61, "at most 60"), ("Ana\u202e", "invisible"), ("A\x00", "control")],
    )
    def test_bad_sign_offs_are_refused(self, ana, name, message):
        with pytest.raises(SessionError, match=message):
            save(ana, "Hi", key=uuid.uuid4(), revision=1, signoff_name=name)

    def test_a_participant_cannot_write_to_another_s_letter(self, session, ana):
        letter = write(ana, "Ana's letter")
        bo = writer(session, "Bo")
        with pytest.raises(NotYours):
            save(bo, "Bo was here", key=letter.client_key, revision=9, letter_id=letter.pk)
        letter.refresh_from_db()
        assert letter.text == "Ana's letter"

    def test_someone_else_s_key_makes_their_own_letter(self, session, ana):
        letter = write(ana, "Ana's letter")
        bo = writer(session, "Bo")
        theirs = save(bo, "Bo's letter", key=letter.client_key, revision=9)
        assert theirs.pk != letter.pk and theirs.participant == bo
        letter.refresh_from_db()
        assert letter.text == "Ana's letter"

    def test_a_removed_participant_cannot_write(self, session, ana):
        session_services.participant_remove(participant=ana)
        with pytest.raises(SessionError, match="left this session"):
            save(ana, "Dear", key=uuid.uuid4(), revision=1)

    def test_nothing_is_written_after_the_end_and_the_draft_stays(self, session, ana):
        letter = write(ana, "Dear Minister")
        session_services.session_end(session=session)
        with pytest.raises(Closed, match="ended"):
            save(ana, "Dear Minister, more", key=letter.client_key, revision=5)
        with pytest.raises(Closed):
            services.letter_finish(participant=ana, letter_id=letter.pk)
        letter.refresh_from_db()
        assert (letter.text, letter.status) == ("Dear Minister", "draft")

    def test_typing_publishes_nothing(self, ana, published, django_capture_on_commit_callbacks):
        key = uuid.uuid4()
        save(ana, "Dear", key=key, revision=1)
        with django_capture_on_commit_callbacks(execute=True):
            save(ana, "Dear Minister", key=key, revision=2)
        assert published == []

    def test_a_new_letter_updates_the_counts(
        self, ana, published, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            save(ana, "Dear", key=uuid.uuid4(), revision=1)
        assert published == [{bus.CONTROL_STEP, bus.PROJECTOR}]

    def test_a_count_change_bumps_the_session_for_polling_screens(self, session, ana):
        before = Session.objects.get(pk=session.pk).version
        write(ana)
        assert Session.objects.get(pk=session.pk).version > before

    def test_a_participant_may_write_several_letters(self, ana):
        write(ana, "First")
        write(ana, "Second")
        write(ana, "To Maryia", kind="solidarity")
        assert ana.letters.count() == 3


class TestFinishing:
    def test_finishing_and_reopening(self, ana):
        letter = write(ana, "Dear Minister")
        letter = services.letter_finish(participant=ana, letter_id=letter.pk)
        assert letter.is_finished and letter.finished_at
        letter = services.letter_reopen(participant=ana, letter_id=letter.pk)
        assert not letter.is_finished and letter.finished_at is None

    def test_an_emptied_letter_cannot_be_finished(self, ana):
        key = uuid.uuid4()
        letter = save(ana, "Dear", key=key, revision=1)
        save(ana, "  ", key=key, revision=2)
        with pytest.raises(SessionError, match="Write something first"):
            services.letter_finish(participant=ana, letter_id=letter.pk)

    def test_a_finished_letter_is_not_changed_by_a_late_save(self, ana):
        letter = write(ana, "Dear Minister", finish=True)
        with pytest.raises(SessionError, match="finished"):
            save(ana, "changed", key=letter.client_key, revision=5)
        assert Letter.objects.get().text == "Dear Minister"

    def test_only_one_s_own_letters(self, session, ana):
        letter = write(ana)
        bo = writer(session, "Bo")
        with pytest.raises(NotYours):
            services.letter_finish(participant=bo, letter_id=letter.pk)
        with pytest.raises(NotYours):
            services.letter_reopen(participant=bo, letter_id=letter.pk)


class TestFacilitator:
    def test_hiding_keeps_a_letter_out_of_print_and_tally(self, session, ana):
        letter = write(ana, "Something rude", finish=True)
        services.letter_set_hidden(session=session, letter_id=letter.pk, hidden=True)
        assert not Letter.objects.printable().exists()
        assert Tally.objects.get(session=session).letters == 0
        services.letter_set_hidden(session=session, letter_id=letter.pk, hidden=False)
        assert Tally.objects.get(session=session).letters == 1

    def test_hiding_works_after_the_end(self, session, ana):
        letter = write(ana, finish=True)
        session_services.session_end(session=session)
        services.letter_set_hidden(session=session, letter_id=letter.pk, hidden=True)
        assert Letter.objects.get().hidden_from_print

    def test_only_letters_of_the_session(self, session):
        other = action_session()
        letter = write(writer(other, "Ana"))
        with pytest.raises(SessionError, match="no such letter"):
            services.letter_set_hidden(session=session, letter_id=letter.pk, hidden=True)

    def test_why_letters_work_on_every_screen(
        self, session, published, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            action = services.action_show_why(session=session, show=True)
        assert action.show_why
        assert published == [{bus.STAGE, bus.PROJECTOR, bus.CONTROL_STEP}]

    def test_why_letters_work_not_after_the_end(self, session):
        session_services.session_end(session=session)
        with pytest.raises(SessionError, match="ended"):
            services.action_show_why(session=session, show=True)

    def test_marking_printed_and_sent(self, session):
        action = services.letters_mark(session=session, printed=True)
        assert action.printed_at and not action.sent_at
        action = services.letters_mark(session=session, sent=True)
        assert action.sent_at
        action = services.letters_mark(session=session, printed=False, sent=False)
        assert not action.printed_at and not action.sent_at

    def test_sent_means_printed(self, session):
        action = services.letters_mark(session=session, sent=True)
        assert action.printed_at == action.sent_at


class TestTally:
    def test_the_tally_counts_finished_letters_of_people_taking_part(self, session, ana):
        write(ana, "A finished letter", finish=True)
        write(ana, "A draft")
        write(ana, "A finished message", kind="solidarity", finish=True)
        bo = writer(session, "Bo")
        write(bo, "Bo's letter", finish=True)
        join(session, "Cy")
        services.safety_choose(participant=bo, choice="not_taking_part")
        tally = Tally.objects.get(session=session)
        assert (tally.participants, tally.letters, tally.messages) == (3, 1, 1)
        assert tally.case == session.case_version.case
        assert tally.campaign_year == 2024

    def test_ending_the_session_writes_the_final_counts(self, session):
        join(session, "Ana")
        join(session, "Bo")
        session_services.session_end(session=session)
        assert Tally.objects.get(session=session).participants == 2

    def test_the_counts_outlive_the_content(self, session, ana):
        write(ana, finish=True)
        write(ana, kind="solidarity", finish=True)
        session_services.session_end(session=session)
        Letter.objects.all().delete()
        session.participants.all().delete()
        tally = Tally.objects.get()
        assert (tally.participants, tally.letters, tally.messages) == (1, 1, 1)
        Session.objects.filter(pk=session.pk).delete()
        tally.refresh_from_db()
        assert tally.session is None
        assert (tally.participants, tally.letters, tally.messages) == (1, 1, 1)
