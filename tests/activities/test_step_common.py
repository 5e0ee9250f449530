"""The rules every step kind applies to what people type and send."""

import io

import pytest
from PIL import Image

from activities.services import SessionError
from activities.steps import drawings
from activities.steps.common import clean_text
from tests.factories import picture_bytes


def clean(raw, *, max_length=50, multiline=True):
    return clean_text(raw, max_length=max_length, multiline=multiline, what="A text")


class TestCleanText:
    def test_trims_and_collapses_spaces(self):
        assert clean("  march   to the   square  ") == "march to the square"

    def test_keeps_newlines_in_long_text_but_no_runs_of_blank_lines(self):
        assert clean("one\r\ntwo\n\n\n\n three ") == "one\ntwo\n\nthree"

    def test_a_single_line_field_turns_newlines_into_spaces(self):
        assert clean("one\ntwo", multiline=False) == "one two"

    def test_refuses_nul(self):
        with pytest.raises(SessionError, match="not allowed"):
            clean("a\x00b")

    @pytest.mark.parametrize("invisible", ["\u202e", "\u200b", "\x07", "\x1b", "\ufeff"])
    def test_drops_control_and_invisible_characters(self, invisible):
        assert clean(f"ab{invisible}c") == "abc"

    def test_keeps_the_joiners_scripts_and_emoji_need(self):
        assert clean("می\u200cخواهم 👩\u200d👩\u200d👧") == "می\u200cخواهم 👩\u200d👩\u200d👧"

    def test_is_nfc(self):
        assert clean("e\u0301") == "\u00e9"

    def test_the_limit_counts_the_cleaned_text(self):
        assert clean("  " + "x" * 50 + "  ") == "x" * 50
        with pytest.raises(SessionError, match="at most 50 characters"):
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
