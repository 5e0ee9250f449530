"""The rules every step kind applies to what people type and send."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from activities import retention, services
from activities.models import GroupNote, Idea, ReflectionAnswer, StepState, UdhrTap
from activities.services import SessionError
from activities.steps import drawings
from activities.steps.common import clean_text
from activities.steps.protest_ideas import idea_add, idea_cross_out, reflection_answer_save
from activities.steps.story import note_feature, note_save
from activities.steps.udhr_intro import udhr_tap_set
from tests.factories import at_step, join, live_session, picture_bytes


def clean(raw, *, max_length=50, multiline=True):
    return clean_text(raw, max_length=max_length, multiline=multiline, what="A text")


class TestCleanText:
    """The step kinds apply the app's text rules (activities.textrules)."""

    def test_a_line_is_trimmed_with_single_spaces(self):
        assert clean("  march   to the  square  ", multiline=False) == "march to the square"

    def test_long_text_keeps_its_lines(self):
        assert clean("\n one  \r\n  two\r\n\nthree \n") == "one\n  two\n\nthree"

    def test_nothing_left_is_empty_not_refused(self):
        assert clean("  \n \t ") == ""

    @pytest.mark.parametrize("invisible", ["\x00", "\u202e", "\u200b", "\x07", "\ufeff", "\ufffd"])
    def test_refuses_control_and_invisible_characters(self, invisible):
        with pytest.raises(SessionError, match="control or invisible characters"):
            clean(f"ab{invisible}c")

    def test_keeps_a_joiner_between_emoji(self):
        assert clean("👩\u200d💻 hackathon") == "👩\u200d💻 hackathon"

    def test_is_nfc(self):
        assert clean("e\u0301") == "\u00e9"

    def test_the_limit_counts_the_cleaned_text_and_names_the_field(self):
        assert clean("  " + "x" * 50 + "  ") == "x" * 50
        with pytest.raises(SessionError, match="A text can be at most 50 characters long"):
            clean("x" * 51)


class TestDrawings:
    def decoded(self, clean):
        image = Image.open(io.BytesIO(clean.png))
        assert image.size == (clean.width, clean.height)
        image.load()
        return image

    def test_a_png_comes_out_a_png_on_white(self):
        transparent = picture_bytes(colour=(0, 0, 0, 0))
        image = self.decoded(drawings.clean_drawing(transparent))
        assert image.format == "PNG"
        assert image.mode == "RGB"
        assert image.getpixel((5, 5)) == (255, 255, 255)

    @pytest.mark.parametrize("image_format", ["JPEG", "WEBP", "GIF"])
    def test_other_pictures_become_pngs(self, image_format):
        raw = picture_bytes(image_format=image_format)
        image = self.decoded(drawings.clean_drawing(raw))
        assert image.format == "PNG"
        assert image.size == (120, 90)

    def test_a_big_photo_is_scaled_down(self):
        raw = picture_bytes(size=(3000, 1500), image_format="JPEG")
        image = self.decoded(drawings.clean_drawing(raw))
        assert image.size == (drawings.MAX_SIDE, drawings.MAX_SIDE // 2)

    def test_metadata_is_dropped(self):
        original = Image.new("RGB", (40, 30), "red")
        exif = Image.Exif()
        exif[0x010E] = "secret description"
        buffer = io.BytesIO()
        original.save(buffer, format="JPEG", exif=exif)
        clean = drawings.clean_drawing(buffer.getvalue())
        assert b"secret description" not in clean.png
        assert not self.decoded(clean).info.get("exif")

    @pytest.mark.parametrize(
        "raw, message",
        [
            (b"", "empty"),
            (b"<script>alert(1)</script>", "not a picture"),
            (b"%PDF-1.4 not a picture", "not a picture"),
        ],
    )
    def test_what_is_not_a_picture_is_refused(self, raw, message):
        with pytest.raises(SessionError, match=message):
            drawings.clean_drawing(raw)

    def test_a_damaged_picture_is_refused(self):
        raw = picture_bytes(size=(200, 200))
        with pytest.raises(SessionError, match="damaged|not a picture"):
            drawings.clean_drawing(raw[: len(raw) // 2])

    def test_an_unsupported_format_is_refused(self):
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, format="BMP")
        with pytest.raises(SessionError, match="PNG, JPEG, WebP or GIF"):
            drawings.clean_drawing(buffer.getvalue())

    def test_too_many_bytes_are_refused(self, monkeypatch):
        monkeypatch.setattr(drawings, "MAX_BYTES", 100)
        with pytest.raises(SessionError, match="too big"):
            drawings.clean_drawing(picture_bytes())

    def test_too_many_pixels_are_refused(self, monkeypatch):
        monkeypatch.setattr(drawings, "MAX_PIXELS", 100 * 100)
        with pytest.raises(SessionError, match="too many pixels"):
            drawings.clean_drawing(picture_bytes(size=(101, 100)))


@pytest.mark.django_db
class TestRetention:
    """Purging a session's data deletes what people wrote, drew, answered and
    tapped in steps 1 and 2 and the UDHR introduction, files included."""

    def test_everything_goes_and_anonymous_counts_stay(
        self, django_capture_on_commit_callbacks, client
    ):
        session = live_session(group_size=2)
        ana, ben = join(session, "Zorblaxia"), join(session, "Quaxelot")
        session = at_step(session, "udhr_intro")
        udhr_tap_set(participant=ana, step_key="udhr", article=19, used=True)
        session = at_step(session, "protest_ideas")
        drawn = idea_add(participant=ana, step_key="protest", text="", drawing=picture_bytes())
        idea_cross_out(idea=idea_add(participant=ben, step_key="protest", text="Zorblaxia march"))
        reflection_answer_save(participant=ben, step_key="protest", question=0, text="Zorblaxia")
        session = at_step(session, "story")
        note_save(participant=ana, step_key="story", text="Zorblaxia thinks")
        note_feature(session=session, step_key="story", group=ana.group)
        storage, name = drawn.drawing.storage, drawn.drawing.name
        services.session_end(session=session)

        with django_capture_on_commit_callbacks(execute=True):
            session = retention.purge_session(session)

        for model in (Idea, GroupNote, ReflectionAnswer, UdhrTap, StepState):
            assert not model.objects.filter(session=session).exists(), model.__name__
        assert not storage.exists(name)
        # Other step kinds keep counts of their own beside these.
        expected = {
            "ideas": 2,
            "drawings": 1,
            "ideas_crossed_out": 1,
            "ideas_about_assembly": 0,
            "ideas_about_expression": 0,
            "reflection_answers": 1,
            "group_notes": 1,
            "note_groups": 1,
            "udhr_taps": 1,
            "udhr_people": 1,
            "participants": 2,
            "groups": 1,
        }
        assert session.kept_counts.items() >= expected.items()
        # The session summary still counts them, and says the rest is gone.
        client.force_login(session.facilitator)
        html = client.get(reverse("session_summary", args=[session.room_code])).content.decode()
        assert "2 ideas" in html and "1 of them drawn" in html and "1 crossed out" in html
        assert "1 answer to the reflection questions" in html
        assert "1 group wrote a note" in html
        assert "1 person said which rights they used that day" in html
        assert "The ideas and answers have been deleted" in html
        assert "Zorblaxia" not in html
