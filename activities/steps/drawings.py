"""Drawings sent from phones: decoded with Pillow and saved anew as a PNG.

Whatever arrives (the drawing canvas's PNG, or a photo of a drawing on paper
from a phone without JavaScript) is decoded, turned upright, flattened onto
white, scaled down to a size a projector needs and written as a plain PNG:
no metadata, no trailing payload, nothing but pixels.
"""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ..services import SessionError

MAX_BYTES = 5 * 1024 * 1024  # a phone's photo of a paper drawing fits
MAX_PIXELS = 50_000_000  # what a phone camera takes, and no decompression bomb
MAX_SIDE = 1200  # the projector's share of the screen for one drawing
ACCEPTED = {"PNG", "JPEG", "WEBP", "GIF"}


@dataclass(frozen=True)
class CleanDrawing:
    png: bytes
    width: int
    height: int


def clean_drawing(raw):
    """The PNG to store, or SessionError with a message for the participant."""
    if not raw:
        raise SessionError(_("The drawing is empty."))
    if len(raw) > MAX_BYTES:
        raise SessionError(
            _("This drawing is too big: at most %(size)d MB.") % {"size": MAX_BYTES // 2**20}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ACCEPTED:
                    raise SessionError(_("Send a picture: PNG, JPEG, WebP or GIF."))
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise SessionError(_("This picture has too many pixels."))
                probe.verify()
            with Image.open(io.BytesIO(raw)) as original:
                original.draft("RGB", (MAX_SIDE * 2, MAX_SIDE * 2))  # fast decode of big JPEGs
                original.load()
                image = ImageOps.exif_transpose(original)
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                buffer = io.BytesIO()
                flat.save(buffer, format="PNG", optimize=True)
    except SessionError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise SessionError(_("This is not a picture. Send a PNG, JPEG, WebP or GIF.")) from None
    except (OSError, SyntaxError, ValueError):
        raise SessionError(_("This picture is damaged. Try again.")) from None
    return CleanDrawing(buffer.getvalue(), flat.width, flat.height)
