"""Checking and re-encoding the images of a case pack.

Every image is decoded with Pillow and saved anew, so what is served is a
plain PNG or JPEG with no metadata (camera location, author) and no trailing
payload, whatever the pack carried.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 4000
ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


class ImageRejected(ValueError):
    """Why an image is refused: a phrase about the file, in the active language
    ("is a damaged image"), that the caller puts after the file's path."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str
    width: int
    height: int

    @property
    def sha256(self):
        return hashlib.sha256(self.content).hexdigest()


def clean_image(raw, *, max_side=MAX_SIDE):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise ImageRejected(
                        # Translators: said of an image file of a case pack;
                        # %(format)s is the file's format as Pillow names it (BMP, TIFF…).
                        _("is a %(format)s image; use PNG, JPEG, GIF or WebP")
                        % {"format": image_format}
                    )
                if width > max_side or height > max_side:
                    raise ImageRejected(
                        # Translators: said of an image file of a case pack, e.g.
                        # "is 5000×300 pixels; at most 4000×4000 are allowed".
                        _("is %(width)d×%(height)d pixels; at most %(max)d×%(max)d are allowed")
                        % {"width": width, "height": height, "max": max_side}
                    )
                probe.verify()
            with Image.open(io.BytesIO(raw)) as original:
                original.load()
                # The orientation tag goes with the metadata: turn the pixels instead.
                image = ImageOps.exif_transpose(original)
                width, height = image.size
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                if image_format == "JPEG" and not has_alpha:
                    out_format, extension = "JPEG", "jpg"
                    image = image.convert("RGB")
                else:
                    out_format, extension = "PNG", "png"
                    image = image.convert("RGBA" if has_alpha else "RGB")
                buffer = io.BytesIO()
                image.save(buffer, format=out_format, optimize=True)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Translators: said of a file a case pack names as an image.
        raise ImageRejected(_("is not an image (PNG, JPEG, GIF or WebP)")) from None
    except (OSError, SyntaxError, ValueError):
        # Translators: said of an image file of a case pack.
        raise ImageRejected(_("is a damaged image")) from None
    return CleanImage(buffer.getvalue(), extension, width, height)
