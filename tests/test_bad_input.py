"""Bad input gets a clear 4xx, is never stored, and never crashes anything."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import httpx
from redis.asyncio import Redis

from lapor.broker import keys
from lapor.config import Settings
from lapor.domain.commands import CreateReport
from lapor.media import store
from lapor.services.intake import hash_tracking_token
from tests.factories import as_reporter, jpeg_with_exif, png_bytes, report_fields, submit


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims 900 million pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 4)  # a few rows are enough for the header
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


async def test_missing_fields_name_each_field(client: httpx.AsyncClient, redis: Redis) -> None:
    response = await client.post("/api/reports", data={"description": "pendek"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"reporter_name", "location", "description"}
    assert error["fields"]["reporter_name"] == "Nama wajib diisi"
    assert "minimal 10 karakter" in error["fields"]["description"]
    english = await client.post("/api/reports", json={}, headers={"Accept-Language": "en"})
    assert english.json()["error"]["fields"]["location"] == "Location is required"
    assert await redis.xlen(keys.COMMANDS) == 0


async def test_unknown_category_and_priority(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/reports", json=report_fields(category="teleportasi"))
    assert response.status_code == 422
    assert "electrical" in response.json()["error"]["fields"]["category"]
    response = await client.post("/api/reports", json=report_fields(priority="kiamat"))
    assert response.status_code == 422
    assert "emergency" in response.json()["error"]["fields"]["priority"]


async def test_json_body_without_photo_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/reports", json=report_fields(title="AC bocor"))
    assert response.status_code == 202
    assert (await client.get(response.json()["links"]["self"])).json()["title"] == "AC bocor"


async def test_malformed_json_and_wrong_content_type(client: httpx.AsyncClient) -> None:
    bad = await client.post(
        "/api/reports", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["message"]
    text = await client.post("/api/reports", content=b"hello", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415


async def test_twenty_mib_body_is_refused_before_reading(client: httpx.AsyncClient, redis: Redis) -> None:
    photo = b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024)
    response = await submit(client, photo=photo)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert await redis.xlen(keys.COMMANDS) == 0


async def test_a_body_without_length_is_cut_at_the_limit(client: httpx.AsyncClient, redis: Redis) -> None:
    boundary = "lapor-boundary"

    async def chunked_multipart() -> Any:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        for _ in range(12):  # 12 MiB, sent without a Content-Length
            yield b"\xff" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        "/api/reports",
        content=chunked_multipart(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert await redis.xlen(keys.COMMANDS) == 0


async def test_text_file_named_jpg_is_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.post(
        "/api/reports", data=report_fields(), files={"photo": ("foto.jpg", b"just some text", "image/jpeg")}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["photo"].startswith("Berkas foto bukan gambar")
    assert not any(settings.upload_dir.glob("*")) if settings.upload_dir.exists() else True


async def test_svg_is_refused(client: httpx.AsyncClient) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = await client.post(
        "/api/reports", data=report_fields(), files={"photo": ("foto.svg", svg, "image/svg+xml")}
    )
    assert response.status_code == 422
    assert "photo" in response.json()["error"]["fields"]


async def test_decompression_bomb_is_refused_at_the_door(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/reports", data=report_fields(), files={"photo": ("bomb.png", bomb_png(), "image/png")}
    )
    assert response.status_code == 422
    assert "Resolusi foto terlalu besar" in response.json()["error"]["fields"]["photo"]


async def test_a_bomb_that_reaches_the_worker_keeps_the_report_with_an_unusable_photo(
    client: httpx.AsyncClient, redis: Redis, settings: Settings, drain: Callable[..., Any]
) -> None:
    # As if an older API had let it through: the worker must refuse it on its own.
    upload = store.save_upload(settings.upload_dir, bomb_png())
    command = CreateReport(
        report_id="0b9f8a38-5a52-4c36-9a0c-1f1c2b4e9d10",
        tracking_token_hash=hash_tracking_token("the-reporters-token"),
        reporter_name="Ani",
        category="other",
        location="Perpustakaan",
        title="Foto besar",
        description="Foto ini terlalu besar untuk diproses.",
        upload=upload,
    )
    await redis.xadd(
        keys.COMMANDS, {"type": command.type, "id": command.command_id, "data": command.model_dump_json()}
    )
    await drain()
    headers = {"Accept-Language": "en", "X-Tracking-Token": "the-reporters-token"}
    view = (await client.get(f"/api/reports/{command.report_id}", headers=headers)).json()
    assert view["status"] == "pending"  # stored, and no longer rejected for its photo
    assert view["photo_status"] == "unusable"
    assert view["photo_url"] is None
    assert view["timeline"][-1]["kind"] == "photo"
    assert (
        view["timeline"][-1]["note"] == "The photo's resolution is too large; send an ordinary camera photo"
    )
    assert await redis.xlen(keys.DEAD_LETTERS) == 0


async def test_path_traversal_filename_is_ignored(
    client: httpx.AsyncClient, settings: Settings, drain: Callable[..., Any]
) -> None:
    response = await client.post(
        "/api/reports",
        data=report_fields(),
        files={"photo": ("../../../../etc/cron.d/evil.jpg", png_bytes(), "image/png")},
    )
    assert response.status_code == 202
    stored = [p.name for p in settings.upload_dir.iterdir()]
    assert len(stored) == 1 and store.is_upload_name(stored[0])
    await drain()
    view = (await client.get(response.json()["links"]["self"], headers=as_reporter(response))).json()
    assert view["photo_url"].startswith("/media/photos/") and "evil" not in view["photo_url"]
    assert (await client.get("/media/photos/..%2F..%2Fetc%2Fpasswd")).status_code == 404
    assert not list(settings.upload_dir.iterdir())  # the raw upload is gone after the commit


async def test_html_in_description_is_stored_as_text(
    client: httpx.AsyncClient, drain: Callable[..., Any]
) -> None:
    html = '<script>alert("x")</script><img src=x onerror=alert(1)> Pintu rusak'
    response = await client.post("/api/reports", json=report_fields(description=html))
    await drain()
    view = await client.get(response.json()["links"]["self"], headers=as_reporter(response))
    assert view.headers["content-type"] == "application/json"
    assert view.headers["x-content-type-options"] == "nosniff"
    assert view.json()["description"] == html  # the same characters back, never interpreted


async def test_unknown_report_is_404_and_bad_id_too(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/reports/6f1d2c3b-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert (await client.get("/api/reports/../../etc/passwd")).status_code == 404
    assert (await client.get("/api/reports/not-an-id")).status_code == 404


async def test_heic_and_webp_are_accepted(client: httpx.AsyncClient, drain: Callable[..., Any]) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 200)).save(buffer, "WEBP")
    webp = await client.post(
        "/api/reports", data=report_fields(), files={"photo": ("a.webp", buffer.getvalue(), "image/webp")}
    )
    heic_buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 20)).save(heic_buffer, "HEIF")
    heic = await client.post(
        "/api/reports",
        data=report_fields(),
        files={"photo": ("a.heic", heic_buffer.getvalue(), "image/heic")},
    )
    jpeg = await submit(client, photo=jpeg_with_exif())
    assert webp.status_code == heic.status_code == jpeg.status_code == 202
    await drain()
    for response in (webp, heic, jpeg):
        view = (await client.get(response.json()["links"]["self"], headers=as_reporter(response))).json()
        assert view["status"] == "pending" and view["photo_url"]


# One route of each family that takes a JSON body (report intake, the original project's API,
# staff changes, sign-in, push subscriptions); the body is parsed before anyone is asked who is
# sending, so anonymous requests reach the parser too.
JSON_ROUTES = [
    ("POST", "/api/reports"),
    ("POST", "/api/lapor"),
    ("PATCH", "/api/reports/00000000-0000-4000-8000-000000000000"),
    ("POST", "/api/reports/00000000-0000-4000-8000-000000000000/comments"),
    ("PUT", "/api/lapor/00000000-0000-4000-8000-000000000000"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/reports/00000000-0000-4000-8000-000000000000/push-subscriptions"),
    ("POST", "/api/staff/push-subscriptions"),
    ("POST", "/api/push/unsubscribe"),
]


async def test_pathological_json_is_a_clear_422_on_every_json_route(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    deep = b'{"description": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    long_number = b'{"description": ' + b"7" * 5_000 + b"}"
    for method, path in JSON_ROUTES:
        for body, words in ((deep, "nested too deeply"), (long_number, "at most 4300 digits")):
            response = await client.request(
                method,
                path,
                content=body,
                # Accept: the original project's POST /api/lapor answers refusals as text otherwise.
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Accept-Language": "en",
                },
            )
            assert response.status_code == 422, (method, path, response.text[:200])
            error = response.json()["error"]
            assert error["code"] == "validation_error"
            assert words in error["message"], (method, path, error)
    assert await redis.xlen(keys.COMMANDS) == 0
