"""Intake under floods and resends: Idempotency-Key per request, the per-address limit, the
backlog bound, the free-disk floor, and a Redis that does not answer — all over HTTP."""

from __future__ import annotations

import asyncio
import io
import random
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from PIL import Image
from redis.asyncio import Redis
from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.app import create_app
from lapor.broker import keys
from lapor.broker.intake_script import RateLimit
from lapor.broker.pipe import ScriptPipe
from lapor.config import Settings
from lapor.services.categories import CategoryCache
from lapor.services.intake import INLINE_HASH_MAX_BYTES, address_scope
from lapor.store.models import Category
from tests.factories import jpeg_with_exif, report_fields


@asynccontextmanager
async def app_at(settings: Settings, *addresses: str) -> AsyncIterator[tuple[Any, list[httpx.AsyncClient]]]:
    """One running app, and a client for each source address."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(address, 50000)), base_url="http://lapor.test"
            )
            for address in addresses
        ]
        try:
            yield app, clients
        finally:
            for client in clients:
                await client.aclose()


def noisy_png(width: int = 600, height: int = 400) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), random.Random(3).randbytes(width * height * 3)).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


def multipart(fields: dict[str, str], photo: bytes | None, boundary: str) -> tuple[bytes, dict[str, str]]:
    """A form body written by hand, so that two sends differ only in their boundary."""
    out = b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    if photo is not None:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'.encode()
        out += b"Content-Type: image/jpeg\r\n\r\n" + photo + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


async def test_a_key_reused_for_another_report_is_refused_not_answered_with_the_first(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    first = await client.post("/api/reports", json=report_fields(), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 202
    other = report_fields(reporter_name="Sari", description="Proyektor di ruang 101 tidak menyala.")
    for lang, words in (("id", "sudah dipakai untuk laporan lain"), ("en", "already used for a different")):
        second = await client.post(
            "/api/reports", json=other, headers={"Idempotency-Key": "k-1", "Accept-Language": lang}
        )
        assert second.status_code == 422, second.text
        assert first.json()["id"] not in second.text and first.json()["tracking_token"] not in second.text
        assert words in second.json()["error"]["message"]
    seed = await client.post(
        "/api/lapor",
        json={"nama": "Sari", "lokasi": "R101", "deskripsi": "Proyektor mati total."},
        headers={"Idempotency-Key": "k-1"},
    )
    assert seed.status_code == 422 and first.json()["id"] not in seed.text
    assert await redis.xlen(keys.COMMANDS) == 1


async def test_the_same_form_with_another_boundary_gets_the_same_answer(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    fields = {k: str(v) for k, v in report_fields().items()}
    photo = noisy_png()
    assert len(photo) > INLINE_HASH_MAX_BYTES  # hashed in a thread, as a phone's photo is
    answers = []
    for boundary in ("first-send-boundary", "0123456789resend"):
        body, headers = multipart(fields, photo, boundary)
        response = await client.post(
            "/api/reports", content=body, headers={**headers, "Idempotency-Key": "k"}
        )
        assert response.status_code == 202, response.text
        answers.append(response.json())
    assert answers[0] == answers[1]
    other_photo, headers = multipart(fields, jpeg_with_exif(width=65), "b")
    response = await client.post(
        "/api/reports", content=other_photo, headers={**headers, "Idempotency-Key": "k"}
    )
    assert response.status_code == 422  # the same fields with another photo is another report
    assert await redis.xlen(keys.COMMANDS) == 1


async def test_the_per_address_limit_answers_429_and_resends_still_get_their_answer(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis
) -> None:
    settings = make_settings(database_url, intake_rate_limit=3, intake_rate_window_seconds=600)
    async with app_at(settings, "192.0.2.7", "192.0.2.8", "2001:db8:1:2::1", "2001:db8:1:2::99") as (
        _,
        clients,
    ):
        hall, elsewhere, phone, same_phone_new_address = clients
        accepted = []
        for i in range(3):
            response = await hall.post(
                "/api/reports", json=report_fields(), headers={"Idempotency-Key": f"r{i}"}
            )
            assert response.status_code == 202
            accepted.append(response.json())
        for lang, words in (("id", "kirim lagi dalam"), ("en", "send it again in")):
            refused = await hall.post("/api/reports", json=report_fields(), headers={"Accept-Language": lang})
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "too_many_requests"
            seconds = int(refused.headers["Retry-After"])
            assert 1 <= seconds <= 1200
            assert f"{words} {seconds}" in refused.json()["error"]["message"]
        # A resend of an accepted report is answered before the limit is looked at.
        again = await hall.post("/api/reports", json=report_fields(), headers={"Idempotency-Key": "r1"})
        assert again.status_code == 202 and again.json() == accepted[1]
        # The seed's endpoint and the student's page count against the same limit.
        seed = await hall.post(
            "/api/lapor", json={"nama": "A", "lokasi": "B", "deskripsi": "Lampu mati total"}
        )
        assert seed.status_code == 429 and "Retry-After" in seed.headers
        assert (await elsewhere.post("/api/reports", json=report_fields())).status_code == 202
        for _ in range(3):
            assert (await phone.post("/api/reports", json=report_fields())).status_code == 202
        # Another address in the same IPv6 /64 is the same phone or home.
        assert (await same_phone_new_address.post("/api/reports", json=report_fields())).status_code == 429
    assert await redis.xlen(keys.COMMANDS) == 3 + 1 + 3


async def test_the_student_page_shows_the_limit_as_a_page(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis
) -> None:
    settings = make_settings(database_url, intake_rate_limit=1)
    async with app_at(settings, "198.51.100.4") as (_, (browser,)):
        for expected in (303, 429):
            form = await browser.get("/")
            hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.text))
            fields = {**hidden, **report_fields(), "category": "electrical"}
            answer = await browser.post("/", data=fields)
            assert answer.status_code == expected, answer.text[:300]
        assert answer.headers["content-type"].startswith("text/html")
        assert "Retry-After" in answer.headers
        assert "Terlalu banyak laporan dari jaringan Anda" in answer.text
        assert 'value="Budi Santoso"' in answer.text  # what was typed is kept


async def test_a_full_backlog_answers_503_and_resends_still_get_their_answer(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis
) -> None:
    settings = make_settings(database_url, intake_max_backlog=2)
    async with app_at(settings, "192.0.2.7") as (_, (client,)):
        first = await client.post("/api/reports", json=report_fields(), headers={"Idempotency-Key": "a"})
        assert (await client.post("/api/reports", json=report_fields())).status_code == 202
        refused = await client.post("/api/reports", json=report_fields(), headers={"Accept-Language": "en"})
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
        assert "waiting to be processed" in refused.json()["error"]["message"]
        again = await client.post("/api/reports", json=report_fields(), headers={"Idempotency-Key": "a"})
        assert again.status_code == 202 and again.json() == first.json()
    assert await redis.xlen(keys.COMMANDS) == 2


async def test_photos_wait_for_free_disk_and_resends_still_get_their_answer(
    client: httpx.AsyncClient, settings: Settings, redis: Redis
) -> None:
    photo = {"photo": ("a.jpg", jpeg_with_exif(), "image/jpeg")}
    first = await client.post(
        "/api/reports", data=report_fields(), files=photo, headers={"Idempotency-Key": "p"}
    )
    assert first.status_code == 202
    settings.upload_min_free_bytes = 2**62  # more free space than any disk has
    refused = await client.post("/api/reports", data=report_fields(), files=photo)
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    assert "tanpa foto" in refused.json()["error"]["message"]
    assert (await client.post("/api/reports", data=report_fields())).status_code == 202  # without a photo
    again = await client.post(
        "/api/reports", data=report_fields(), files=photo, headers={"Idempotency-Key": "p"}
    )
    assert again.status_code == 202 and again.json() == first.json()
    assert len(list(settings.upload_dir.iterdir())) == 1  # the refused photo was not kept


async def test_twenty_submits_against_a_silent_redis_fail_together(settings: Settings, redis: Redis) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    app = create_app(settings)
    loop = asyncio.get_running_loop()
    try:
        async with app.router.lifespan_context(app):
            await app.state.intake_pipe.aclose()
            app.state.intake_pipe = ScriptPipe(port=port, db=9, timeout=1.0, connect_timeout=1.0)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://lapor.test") as client:
                started = loop.time()
                answers: list[Any] = await asyncio.gather(
                    *(client.post("/api/reports", json=report_fields()) for _ in range(20))
                )
                elapsed = loop.time() - started
                await app.state.intake_pipe.aclose()
    finally:
        server.close()
    assert [a.status_code for a in answers] == [503] * 20
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers)
    assert elapsed < 1.0 + 4.0, elapsed  # one timeout and a margin; one at a time it was 20 s


def test_the_limit_counts_an_ipv6_client_by_its_64() -> None:
    assert (
        address_scope("2001:db8:1:2:aaaa::1") == address_scope("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    )
    assert address_scope("::ffff:192.0.2.1") == address_scope("192.0.2.1") == "192.0.2.1"
    assert address_scope(None) == "unknown"


async def test_a_resend_is_answered_after_its_category_was_retired(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis, engine: AsyncEngine
) -> None:
    settings = make_settings(database_url)
    fields = report_fields(category="lift")
    async with engine.begin() as conn:  # an admin's own category (the database outlives this test)
        await conn.execute(
            insert(Category), {"slug": "lift", "name_id": "Lift", "name_en": "Lift", "position": 99}
        )
    try:
        async with app_at(settings, "192.0.2.7") as (app, (client,)):
            first = await client.post("/api/reports", json=fields, headers={"Idempotency-Key": "c"})
            assert first.status_code == 202
            async with engine.begin() as conn:  # the admin retires it; the API's list follows
                await conn.execute(update(Category).where(Category.slug == "lift").values(active=False))
            app.state.categories = CategoryCache(app.state.sessions)
            assert (await client.post("/api/reports", json=fields)).status_code == 422
            again = await client.post("/api/reports", json=fields, headers={"Idempotency-Key": "c"})
            assert again.status_code == 202 and again.json() == first.json()
            other = await client.post(
                "/api/reports",
                json={**fields, "description": "Another leak"},
                headers={"Idempotency-Key": "c"},
            )
            assert other.status_code == 422 and first.json()["id"] not in other.text
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(Category).where(Category.slug == "lift"))
    assert await redis.xlen(keys.COMMANDS) == 1


async def test_the_student_page_refuses_a_key_reused_for_another_report_and_offers_a_new_one(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    form = await client.get("/")
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.text))
    fields = {**hidden, **report_fields(), "category": "electrical"}
    assert (await client.post("/", data=fields)).status_code == 303
    edited = await client.post("/", data={**fields, "description": "Lampu koridor berkedip terus"})
    assert edited.status_code == 422 and "sudah dipakai untuk laporan lain" in edited.text
    again = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', edited.text))
    assert again["idempotency_key"] != hidden["idempotency_key"]  # sending the page again makes a new report
    assert (await client.post("/", data={**fields, **again})).status_code == 303
    assert await redis.xlen(keys.COMMANDS) == 2


def test_retry_after_is_when_one_more_report_fits_in_the_sliding_window() -> None:
    limit = RateLimit(scope="x", limit=10, window_seconds=60)
    # The current window is full: wait for the next one, and there until the previous count
    # (10, weighing in full at first) has slid down to leave room for one: 10 * (1 - f) <= 9.
    assert limit.retry_after(current=10, previous=0, elapsed=0.5) == 30 + 6
    # The previous window weighs 8 * 0.75 = 6, plus 4 now: one more would make 11; there is room
    # once 8 * (1 - f) + 4 <= 9, at f = 0.375 of the window: 7.5 s on, or 22.5 s from its start.
    assert limit.retry_after(current=4, previous=8, elapsed=0.25) == 8
    assert limit.retry_after(current=4, previous=8, elapsed=0.0) == 23
