"""What a new user tripped on (issue 11): messages, languages and pages that answer with pages."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from lapor.broker import keys
from lapor.config import Settings
from lapor.i18n import MESSAGES, negotiate
from lapor.store.users import add_user
from tests.factories import PASSWORD, report_fields


async def test_seed_report_without_lokasi_says_it_is_required(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    response = await client.post(
        "/api/lapor",
        data={"nama": "Sari", "deskripsi": "Lampu kelas mati sejak pagi"},
        headers={"Accept": "application/json"},  # refusals are text/plain otherwise (issue 16)
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["lokasi"] == "Lokasi wajib diisi"
    english = await client.post(
        "/api/lapor",
        json={"nama": "Sari", "deskripsi": "Lampu kelas mati sejak pagi", "lokasi": None},
        headers={"Accept-Language": "en", "Accept": "application/json"},
    )
    assert english.json()["error"]["fields"]["lokasi"] == "Location is required"
    assert await redis.xlen(keys.COMMANDS) == 0


async def test_a_wrong_choice_is_listed_without_an_english_or(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/reports", json=report_fields(priority="kiamat"))
    message = response.json()["error"]["fields"]["priority"]
    assert message == "Tingkat urgensi harus salah satu dari: 'emergency', 'medium', 'normal'"


def test_no_indonesian_message_holds_an_english_or() -> None:
    offenders = {key: entry["id"] for key, entry in MESSAGES.items() if re.search(r"\bor\b", entry["id"])}
    assert offenders == {}


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("en;q=0.1, id;q=0.9", "id"),
        ("id;q=0.2, en;q=0.8", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("fr, en;q=0.5, id;q=0.4", "en"),
        ("en;q=0, id;q=0.1", "id"),
        ("en;q=nonsense", "id"),
        ("*", "id"),
        ("", "id"),
    ],
)
def test_accept_language_weighs_q_values(header: str, language: str) -> None:
    assert negotiate(header) == language


async def test_q_values_choose_the_language_of_an_answer(client: httpx.AsyncClient) -> None:
    headers = {"Accept-Language": "en;q=0.1, id;q=0.9"}
    response = await client.post("/api/reports", json={}, headers=headers)
    assert response.json()["error"]["fields"]["location"] == "Lokasi wajib diisi"
    page = await client.get("/", headers=headers)
    assert '<html lang="id"' in page.text


def test_the_readme_walk_through_follows_the_chosen_port() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "LAPOR_PORT" in quick_start
    curl_lines = [line for line in readme.splitlines() if line.startswith("curl ")]
    assert curl_lines
    assert all("$BASE/" in line and "8000" not in line for line in curl_lines)


async def test_the_sign_in_form_answers_at_its_own_address(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    page = await client.get("/staff/login", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'action="/staff/login"' in page.text and 'name="password"' in page.text
    await add_user(
        settings.resolved_database_url,
        username="tek",
        role="technician",
        display_name="Budi",
        password=PASSWORD,
    )
    token = re.search(r'name="csrf_token" value="(\w+)"', page.text)
    assert token
    signed_in = await client.post(
        "/staff/login", data={"username": "tek", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert signed_in.status_code == 303
    again = await client.get("/staff/login")
    assert again.status_code == 303 and again.headers["location"] == "/staff"


async def _form_tokens(client: httpx.AsyncClient) -> dict[str, str]:
    page = await client.get("/")
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))


@pytest.mark.parametrize("photo_first", [False, True])
async def test_a_photo_over_the_body_limit_gives_the_form_back_as_typed(
    client: httpx.AsyncClient, settings: Settings, redis: Redis, photo_first: bool
) -> None:
    typed = {
        **await _form_tokens(client),
        "reporter_name": "Sari",
        "reporter_contact": "0812000000",
        "category": "electrical",
        "location": "Gedung A, ruang 201",
        "description": "Lampu kelas mati sejak pagi",
        "priority": "emergency",
    }
    photo = b"\xff\xd8\xff" + b"\0" * (settings.max_body_bytes + 1024)
    files: list[tuple[str, tuple[str | None, bytes | str, str | None]]] = [
        (name, (None, value, None)) for name, value in typed.items()
    ]
    photo_part = ("photo", ("besar.jpg", photo, "image/jpeg"))
    files = [photo_part, *files] if photo_first else [*files, photo_part]
    answer = await client.post("/", files=files, headers={"Accept": "text/html"})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "Foto terlalu besar: maksimal 10 MB" in answer.text
    for name in ("reporter_name", "reporter_contact", "location"):
        assert f'value="{typed[name]}"' in answer.text, name
    assert "Lampu kelas mati sejak pagi</textarea>" in answer.text
    assert re.search(r'value="emergency"[^>]*checked', answer.text)
    assert "pilih lagi" in answer.text  # the photo must be chosen again
    assert await redis.xlen(keys.COMMANDS) == 0


async def test_the_api_still_refuses_an_over_limit_body_with_json(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    photo = b"\xff\xd8\xff" + b"\0" * (settings.max_body_bytes + 1024)
    answer = await client.post("/api/reports", data=report_fields(), files={"photo": ("besar.jpg", photo)})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
