"""Hostile input in steps 1 and 2 (docs/security.md, "Hostile input"): any
text an idea, a reason, an answer or a note can be sent is stored clean or
refused with a message before the database sees it, and any bytes sent as a
drawing are refused or stored as a plain PNG."""

import io
import unicodedata

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from activities.models import GroupNote, Idea, ReflectionAnswer
from activities.services import SessionError
from activities.steps.drawings import clean_drawing
from activities.steps.protest_ideas import idea_add, idea_cross_out, reflection_answer_save
from activities.steps.story import note_save
from tests.factories import at_step, join, live_session, picture_bytes

pytestmark = pytest.mark.django_db

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=300)
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}
DB_EXAMPLES = hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_clean(text, max_length):
    assert 1 <= len(text) <= max_length
    assert text == text.strip()
    assert unicodedata.is_normalized("NFC", text)
    assert "\r" not in text and "\x00" not in text and "\ufffd" not in text
    for char in text:
        assert char == "\n" or char == "\u200d" or unicodedata.category(char) not in INVISIBLE


@pytest.fixture
def room():
    session = live_session(group_size=2)
    ana = join(session, "Ana")
    return session, ana


def stored_or_refused(action, read_back, max_length):
    """Run `action` in a savepoint: it refuses with SessionError, or what it
    stored (read back from the database) is clean."""
    with transaction.atomic():
        try:
            saved = action()
        except SessionError:
            return
        if saved is not None:
            assert_clean(read_back(saved), max_length)
        transaction.set_rollback(True)


@DB_EXAMPLES
@given(raw=ANY_TEXT)
def test_an_idea_is_stored_clean_or_refused(room, raw):
    session, ana = room
    at_step(session, "protest_ideas")
    stored_or_refused(
        lambda: idea_add(participant=ana, step_key="protest", text=raw),
        lambda idea: Idea.objects.get(pk=idea.pk).text,
        280,
    )


@DB_EXAMPLES
@given(raw=ANY_TEXT)
def test_a_reason_is_stored_clean_or_refused(room, raw):
    session, ana = room
    at_step(session, "protest_ideas")
    with transaction.atomic():
        idea = idea_add(participant=ana, step_key="protest", text="A march")
        try:
            with transaction.atomic():
                idea_cross_out(idea=idea, reason=raw)
        except SessionError:
            transaction.set_rollback(True)
            return
        reason = Idea.objects.get(pk=idea.pk).crossed_out_reason
        if reason:
            assert_clean(reason, 200)
            assert "\n" not in reason
        transaction.set_rollback(True)


@DB_EXAMPLES
@given(raw=ANY_TEXT)
def test_an_answer_is_stored_clean_or_refused(room, raw):
    session, ana = room
    at_step(session, "protest_ideas")
    stored_or_refused(
        lambda: reflection_answer_save(participant=ana, step_key="protest", question=0, text=raw),
        lambda answer: ReflectionAnswer.objects.get(pk=answer.pk).text,
        1000,
    )


@DB_EXAMPLES
@given(raw=ANY_TEXT)
def test_a_note_is_stored_clean_or_refused(room, raw):
    session, ana = room
    at_step(session, "story")
    stored_or_refused(
        lambda: note_save(participant=ana, step_key="story", text=raw),
        lambda note: GroupNote.objects.get(pk=note.pk).text,
        2000,
    )


@hypothesis_settings(max_examples=150, deadline=None, database=None)
@given(raw=st.binary(max_size=2048))
def test_any_bytes_as_a_drawing_are_refused_or_a_png(raw):
    try:
        clean = clean_drawing(raw)
    except SessionError:
        return
    image = Image.open(io.BytesIO(clean.png))
    assert image.format == "PNG" and image.mode == "RGB"


@hypothesis_settings(max_examples=60, deadline=None, database=None)
@given(cut=st.integers(min_value=0, max_value=400), flip=st.integers(min_value=0, max_value=255))
def test_a_damaged_picture_is_refused_or_a_png(cut, flip):
    raw = bytearray(picture_bytes(size=(40, 30)))
    raw[min(cut, len(raw) - 1)] ^= flip
    try:
        clean = clean_drawing(bytes(raw[: len(raw) - cut]))
    except SessionError:
        return
    assert Image.open(io.BytesIO(clean.png)).format == "PNG"
