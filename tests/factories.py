"""Plain functions that make test data through the same doors a user would use."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image

from lapor.config import Settings
from lapor.store.users import add_user

PASSWORD = "correct horse battery staple"

# Storage and pipeline tests run on SQLite and on PostgreSQL.
both_backends = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@dataclass(frozen=True)
class StaffUser:
    username: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def create_staff(
    settings: Settings, client: httpx.AsyncClient, *, username: str, role: str
) -> StaffUser:
    """``lapor user add`` (operator path), then sign in over HTTP."""
    await add_user(
        settings.resolved_database_url,
        username=username,
        role=role,
        display_name=username.title(),
        password=PASSWORD,
    )
    response = await client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return StaffUser(username, role, response.json()["access_token"])


def report_fields(**overrides: Any) -> dict[str, Any]:
    fields = {
        "reporter_name": "Budi Santoso",
        "reporter_contact": "budi@kampus.ac.id",
        "category": "ac-ventilation",
        "location": "Gedung A, lantai 2, ruang 204",
        "description": "AC di ruang 204 bocor dan menetes ke meja dosen.",
        "priority": "emergency",
    }
    fields.update(overrides)
    return fields


def as_reporter(accepted: httpx.Response | dict[str, Any]) -> dict[str, str]:
    """The header that makes a read its reporter's, from the 202 of a new report."""
    body = accepted.json() if isinstance(accepted, httpx.Response) else accepted
    return {"X-Tracking-Token": body["tracking_token"]}


def jpeg_with_exif(width: int = 64, height: int = 32) -> bytes:
    """A JPEG that carries an orientation tag (rotate 90°) and a GPS position."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = image.getexif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "CameraMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"
    gps[2] = (6.0, 21.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes(width: int = 32, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 120, 0)).save(buffer, "PNG")
    return buffer.getvalue()


async def submit(client: httpx.AsyncClient, photo: bytes | None = None, **overrides: Any) -> httpx.Response:
    files = {"photo": ("kerusakan.jpg", photo, "image/jpeg")} if photo is not None else None
    return await client.post("/api/reports", data=report_fields(**overrides), files=files)
