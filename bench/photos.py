"""The photo every benchmark sends: a phone-like JPEG of about 30 KiB."""

from __future__ import annotations

import io

from PIL import Image


def camera_jpeg(size: tuple[int, int] = (1280, 960), quality: int = 60) -> bytes:
    """Smooth gradients with a little sensor noise: compresses like a real photo, unlike a flat colour."""
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 12)
    image = Image.merge("RGB", (gradient, Image.blend(gradient, noise, 0.3), noise.point(lambda v: v // 2)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
