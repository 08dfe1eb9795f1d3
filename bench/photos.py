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
