"""The matching exercise's rules: the cards, a group's board, closing, the
reveal, the closing question and the summary."""

import unicodedata

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from activities import services as session_services
from activities.live import bus
from activities.models import ClosingAnswer, MatchingExercise, MatchPair
from activities.services import SessionError
from activities.steps import kind_summaries, matching
from activities.steps.matching import services
from activities.steps.matching.cards import Cards
from tests.factories import MATCHING_STEP, join, live_session, matching_session, pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The screen parts each change publishes (on commit: see test_services)."""
    sent = []
    monkeypatch.setattr(
        services, "publish_on_commit", lambda session, parts: sent.append(set(parts))
    )
    return sent


@pytest.fixture
def room():
    return matching_session(groups=3, per_group=2)


def step_of(session):
    return session.activity.step(MATCHING_STEP)


def pairs_of(group):
    return set(MatchPair.objects.filter(group=group).values_list("experience", "right"))


def matching_summaries(session):
    """This kind's parts of the session summary (other kinds have theirs)."""
    template = "activities/steps/matching/summary.html"
    return [part for part in kind_summaries(session) if part["template"] == template]


INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}


def close(session):
    return services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)


class TestCards:
    def test_the_cards_come_from_the_pack(self):
        cards = Cards(step_of(live_session()))
        assert [card.key for card in cards.rights][:3] == ["art-1", "art-9", "art-3"]
        assert len(cards.rights) == 8 and len(cards.experiences) == 9
        fair = cards.experience["no-fair-trial"]
        assert str(fair.text) == "Maryia did not receive a fair and public trial."
        assert [right.key for right in fair.suggested] == ["art-10"]
        assert "isolation" not in str(fair.note or "")
        assert [right.key for right in cards.experience["isolation-cell"].suggested] == [
            "art-5",
            "art-25",
        ]
        assert str(cards.closing_question) == "What do you think should happen to Maryia now?"

    def test_a_right_without_a_title_takes_the_simplified_udhr_title(self):
        session = live_session()
        data = session.case_version.data
        step = next(s for s in data["activities"][0]["steps"] if s["key"] == MATCHING_STEP)
        del step["rights"][5]["title"]  # art-10
        session.case_version.save(update_fields=["data"])
        session.case_version.refresh_from_db()
        right = Cards(step_of(session)).right["art-10"]
        assert str(right.title) == "Right to a fair trial"

    def test_each_group_gets_its_own_stable_shuffle(self, room):
        session, people = room
        cards = Cards(step_of(session))
        first, second = people[0].group, people[2].group
        order = [card.key for card in cards.shuffled_for(first)]
        assert order == [card.key for card in Cards(step_of(session)).shuffled_for(first)]
        assert sorted(order) == sorted(card.key for card in cards.experiences)
        orders = {
            tuple(card.key for card in cards.shuffled_for(group)) for group in session.groups.all()
        }
        assert orders != {tuple(card.key for card in cards.experiences)}
        assert len(orders) > 1 or second == first


