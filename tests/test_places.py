"""Places (issue 13): the registry, its CSV import through the broker, search, reports naming a
room, filters, QR labels and the room page — over the real app, Redis and database."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from lapor.broker import keys
from lapor.config import Settings
from lapor.domain.places import parse_csv
from lapor.services.places_import import import_file
from lapor.store.users import add_user
from tests.factories import PASSWORD, StaffUser, both_backends, report_fields, submit
from tests.live import live_api
from tests.test_sse import read_events

CSV = """code,building,floor,name,name_en,building_name,campus
GDA-201,GDA,2,Ruang Kuliah 201,Lecture Room 201,Gedung A,Kampus Utama
GDA-202,GDA,2,Ruang Kuliah 202,,,
LAB.KIM-1,LABKIM,B1,Laboratorium Kimia,Chemistry Lab,Gedung Lab Kimia,
"""


async def import_csv(
    settings: Settings, redis: Redis, drain: Callable[[], Any], tmp_path: Path, content: str
) -> Any:
    """``lapor places import`` in process: the command goes through Redis and a worker answers."""
    path = tmp_path / "places.csv"
    path.write_text(content, encoding="utf-8")
    task = asyncio.create_task(import_file(settings, path, wait_seconds=30))
    async with asyncio.timeout(30):
        while not task.done() and await redis.xlen(keys.COMMANDS) == 0:
            await asyncio.sleep(0.01)
    await drain()
    return await asyncio.wait_for(task, timeout=30)


def test_csv_rows_are_checked_with_their_line_numbers() -> None:
    content = (
        "code,building,floor,name\n"
        "GDA-201,GDA,2,Ruang 201\n"
        "gda-201,GDA,2,Again\n"  # the same code in another case
        "-BAD,GDA,2,Ruang\n"
        "GDA-203,GDA,,Ruang\n"
        "GDA-204,GDA,2,Ruang,extra\n"
    )
    rows, errors = parse_csv(content)
    assert [(e.line, e.reason.split()[0]) for e in errors] == [
        (3, "code"),
        (4, "code"),
        (5, "floor"),
        (6, "more"),
    ]
    assert "repeats line 2" in errors[0].reason
    assert "does not match" in errors[1].reason
    assert [row.code for row in rows] == ["GDA-201"]
    _rows, header = parse_csv("kode,gedung\nA,B\n")
    assert header[0].line == 1 and "lacks code" in header[0].reason


@both_backends
async def test_import_goes_through_the_worker_and_reimport_updates_by_code(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    admin: StaffUser,
) -> None:
    outcome = await import_csv(settings, redis, drain, tmp_path, CSV)
    assert outcome.ok, outcome.lines
    assert outcome.lines == ["3 rooms added, 0 updated, 2 buildings"]
    # The import is an admin change like any other: one audit row says what it did.
    audit = await client.get("/api/admin/audit", params={"target_type": "places"}, headers=admin.headers)
    (entry,) = audit.json()["items"]
    assert entry["action"] == "places.import" and entry["target"] == "3 rooms"
    assert entry["after"] == {
        "added": 3,
        "updated": 0,
        "buildings": 2,
        "rooms": ["GDA-201", "GDA-202", "LAB.KIM-1"],
        "more_rooms": 0,
    }
    again = CSV.replace("Ruang Kuliah 202,,,", "Ruang Seminar 202,,,")
    outcome = await import_csv(settings, redis, drain, tmp_path, again)
    assert outcome.lines == ["0 rooms added, 3 updated, 2 buildings"]
    found = (await client.get("/api/places", params={"q": "seminar"})).json()["items"]
    assert found == [
        {
            "code": "GDA-202",
            "name": "Ruang Seminar 202",
            "name_en": None,
            "building": "GDA",
            "building_name": "Gedung A",
            "floor": "2",
        }
    ]


async def test_a_bad_row_imports_nothing_and_the_cli_says_which_line(
    settings: Settings, redis: Redis, drain: Callable[[], Any], tmp_path: Path, client: httpx.AsyncClient
) -> None:
    bad = CSV + "GDA 301,GDA,3,Ruang\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    outcome = await import_file(settings, path, wait_seconds=5)
    assert not outcome.ok
    assert outcome.lines[0].startswith("line 5: code 'GDA 301' does not match")
    assert outcome.lines[-1] == "nothing was imported"
    assert await redis.xlen(keys.COMMANDS) == 0  # refused before anything travelled
    assert (await client.get("/api/places", params={"q": "GDA"})).json()["items"] == []


async def test_search_is_prefix_then_substring_at_most_20_and_leaves_retired_rooms_out(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    admin: StaffUser,
) -> None:
    rows = "".join(f"R-{n:03d},RB,1,Ruang {n}\n" for n in range(30))
    await import_csv(settings, redis, drain, tmp_path, "code,building,floor,name\nXR-1,RB,1,Ruang X\n" + rows)
    items = (await client.get("/api/places", params={"q": "r-"})).json()["items"]
    assert len(items) == 20 and items[0]["code"] == "R-000"
    items = (await client.get("/api/places", params={"q": "ruang x"})).json()["items"]
    assert [i["code"] for i in items] == ["XR-1"]
    task = asyncio.create_task(
        client.post(
            "/api/admin/places",
            json={"code": "xr-1", "building": "RB", "floor": "1", "name": "Ruang X", "retired": True},
            headers=admin.headers,
        )
    )
    async with asyncio.timeout(30):
        while await redis.xlen(keys.COMMANDS) == 0:
            await asyncio.sleep(0.01)
    await drain()
    response = await task
    assert response.status_code == 200 and response.json()["ok"] is True, response.text
    assert (await client.get("/api/places", params={"q": "ruang x"})).json()["items"] == []
    assert (await client.get("/api/places", params={"q": ""})).status_code == 422


@both_backends
async def test_a_report_names_a_room_and_lists_filter_by_room_and_building(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    admin: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    accepted = await submit(client, room="gda-201")
    assert accepted.status_code == 202, accepted.text
    room = {
        "code": "GDA-201",
        "name": "Ruang Kuliah 201",
        "building": "GDA",
        "building_name": "Gedung A",
        "floor": "2",
    }
    queued = (await client.get(accepted.headers["Location"])).json()
    assert queued["room"] == room
    await submit(client)  # no room: location only
    await drain()
    stored = (await client.get(accepted.headers["Location"])).json()
    assert stored["room"] == room and stored["location"] == report_fields()["location"]
    for params in ({"room": "GDA-201"}, {"building": "gda"}):
        items = (await client.get("/api/reports", params=params)).json()["items"]
        assert [i["id"] for i in items] == [accepted.json()["id"]]
    assert (await client.get("/api/reports", params={"room": "no such!"})).status_code == 422


async def test_an_unknown_or_retired_room_is_a_422_naming_the_field(
    settings: Settings, redis: Redis, drain: Callable[[], Any], tmp_path: Path, client: httpx.AsyncClient
) -> None:
    retired = "code,building,floor,name,retired\nGDA-201,GDA,2,Ruang 201,no\nOLD-1,GDA,1,Gudang lama,yes\n"
    await import_csv(settings, redis, drain, tmp_path, retired)
    sent = await redis.xlen(keys.COMMANDS)
    for room in ("GDA-999", "OLD-1", "not a code at all"):
        response = await submit(client, room=room)
        assert response.status_code == 422, response.text
        assert "room" in response.text
    assert await redis.xlen(keys.COMMANDS) == sent


async def test_the_form_without_javascript_takes_a_room_name(
    settings: Settings, redis: Redis, drain: Callable[[], Any], tmp_path: Path, client: httpx.AsyncClient
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    page = await client.get("/", params={"room": "GDA-201"})
    assert 'value="GDA-201"' in page.text
    csrf = client.cookies.get("lapor_csrf") or ""
    fields = {**report_fields(), "room": "chemistry lab", "idempotency_key": "k1"}
    token_field = _csrf_field(page.text)
    fields[token_field[0]] = token_field[1]
    response = await client.post("/", data=fields)
    assert response.status_code == 303, response.text[:2000]
    await drain()
    report_id = response.headers["location"].split("/r/")[1].split("#")[0]
    assert (await client.get(f"/api/reports/{report_id}")).json()["room"]["code"] == "LAB.KIM-1"
    assert csrf is not None


def _csrf_field(html: str) -> tuple[str, str]:
    import re

    found = re.search(r'name="(csrf[^"]*)" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1), found.group(2)


async def test_room_page_lists_open_reports_and_links_the_form_with_the_room(
    settings: Settings, redis: Redis, drain: Callable[[], Any], tmp_path: Path, client: httpx.AsyncClient
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    await submit(client, room="GDA-201", description="Proyektor di ruang 201 mati total sejak pagi.")
    await drain()
    page = await client.get("/q/gda-201")
    assert page.status_code == 200
    assert "Ruang Kuliah 201" in page.text and "Proyektor di ruang 201 mati total sejak pagi." in page.text
    assert "/?room=GDA-201" in page.text
    assert len(page.content) < 20_000  # small for a phone on campus Wi-Fi
    for code in ("NOPE-1", "bad code!"):
        missing = await client.get(f"/q/{code}")
        assert missing.status_code == 404 and 'href="/"' in missing.text


async def test_room_stream_carries_a_new_report_of_the_room_and_only_its_public_fields(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    env_for: Callable[..., dict[str, str]],
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    with live_api(env_for()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            assert (await http.get("/api/places/NOPE-1/events")).status_code == 404
            async with http.stream("GET", "/api/places/gda-201/events") as stream:
                await submit(http, room="GDA-202")  # another room: not on this stream
                mine = await submit(http, room="GDA-201")
                await drain()
                (event,) = await read_events(stream, 1)
    data = event["data"]
    assert event["event"] == "status" and data["id"] == mine.json()["id"] and data["room"] == "GDA-201"
    assert data["report"]["room"]["code"] == "GDA-201" and data["report"]["status"] == "pending"
    assert "reporter" not in json.dumps(data) and data["note"] is None and data["by"] is None


async def test_label_pdf_holds_a_qr_code_of_the_room_page(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    admin: StaffUser,
) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    await import_csv(settings, redis, drain, tmp_path, CSV)
    response = await client.get(
        "/api/admin/places/labels.pdf", params={"building": "gda"}, headers=admin.headers
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    page = pdfium.PdfDocument(io.BytesIO(response.content))[0]
    image = page.render(scale=1.5).to_pil()
    decoded = sorted(result.text for result in zxingcpp.read_barcodes(image))
    assert decoded == [
        f"{settings.resolved_public_url}/q/GDA-201",
        f"{settings.resolved_public_url}/q/GDA-202",
    ]
    for params, status in (
        ({"building": "NOPE"}, 404),
        ({"building": "bad code"}, 422),
        ({"rooms": "GDA-201,NOPE-9"}, 422),
        ({}, 422),
    ):
        refused = await client.get("/api/admin/places/labels.pdf", params=params, headers=admin.headers)
        assert refused.status_code == status, (params, refused.text)
    assert (await client.get("/api/admin/places/labels.pdf", params={"building": "GDA"})).status_code == 401
    csv_text = (await client.get("/api/admin/places.csv", headers=admin.headers)).text
    rows, errors = parse_csv(csv_text)
    assert not errors and {row.code for row in rows} == {"GDA-201", "GDA-202", "LAB.KIM-1"}


async def _sign_in_admin(client: httpx.AsyncClient, settings: Settings) -> str:
    await add_user(
        settings.resolved_database_url,
        username="boss",
        role="admin",
        display_name="Bu Admin",
        password=PASSWORD,
    )
    page = await client.get("/staff")
    token = re.search(r'name="csrf_token" value="(\w+)"', page.text)
    assert token
    form = {"username": "boss", "password": PASSWORD, "csrf_token": token.group(1)}
    assert (await client.post("/staff/login", data=form)).status_code == 303
    signed_in = re.search(r'name="csrf_token" value="(\w+)"', (await client.get("/staff")).text)
    assert signed_in
    return signed_in.group(1)


async def _with_worker(redis: Redis, drain: Callable[[], Any], request: Any) -> httpx.Response:
    """A request that waits for the worker's answer, answered by a burst worker meanwhile."""
    sent = await redis.xlen(keys.COMMANDS)
    task = asyncio.create_task(request)
    async with asyncio.timeout(30):
        while not task.done() and await redis.xlen(keys.COMMANDS) == sent:
            await asyncio.sleep(0.01)
    await drain()
    response: httpx.Response = await asyncio.wait_for(task, timeout=30)
    return response


