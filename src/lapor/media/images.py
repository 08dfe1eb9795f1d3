"""Recognising and re-encoding photos by their content, never by name or Content-Type.

The API uses ``sniff`` to refuse obvious non-images at once; the worker uses ``reencode`` to
decode fully, strip metadata and write what is served.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
DISPLAY_MAX_SIDE = 1600
THUMBNAIL_MAX_SIDE = 320


class PhotoError(ValueError):
    """A photo we will not accept; ``code`` is a message-catalogue key."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    format: str
    width: int
    height: int


def sniff(data: bytes, *, max_pixels: int) -> PhotoInfo:
    """Read only the header: the format and the size, refusing what we do not accept."""
    with _opened(io.BytesIO(data), max_pixels=max_pixels) as image:
        return PhotoInfo(str(image.format), image.width, image.height)


@dataclass(frozen=True, slots=True)
class Rendition:
    display: Path
    thumbnail: Path


def reencode(source: Path, *, display: Path, thumbnail: Path, max_pixels: int) -> Rendition:
    """Decode the whole photo, turn it upright, and write a JPEG display image and thumbnail.

    Re-encoding from pixels drops EXIF (GPS included) and any payload hidden after the image.
    """
    with _opened(source, max_pixels=max_pixels) as image:
        try:
            if image.format == "JPEG":
                # Let the JPEG decoder scale down while decoding: far less work for big photos.
                image.draft("RGB", (DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
            image.load()
            upright = ImageOps.exif_transpose(image)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise PhotoError("photo.unreadable") from exc
        rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
    display.parent.mkdir(parents=True, exist_ok=True)
    shown = _fit(rgb, DISPLAY_MAX_SIDE)
    _save_jpeg(shown, display, quality=85)
    # A thumbnail is shown at a quarter of the size or less: the integer reduction (an area average,
    # no aliasing) may do nearly all of the work; a third of the time of the display's resize.
    _save_jpeg(_fit(shown, THUMBNAIL_MAX_SIDE, reducing_gap=1.0), thumbnail, quality=75)
    return Rendition(display, thumbnail)


class _opened:
    """``Image.open`` with our checks, as a context manager that always closes the file."""

    def __init__(self, source: io.BytesIO | Path, *, max_pixels: int) -> None:
        self._source = source
        self._max_pixels = max_pixels
        self._image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        try:
            with warnings.catch_warnings():
                # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse outright below.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image = Image.open(self._source, formats=None)
        except Image.DecompressionBombError as exc:
            raise PhotoError("photo.too_many_pixels") from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise PhotoError("photo.not_an_image") from exc
        self._image = image
        if image.format not in ALLOWED_FORMATS:
            image.close()
            raise PhotoError("photo.unsupported_format")
        if image.width * image.height > self._max_pixels:
            image.close()
            raise PhotoError("photo.too_many_pixels")
        return image

    def __exit__(self, *exc_info: object) -> None:
        if self._image is not None:
            self._image.close()


def _fit(image: Image.Image, max_side: int, *, reducing_gap: float = 2.0) -> Image.Image:
    """The image scaled to fit a ``max_side`` square (a new image; the same one if it fits)."""
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a fast integer reduction first, then a high-quality resample of what is left.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=reducing_gap)


def _save_jpeg(image: Image.Image, path: Path, *, quality: int) -> None:
    # Write then rename, so a reader never sees half a file and a crash leaves no torn photo.
    tmp = path.with_suffix(".tmp")
    image.save(tmp, "JPEG", quality=quality)
    tmp.replace(path)