class TestPairing:
    def test_a_member_pairs_a_card_for_the_whole_group(self, room, published):
        session, people = room
        ana, bo = people[0], people[1]
        experience, right = pair(ana, "no-fair-trial", "art-10")
        assert (experience.key, right.key) == ("no-fair-trial", "art-10")
        assert pairs_of(ana.group) == {("no-fair-trial", "art-10")}
        made = MatchPair.objects.get()
        assert made.made_by == ana and made.group == bo.group
        assert published[-1] == {bus.group_part(ana.group_id), bus.CONTROL_STEP, bus.PROJECTOR}

    def test_an_experience_can_match_several_rights_and_a_pair_can_be_undone(self, room):
        session, people = room
        ana, bo = people[0], people[1]
        pair(ana, "isolation-cell", "art-5")
        pair(bo, "isolation-cell", "art-25")
        assert pairs_of(ana.group) == {("isolation-cell", "art-5"), ("isolation-cell", "art-25")}
        services.pair_remove(
            participant=bo,
            group=bo.group,
            step_key=MATCHING_STEP,
            experience="isolation-cell",
            right="art-5",
        )
        assert pairs_of(ana.group) == {("isolation-cell", "art-25")}

    def test_repeated_taps_leave_one_pair_and_publish_once(self, room, published):
        session, people = room
        for person in (people[0], people[1], people[0]):
            pair(person, "arrested", "art-9")
        assert MatchPair.objects.count() == 1
        assert len(published) == 1
        session.refresh_from_db()
        version = session.version
        services.pair_remove(
            participant=people[0],
            group=people[0].group,
            step_key=MATCHING_STEP,
            experience="arrested",
            right="art-9",
        )
        services.pair_remove(
            participant=people[1],
            group=people[1].group,
            step_key=MATCHING_STEP,
            experience="arrested",
            right="art-9",
        )
        session.refresh_from_db()
        assert session.version == version + 1
        assert MatchPair.objects.count() == 0

    def test_each_group_has_its_own_board(self, room):
        session, people = room
        pair(people[0], "arrested", "art-9")
        pair(people[2], "arrested", "art-3")
        assert pairs_of(people[0].group) == {("arrested", "art-9")}
        assert pairs_of(people[2].group) == {("arrested", "art-3")}

    def test_a_change_bumps_the_version_for_polling_phones(self, room):
        session, people = room
        before = session.version
        pair(people[0], "arrested", "art-9")
        session.refresh_from_db()
        assert session.version == before + 1

    @pytest.mark.parametrize(
        "experience, right",
        [("arrested", "art-12"), ("no-such-card", "art-9"), ("", ""), ("art-9", "arrested")],
    )
    def test_a_card_not_in_the_exercise_is_refused(self, room, experience, right):
        session, people = room
        with pytest.raises(SessionError, match="not in this exercise"):
            pair(people[0], experience, right)
        assert not MatchPair.objects.exists()

    def test_another_groups_board_is_refused(self, room):
        session, people = room
        ana, other_group = people[0], people[2].group
        with pytest.raises(SessionError, match="not your group"):
            services.pair_add(
                participant=ana,
                group=other_group,
                step_key=MATCHING_STEP,
                experience="arrested",
                right="art-9",
            )
        assert not MatchPair.objects.exists()

    def test_a_group_of_another_session_is_refused(self, room):
        session, people = room
        other_session, strangers = matching_session(groups=1)
        with pytest.raises(SessionError, match="not your group"):
            services.pair_add(
                participant=people[0],
                group=strangers[0].group,
                step_key=MATCHING_STEP,
                experience="arrested",
                right="art-9",
            )

    def test_a_participant_moved_to_another_group_cannot_change_the_old_board(self, room):
        session, people = room
        ana = people[0]
        old_group = ana.group
        session_services.participant_move(participant=ana, group=people[2].group)
        with pytest.raises(SessionError, match="not your group"):
            services.pair_add(
                participant=ana,
                group=old_group,
                step_key=MATCHING_STEP,
                experience="arrested",
                right="art-9",
            )

    def test_a_participant_without_a_group_is_refused(self, room):
        session, people = room
        ana = people[0]
        group = ana.group
        ana.group = None
        ana.save(update_fields=["group"])
        with pytest.raises(SessionError, match="not your group"):
            services.pair_add(
                participant=ana,
                group=group,
                step_key=MATCHING_STEP,
                experience="arrested",
                right="art-9",
            )

    def test_a_participant_waiting_to_be_let_in_is_refused(self, room):
        session, people = room
        session_services.session_set_approve_joins(session=session, approve_joins=True)
        waiting = join(session, "Wai")
        assert waiting.waiting
        with pytest.raises(SessionError, match="not let you in yet"):
            services.pair_add(
                participant=waiting,
                group=people[0].group,
                step_key=MATCHING_STEP,
                experience="arrested",
                right="art-9",
            )
        close(session)
        with pytest.raises(SessionError, match="not let you in yet"):
            services.answer_save(participant=waiting, step_key=MATCHING_STEP, text="Hi")

    def test_a_removed_participant_is_refused(self, room):
        session, people = room
        session_services.participant_remove(participant=people[0])
        with pytest.raises(SessionError, match="no longer in this session"):
            pair(people[0], "arrested", "art-9")

    def test_a_closed_exercise_cannot_change(self, room):
        session, people = room
        pair(people[0], "arrested", "art-9")
        close(session)
        with pytest.raises(SessionError, match="closed the exercise"):
            pair(people[0], "arrested", "art-3")
        with pytest.raises(SessionError, match="closed the exercise"):
            services.pair_remove(
                participant=people[0],
                group=people[0].group,
                step_key=MATCHING_STEP,
                experience="arrested",
                right="art-9",
            )
        with pytest.raises(SessionError, match="closed the exercise"):
            services.board_set_done(
                participant=people[0], group=people[0].group, step_key=MATCHING_STEP, done=True
            )
        assert pairs_of(people[0].group) == {("arrested", "art-9")}

    def test_only_while_the_step_is_on(self, room):
        session, people = room
        session_services.session_go_to_step(session=session, step_key="story")
        with pytest.raises(SessionError, match="not on right now"):
            pair(people[0], "arrested", "art-9")

    def test_a_step_that_is_not_a_matching_step_is_refused(self, room):
        session, people = room
        for key in ("story", "nope"):
            with pytest.raises(SessionError, match="no such matching exercise"):
                pair(people[0], "arrested", "art-9", step_key=key)

    def test_an_ended_session_is_refused(self, room):
        session, people = room
        session_services.session_end(session=session)
        with pytest.raises(SessionError, match="ended"):
            pair(people[0], "arrested", "art-9")