async def test_admin_adds_and_retires_a_room_on_the_places_page_and_staff_pages_show_the_room(
    settings: Settings, redis: Redis, drain: Callable[[], Any], client: httpx.AsyncClient
) -> None:
    csrf = await _sign_in_admin(client, settings)
    empty = await client.get("/staff/places")
    assert empty.status_code == 200 and "lapor places import" in empty.text
    room = {"code": "gdb-101", "building": "GDB", "floor": "1", "name": "Aula", "building_name": "Gedung B"}
    added = await _with_worker(redis, drain, client.post("/staff/places", data={**room, "csrf_token": csrf}))
    assert added.status_code == 303 and "saved=yes" in added.headers["location"]
    page = await client.get(added.headers["location"])
    assert 'data-code="GDB-101"' in page.text and "Gedung B" in page.text
    bad = await client.post("/staff/places", data={**room, "code": "no spaces", "csrf_token": csrf})
    assert bad.status_code == 422 and "does not match" in bad.text

    accepted = await submit(client, room="GDB-101")
    await drain()
    report_page = await client.get(f"/staff/reports/{accepted.json()['id']}")
    assert "GDB-101 · Aula, Gedung B" in report_page.text
    assert "/staff?status=all&amp;room=GDB-101" in report_page.text
    await submit(client, description="Lampu lorong lantai 3 berkedip terus.")
    await drain()
    filtered = await client.get("/staff", params={"status": "all", "room": "gdb-101"})
    assert accepted.json()["id"] in filtered.text and "Lampu lorong" not in filtered.text
    assert '<span class="s-mono">GDB-101</span> ·' in filtered.text  # the row names the room

    retire = {**room, "code": "GDB-101", "retired": "yes", "csrf_token": csrf}
    await _with_worker(redis, drain, client.post("/staff/places", data=retire))
    # Each API process hears of the change within the cache's check interval (2 s).
    async with asyncio.timeout(20):
        while (await client.get("/q/GDB-101")).status_code != 404:
            await asyncio.sleep(0.2)
    assert (await submit(client, room="GDB-101")).status_code == 422


