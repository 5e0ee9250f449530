"""Checking and re-encoding the images of a case pack.

Every image is decoded with Pillow and saved anew, so what is served is a
plain PNG or JPEG with no metadata (camera location, author) and no trailing
payload, whatever the pack carried.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 4000
ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


class ImageRejected(ValueError):
    pass


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
                    raise ImageRejected(f"is a {image_format} image; use PNG, JPEG, GIF or WebP")
                if width > max_side or height > max_side:
                    raise ImageRejected(
                        f"is {width}×{height} pixels; at most {max_side}×{max_side} are allowed"
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
        raise ImageRejected("is not an image (PNG, JPEG, GIF or WebP)") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("is a damaged image") from None
    return CleanImage(buffer.getvalue(), extension, width, height)