class TestDone:
    def test_any_member_marks_done_and_reopens(self, room, published):
        session, people = room
        ana, bo = people[0], people[1]
        services.board_set_done(participant=ana, group=ana.group, step_key=MATCHING_STEP, done=True)
        assert published[-1] == {bus.group_part(ana.group_id), bus.CONTROL_STEP, bus.PROJECTOR}
        with pytest.raises(SessionError, match="marked the board as done"):
            pair(bo, "arrested", "art-9")
        services.board_set_done(participant=bo, group=bo.group, step_key=MATCHING_STEP, done=False)
        pair(bo, "arrested", "art-9")
        assert pairs_of(bo.group) == {("arrested", "art-9")}

    def test_marking_done_twice_changes_nothing(self, room, published):
        session, people = room
        for _ in range(2):
            services.board_set_done(
                participant=people[0], group=people[0].group, step_key=MATCHING_STEP, done=True
            )
        assert len(published) == 1

    def test_another_groups_board_cannot_be_marked_done(self, room):
        session, people = room
        with pytest.raises(SessionError, match="not your group"):
            services.board_set_done(
                participant=people[0], group=people[2].group, step_key=MATCHING_STEP, done=True
            )


class TestClosingAndReveal:
    def test_closing_tells_every_screen(self, room, published):
        session, people = room
        exercise = close(session)
        assert exercise.is_closed and exercise.reveal_index == 0
        assert published[-1] == {bus.STAGE, bus.GROUPS, bus.PROJECTOR, bus.CONTROL_STEP}
        close(session)
        assert len(published) == 1  # closing again changes nothing

    def test_the_facilitator_can_reopen(self, room):
        session, people = room
        close(session)
        services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=False)
        pair(people[0], "arrested", "art-9")
        assert MatchPair.objects.count() == 1

    def test_the_reveal_steps_through_the_cards(self, room, published):
        session, people = room
        with pytest.raises(SessionError, match="Close the exercise first"):
            services.reveal_show(session=session, step_key=MATCHING_STEP, index=1)
        close(session)
        services.reveal_show(session=session, step_key=MATCHING_STEP, index=3)
        services.reveal_show(session=session, step_key=MATCHING_STEP, index=3)  # a double click
        assert MatchingExercise.objects.get().reveal_index == 3
        assert published[-1] == {bus.PROJECTOR, bus.CONTROL_STEP}
        for index in (-1, 9, 100):
            with pytest.raises(SessionError, match="no such card"):
                services.reveal_show(session=session, step_key=MATCHING_STEP, index=index)

    def test_the_counts_of_the_reveal(self, room):
        session, people = room
        first, second, third = people[0], people[2], people[4]
        pair(first, "no-fair-trial", "art-10")
        pair(second, "no-fair-trial", "art-10")
        pair(second, "no-fair-trial", "art-9")
        pair(third, "arrested", "art-9")  # the third group left this card unpaired
        close(session)
        context = matching.context(session, step_of(session), screen="projector")["matching"]
        reveal = context["reveal"]
        assert reveal["card"].key == "disappeared"
        assert reveal["rows"] == [] and reveal["unpaired"] == 3
        index = [card.key for card in Cards(step_of(session)).experiences].index("no-fair-trial")
        services.reveal_show(session=session, step_key=MATCHING_STEP, index=index)
        reveal = matching.context(session, step_of(session), screen="projector")["matching"][
            "reveal"
        ]
        tally = [
            (row["card"].key, row["count"], row["groups"], row["suggested"])
            for row in reveal["rows"]
        ]
        assert tally == [
            ("art-10", 2, [first.group.number, second.group.number], True),
            ("art-9", 1, [second.group.number], False),
        ]
        assert reveal["playing"] == 3 and reveal["unpaired"] == 1
        assert [right.key for right in reveal["card"].suggested] == ["art-10"]

    def test_the_facilitators_actions_refuse_an_ended_session(self, room):
        session, people = room
        session_services.session_end(session=session)
        with pytest.raises(SessionError, match="ended"):
            close(session)