async def test_intake_names_a_cached_room_while_the_database_is_down(
    settings: Settings, redis: Redis, drain: Callable[[], Any], tmp_path: Path
) -> None:
    from lapor.app import create_app
    from lapor.store.engine import create_engine, create_sessionmaker

    await import_csv(settings, redis, drain, tmp_path, CSV)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert (await submit(http, room="GDA-201")).status_code == 202  # the cache holds the rooms now
        # The database goes away (nothing listens on port 1); the cache keeps answering from memory.
        dead = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/test")
        app.state.rooms._sessions = create_sessionmaker(dead)
        await redis.incr(keys.PLACES_VERSION)  # even told that places changed, it keeps the last list
        accepted = await submit(http, room="gda-202")
        assert accepted.status_code == 202, accepted.text
        queued = json.loads(await redis.get(keys.queued_view(accepted.json()["id"])) or "{}")
        assert queued["room"]["building_name"] == "Gedung A"
        assert (await submit(http, room="GDA-999")).status_code == 422
        await dead.dispose()


async def test_a_resent_report_gets_its_first_answer_even_after_its_room_was_retired(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    admin: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    key = {"Idempotency-Key": "room-retired-meanwhile"}
    first = await client.post("/api/reports", data=report_fields(room="GDA-202"), headers=key)
    assert first.status_code == 202
    retire = {"code": "GDA-202", "building": "GDA", "floor": "2", "name": "Ruang Kuliah 202", "retired": True}
    await _with_worker(redis, drain, client.post("/api/admin/places", json=retire, headers=admin.headers))
    async with asyncio.timeout(20):  # every API process hears of it within the cache's interval
        while (await submit(client, room="GDA-202")).status_code != 422:
            await asyncio.sleep(0.2)
    again = await client.post("/api/reports", data=report_fields(room="GDA-202"), headers=key)
    assert again.status_code == 202 and again.json() == first.json()


def test_public_url_is_required_in_production_and_must_be_http() -> None:
    from pydantic import ValidationError

    production = {
        "env": "production",
        "secret_key": "Vq7dK2pX9mL4tR8wZ3nB6cF1hJ5sG0yA",
        "vapid_subject": "mailto:fasilitas@kampus.ac.id",
    }
    with pytest.raises(ValidationError, match="LAPOR_PUBLIC_URL must be set in production"):
        Settings(**production)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must start with http:// or https://"):
        Settings(public_url="lapor.kampus.ac.id")
    served = Settings(**production, public_url="https://lapor.kampus.ac.id/")  # type: ignore[arg-type]
    assert served.resolved_public_url == "https://lapor.kampus.ac.id"
    assert Settings(host="192.168.1.20", port=8080).resolved_public_url == "http://192.168.1.20:8080"
