"""Recognising and re-encoding photos by their content, never by name or Content-Type.

The API uses ``sniff`` to refuse obvious non-images at once; the worker uses ``reencode`` to
decode fully, strip metadata and write what is served.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
DISPLAY_MAX_SIDE = 1600
THUMBNAIL_MAX_SIDE = 320

# A JPEG is scaled down while it is decoded (``draft``: 1/2, 1/4 or 1/8 of each side), so one at
# LAPOR_MAX_PHOTO_PIXELS (40 MP) costs the render process ~50 MB. The other formats are decoded
# whole before anything can shrink them, so they have lower ceilings, chosen to keep one decode
# near 100-170 MB (peak memory of the render process, measured, see docs/architecture.md) instead
# of the 330 MB a 6300 x 6300 PNG used to cost. 25 MP holds every phone camera's ordinary output
# (12 MP; 24 MP HEIC on recent iPhones: 5712 x 4284) and any screenshot. WebP costs about four
# times as much per pixel (Pillow decodes it into a buffer, then copies it) and no camera writes
# it: 8 MP is more than a browser-shrunk photo needs. An image with an alpha channel gets half of
# its format's ceiling: Pillow premultiplies alpha, one more whole copy, before it can shrink it.
FULL_DECODE_MAX_PIXELS = {"PNG": 25_000_000, "HEIF": 25_000_000, "WEBP": 8_000_000}


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


def reencode(source: Path | BinaryIO, *, display: Path, thumbnail: Path, max_pixels: int) -> Rendition:
    """Decode the whole photo, turn it upright, and write a JPEG display image and thumbnail.

    Re-encoding from pixels drops EXIF (GPS included) and any payload hidden after the image.
    Memory is bounded: a JPEG is reduced while decoding, anything else is at most
    ``FULL_DECODE_MAX_PIXELS`` and is reduced right after decoding, before any copy is made.
    Raises ``PhotoError`` for a photo that cannot be used, ``OSError`` when the files cannot be
    written (a storage failure, not the photo's fault).
    """
    with _opened(source, max_pixels=max_pixels) as image:
        try:
            if image.format == "JPEG":
                # Let the JPEG decoder scale down while decoding: far less work for big photos.
                image.draft("RGB", (DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
            image.load()
            upright = _reduced(image)
            ImageOps.exif_transpose(upright, in_place=True)  # no copy of an image already upright
            rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise PhotoError("photo.unreadable") from exc
        # Still inside ``with``: ``rgb`` may be the opened image itself, closed on the way out.
        display.parent.mkdir(parents=True, exist_ok=True)
        shown = _fit(rgb, DISPLAY_MAX_SIDE)
        _save_jpeg(shown, display, quality=85)
        # A thumbnail is shown at a quarter of the size or less: the integer reduction (an area
        # average, no aliasing) may do nearly all of the work; a third of the time of the display's.
        _save_jpeg(_fit(shown, THUMBNAIL_MAX_SIDE, reducing_gap=1.0), thumbnail, quality=75)
    return Rendition(display, thumbnail)


_REDUCIBLE_MODES = frozenset({"L", "LA", "PA", "I", "F", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr"})


def _reduced(image: Image.Image) -> Image.Image:
    """A decoded image shrunk by an integer factor (a box average, no aliasing) to no less than the
    display size, so that turning it upright and converting it copy a few MB, not the whole decode."""
    factor = max(image.size) // DISPLAY_MAX_SIDE
    if factor < 2:
        return image
    if image.mode not in _REDUCIBLE_MODES:  # palette, 1-bit, 16-bit grey: at most 2 bytes a pixel
        image = image.convert("RGB")
    smaller = image.reduce(factor)
    smaller.info = image.info  # the EXIF orientation, for exif_transpose
    return smaller


def render_upload(source: str, display: str, thumbnail: str, max_pixels: int) -> tuple[str, str]:
    """Render one upload; what the worker's photo process runs. Never raises for the expected:

    ``("ready", "")``; ``("unusable", <catalogue key>)`` when the photo cannot be decoded; or
    ``("storage", <message>)`` when the upload cannot be read or the photos cannot be written,
    the message naming the directory and the error (a failed attempt, retried with backoff).
    """
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below; a missing upload is not the photo's fault
    except OSError as exc:
        return "storage", f"cannot read the upload in {Path(source).parent}: {_describe(exc)}"
    with handle:
        try:
            reencode(handle, display=Path(display), thumbnail=Path(thumbnail), max_pixels=max_pixels)
        except PhotoError as exc:
            return "unusable", exc.code
        except OSError as exc:
            return "storage", f"cannot write photos to {Path(display).parent}: {_describe(exc)}"
    return "ready", ""


def _describe(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"


class _opened:
    """``Image.open`` with our checks, as a context manager that always closes the file."""

    def __init__(self, source: io.BytesIO | Path | BinaryIO, *, max_pixels: int) -> None:
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
        ceiling = self._max_pixels
        if image.format in FULL_DECODE_MAX_PIXELS:  # decoded whole, not reduced while decoding
            ceiling = min(ceiling, FULL_DECODE_MAX_PIXELS[str(image.format)])
            if image.mode.endswith(("A", "a")):  # shrinking an image with alpha copies it once more
                ceiling //= 2
        if image.width * image.height > ceiling:
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