class TestClosingQuestion:
    def answer(self, person, text):
        return services.answer_save(participant=person, step_key=MATCHING_STEP, text=text)

    def test_answers_come_once_the_exercise_is_closed(self, room, published):
        session, people = room
        with pytest.raises(SessionError, match="once the facilitator closes"):
            self.answer(people[0], "Free her.")
        close(session)
        answer = self.answer(people[0], "Free her now.  \r\nAnd let her play music.\n\n")
        assert answer.text == "Free her now.\nAnd let her play music."
        assert not answer.shown_on_projector
        assert published[-1] == {bus.CONTROL_STEP}

    def test_writing_again_replaces_the_answer_and_takes_it_off_the_projector(
        self, room, published
    ):
        session, people = room
        close(session)
        answer = self.answer(people[0], "Free her.")
        services.answer_set_shown(session=session, answer_id=answer.pk, shown=True)
        assert published[-1] == {bus.PROJECTOR, bus.CONTROL_STEP}
        again = self.answer(people[0], "Free her, today.")
        assert again.pk == answer.pk and again.text == "Free her, today."
        assert not again.shown_on_projector
        assert published[-1] == {bus.PROJECTOR, bus.CONTROL_STEP}
        assert ClosingAnswer.objects.count() == 1

    @pytest.mark.parametrize(
        "text, message",
        [
            ("", "Write something first"),
            ("   \n ", "Write something first"),
            ("x" * 501, "at most 500"),
            ("Free\x00her", "control or invisible"),
            ("Free\x07 her", "control or invisible"),
            ("Free \u202eher", "control or invisible"),
        ],
    )
    def test_bad_answers_are_refused(self, room, text, message):
        session, people = room
        close(session)
        with pytest.raises(SessionError, match=message):
            self.answer(people[0], text)
        assert not ClosingAnswer.objects.exists()

    def test_emoji_and_right_to_left_text_are_fine(self, room):
        session, people = room
        close(session)
        assert self.answer(people[0], "حرية 👩‍💻").text == "حرية 👩‍💻"

    def test_a_removed_participant_cannot_answer_and_is_never_shown(self, room):
        session, people = room
        close(session)
        answer = self.answer(people[0], "Free her.")
        services.answer_set_shown(session=session, answer_id=answer.pk, shown=True)
        session_services.participant_remove(participant=people[0])
        with pytest.raises(SessionError, match="no longer in this session"):
            self.answer(people[0], "Again")
        with pytest.raises(SessionError, match="removed"):
            services.answer_set_shown(session=session, answer_id=answer.pk, shown=True)
        services.answers_set_on_projector(session=session, step_key=MATCHING_STEP, shown=True)
        shown = matching.context(session, step_of(session), screen="projector")["matching"]
        assert shown["answers"] == []

    def test_the_projector_shows_only_chosen_answers_when_asked(self, room):
        session, people = room
        close(session)
        first = self.answer(people[0], "Free her.")
        self.answer(people[1], "Not for the projector.")
        services.answer_set_shown(session=session, answer_id=first.pk, shown=True)
        context = matching.context(session, step_of(session), screen="projector")["matching"]
        assert "answers" not in context  # the reveal is on until the facilitator switches
        services.answers_set_on_projector(session=session, step_key=MATCHING_STEP, shown=True)
        context = matching.context(session, step_of(session), screen="projector")["matching"]
        assert [answer.text for answer in context["answers"]] == ["Free her."]
        services.answers_set_all_shown(session=session, step_key=MATCHING_STEP, shown=True)
        context = matching.context(session, step_of(session), screen="projector")["matching"]
        assert len(context["answers"]) == 2
        services.reveal_show(session=session, step_key=MATCHING_STEP, index=0)
        assert not MatchingExercise.objects.get().answers_on_projector

    def test_an_answer_of_another_session_is_refused(self, room):
        session, people = room
        other, strangers = matching_session(groups=1)
        close(other)
        answer = self.answer(strangers[0], "Hello")
        with pytest.raises(SessionError, match="no such answer"):
            services.answer_set_shown(session=session, answer_id=answer.pk, shown=True)


