"""What a new user tripped on (issue 11): messages, languages and pages that answer with pages."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from lapor.broker import keys
from lapor.i18n import MESSAGES, negotiate
from tests.factories import report_fields


async def test_seed_report_without_lokasi_says_it_is_required(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    response = await client.post(
        "/api/lapor", data={"nama": "Sari", "deskripsi": "Lampu kelas mati sejak pagi"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["lokasi"] == "Lokasi wajib diisi"
    english = await client.post(
        "/api/lapor",
        json={"nama": "Sari", "deskripsi": "Lampu kelas mati sejak pagi", "lokasi": None},
        headers={"Accept-Language": "en"},
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
