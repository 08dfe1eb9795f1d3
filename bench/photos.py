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


BOUNDARY = "----lapor-bench-boundary"
MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def multipart_body(fields: dict[str, str], *, file_field: str, photo: bytes) -> bytes:
    """A form with a JPEG, encoded once up front: the load generator's own CPU stays off the
    measurement (httpx's multipart encoder cost most of a core at 200 reports/s here)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="kerusakan.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    return b"".join(parts) + head.encode() + photo + f"\r\n--{BOUNDARY}--\r\n".encode()


def heavy_png(side: int = 5000) -> bytes:
    """A PNG that is small on the wire (~100 KiB) and costly to decode: ``side``² pixels of lines.

    At 5000 x 5000 (25 MP) it is the largest PNG the limits accept (a 6300 x 6300 one, 39.7 MP,
    is refused at the door since PNGs are decoded whole; see media/images.py).
    """
    from PIL import ImageDraw

    image = Image.new("RGB", (side, side), (230, 230, 230))
    draw = ImageDraw.Draw(image)
    for x in range(0, side, 50):
        draw.line([(x, 0), (side - x, side)], fill=(x % 255, 40, 90), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