class TestContextAndSummary:
    def test_the_board_shows_the_groups_pairs(self, room):
        session, people = room
        pair(people[0], "arrested", "art-9")
        pair(people[1], "arrested", "art-3")
        board = matching.context(session, step_of(session), screen="group", group=people[0].group)[
            "board"
        ]
        assert board["pair_count"] == 2 and board["paired_cards"] == 1
        row = next(row for row in board["rows"] if row["card"].key == "arrested")
        assert [item["card"].key for item in row["chosen"]] == ["art-9", "art-3"]
        assert [item["suggested"] for item in row["chosen"]] == [True, False]
        assert sum(item["paired"] for item in row["rights"]) == 2

    def test_the_progress_of_each_group(self, room):
        session, people = room
        pair(people[0], "arrested", "art-9")
        pair(people[0], "arrested", "art-3")
        pair(people[2], "sentenced", "art-9")
        services.board_set_done(
            participant=people[2], group=people[2].group, step_key=MATCHING_STEP, done=True
        )
        progress = matching.context(session, step_of(session), screen="control")["matching"][
            "progress"
        ]
        rows = [(row["pairs"], row["cards"], row["done"]) for row in progress["groups"]]
        assert rows == [(2, 1, False), (1, 1, True), (0, 0, False)]
        assert progress["done_count"] == 1

    def test_the_summary_keeps_each_groups_pairs_beside_the_suggested(self, room):
        session, people = room
        assert matching_summaries(session) == []
        pair(people[0], "no-fair-trial", "art-10")
        pair(people[2], "no-fair-trial", "art-5")
        close(session)
        services.answer_save(participant=people[0], step_key=MATCHING_STEP, text="Free her.")
        [part] = matching_summaries(session)
        [section] = part["matching_steps"]
        row = next(row for row in section["rows"] if row["card"].key == "no-fair-trial")
        chosen = {
            item["group"].number: [(c["card"].key, c["suggested"]) for c in item["chosen"]]
            for item in row["groups"]
        }
        assert chosen == {1: [("art-10", True)], 2: [("art-5", False)]}
        assert section["answers"] == ["Free her."]
        from django.template.loader import render_to_string

        html = render_to_string(part["template"], {"part": part})
        assert "Group 1" in html and "also suggested" in html and "Free her." in html

    def test_deleting_the_sessions_data_deletes_the_pairs_and_answers_and_keeps_counts(self, room):
        from django.template.loader import render_to_string

        from activities import retention
        from activities.models import MatchingBoard

        session, people = room
        pair(people[0], "no-fair-trial", "art-10")
        pair(people[2], "no-fair-trial", "art-5")
        services.board_set_done(
            participant=people[2], group=people[2].group, step_key=MATCHING_STEP, done=True
        )
        close(session)
        services.answer_save(participant=people[0], step_key=MATCHING_STEP, text="Free her.")
        session = retention.session_delete_data(session=session)
        assert not MatchPair.objects.exists() and not ClosingAnswer.objects.exists()
        assert not MatchingBoard.objects.exists()
        assert session.kept_counts["match_pairs"] == 2
        assert session.kept_counts["closing_answers"] == 1
        [part] = matching_summaries(session)
        html = render_to_string(part["template"], {"part": part})
        assert "The groups made 2 pairs." in html and "Free her." not in html

    def test_a_late_joiner_sees_the_board_of_their_group(self):
        session, people = matching_session(groups=1, per_group=2)
        session_services.session_set_group_size(session=session, group_size=3)
        pair(people[0], "arrested", "art-9")
        late = join(session, "Late")
        assert late.group == people[0].group
        board = matching.context(session, step_of(session), screen="group", group=late.group)[
            "board"
        ]
        assert board["pair_count"] == 1


# -- Hostile input (docs/security.md, "For the step kinds": text rules) --------

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=600)
DB_EXAMPLES = hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def one_group():
    return matching_session(groups=1, per_group=2)


@pytest.fixture
def closed_room(one_group):
    close(one_group[0])
    return one_group


@DB_EXAMPLES
@given(raw=ANY_TEXT)
def test_any_answer_is_stored_clean_or_refused_before_the_database(closed_room, raw):
    # PostgreSQL refuses NUL in text: the service refuses such text itself.
    session, people = closed_room
    with transaction.atomic():
        try:
            answer = services.answer_save(participant=people[0], step_key=MATCHING_STEP, text=raw)
        except SessionError:
            pass
        else:
            stored = ClosingAnswer.objects.get(pk=answer.pk).text
            assert 1 <= len(stored) <= services.ANSWER_MAX
            assert "\x00" not in stored and "\r" not in stored
            for char in stored:
                assert char in "\n\u200c\u200d" or unicodedata.category(char) not in INVISIBLE
        transaction.set_rollback(True)


@DB_EXAMPLES
@given(experience=ANY_TEXT, right=ANY_TEXT)
def test_any_card_key_is_a_card_of_the_exercise_or_refused(one_group, experience, right):
    session, people = one_group
    with transaction.atomic():
        try:
            pair(people[0], experience, right)
        except SessionError as exc:
            assert "not in this exercise" in str(exc)
        else:
            cards = Cards(step_of(session))
            assert experience in cards.experience and right in cards.right
        transaction.set_rollback(True)
