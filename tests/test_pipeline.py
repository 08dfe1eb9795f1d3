"""The seed's flow end to end, through HTTP, Redis, a worker and the database (both backends)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
from PIL import Image
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.broker import keys
from lapor.services import lookup
from lapor.store.engine import create_sessionmaker
from lapor.store.models import ProcessedCommand, Report, StatusCount
from lapor.store.queries import get_report
from tests.factories import StaffUser, both_backends, jpeg_with_exif, report_fields, submit


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


@both_backends
async def test_report_goes_from_queued_to_resolved(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, engine: AsyncEngine
) -> None:
    response = await submit(client, photo=jpeg_with_exif(64, 32))
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "queued" and accepted["tracking_token"]
    report_id = accepted["id"]

    queued = (await client.get(f"/api/reports/{report_id}")).json()
    assert queued["status"] == "queued"
    assert "reporter_name" not in queued

    await drain()
    view = (await client.get(f"/api/reports/{report_id}")).json()
    assert view["status"] == "pending"
    assert view["priority"] == "emergency"
    assert view["title"] == "AC di ruang 204 bocor dan menetes ke meja dosen."
    assert "reporter_name" not in view and "reporter_contact" not in view

    for status in ("in_progress", "resolved"):
        change = await client.patch(
            f"/api/reports/{report_id}", json={"status": status}, headers=technician.headers
        )
        assert change.status_code == 202 and change.json()["command_id"]
        await drain()

    reporter = {"X-Tracking-Token": accepted["tracking_token"]}
    view = (await client.get(f"/api/reports/{report_id}", headers=reporter)).json()
    assert view["status"] == "resolved"
    assert [(e["from_status"], e["status"]) for e in view["timeline"]] == [
        ("queued", "pending"),
        ("pending", "in_progress"),
        ("in_progress", "resolved"),
    ]
    assert view["timeline"][1]["by"] == "Tek"

    staff_view = (await client.get(f"/api/reports/{report_id}", headers=technician.headers)).json()
    assert staff_view["reporter_name"] == "Budi Santoso"
    assert staff_view["reporter_contact"] == "budi@kampus.ac.id"
    assert await count(engine, Report) == 1
    async with engine.connect() as conn:
        counts = dict((await conn.execute(select(StatusCount.status, StatusCount.count))).all())
    assert counts == {"pending": 0, "in_progress": 0, "resolved": 1, "rejected": 0, "duplicate": 0}


@both_backends
async def test_photo_is_reencoded_upright_without_exif(
    client: httpx.AsyncClient, drain: Callable[..., Any]
) -> None:
    accepted = (await submit(client, photo=jpeg_with_exif(64, 32))).json()
    await drain()
    reporter = {"X-Tracking-Token": accepted["tracking_token"]}
    view = (await client.get(f"/api/reports/{accepted['id']}", headers=reporter)).json()

    photo = await client.get(view["photo_url"])
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(photo.content))
    assert (image.width, image.height) == (32, 64)  # the orientation tag was applied
    assert len(image.getexif()) == 0  # no EXIF, so no GPS
    assert b"CameraMaker" not in photo.content

    thumbnail = await client.get(view["thumbnail_url"])
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).format == "JPEG"


@both_backends
async def test_idempotency_key_returns_the_same_report(
    client: httpx.AsyncClient, drain: Callable[..., Any], redis: Redis, engine: AsyncEngine
) -> None:
    headers = {"Idempotency-Key": "form-7f3a-retry"}
    first = await client.post("/api/reports", data=report_fields(), headers=headers)
    second = await client.post("/api/reports", data=report_fields(), headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert await redis.xlen(keys.COMMANDS) == 1

    other = await client.post("/api/reports", data=report_fields(), headers={"Idempotency-Key": "another"})
    assert other.json()["id"] != first.json()["id"]
    await drain()
    assert await count(engine, Report) == 2


@both_backends
async def test_redelivered_command_changes_nothing(
    client: httpx.AsyncClient, drain: Callable[..., Any], redis: Redis, engine: AsyncEngine
) -> None:
    accepted = (await submit(client)).json()
    report_id = accepted["id"]
    await drain()
    # Put the very same command on the stream again, as a crash before XACK would.
    ((_entry_id, fields),) = await redis.xrange(keys.COMMANDS)
    await redis.xadd(keys.COMMANDS, fields)
    await drain()
    assert await count(engine, Report) == 1
    assert await count(engine, ProcessedCommand) == 1
    reporter = {"X-Tracking-Token": accepted["tracking_token"]}
    view = (await client.get(f"/api/reports/{report_id}", headers=reporter)).json()
    assert len(view["timeline"]) == 1


@both_backends
async def test_illegal_transition_is_refused_and_recorded(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    report_id = (await submit(client)).json()["id"]
    await drain()
    response = await client.patch(
        f"/api/reports/{report_id}", json={"status": "resolved"}, headers=technician.headers
    )
    assert response.status_code == 202
    await drain()
    staff = technician.headers  # a staff member's refused change is for staff to see
    view = (await client.get(f"/api/reports/{report_id}", headers={"Accept-Language": "en", **staff})).json()
    assert view["status"] == "pending"
    refused = view["timeline"][-1]
    assert refused["kind"] == "refused"
    assert refused["status"] == "resolved"
    assert refused["note"] == "Refused: this status change is not allowed"

    # Rejecting needs a reason: refused without one, applied with one.
    await client.patch(f"/api/reports/{report_id}", json={"status": "rejected"}, headers=technician.headers)
    await client.patch(
        f"/api/reports/{report_id}",
        json={"status": "rejected", "note": "Duplikat laporan lain"},
        headers=technician.headers,
    )
    await drain()
    view = (await client.get(f"/api/reports/{report_id}", headers=staff)).json()
    assert view["status"] == "rejected"
    assert [e["kind"] for e in view["timeline"][-2:]] == ["refused", "status"]
    assert view["timeline"][-1]["note"] == "Duplikat laporan lain"


@both_backends
async def test_priority_assignment_and_comments(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, admin: StaffUser
) -> None:
    report_id = (await submit(client, priority="normal")).json()["id"]
    await drain()
    await client.patch(
        f"/api/reports/{report_id}",
        json={"priority": "emergency", "assignee": "tek"},
        headers=admin.headers,
    )
    comment = await client.post(
        f"/api/reports/{report_id}/comments",
        json={"body": "Sudah dicek, perlu suku cadang."},
        headers=technician.headers,
    )
    assert comment.status_code == 202
    await client.patch(f"/api/reports/{report_id}", json={"assignee": "nobody"}, headers=admin.headers)
    await drain()
    view = (await client.get(f"/api/reports/{report_id}", headers=admin.headers)).json()
    assert view["priority"] == "emergency"
    assert view["assignee"] == "Tek"
    kinds = [e["kind"] for e in view["timeline"]]
    assert kinds == ["created", "priority", "assignment", "comment", "refused"]
    assert view["timeline"][3]["note"] == "Sudah dicek, perlu suku cadang."


@both_backends
async def test_list_filters_and_keyset_pages(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    ids = []
    for i, priority in enumerate(["normal", "emergency", "medium", "normal", "emergency"]):
        response = await submit(client, priority=priority, description=f"Keran air nomor {i} bocor terus")
        ids.append(response.json()["id"])
    await submit(
        client, category="electrical", priority="normal", description="Lampu koridor mati sejak kemarin"
    )
    await drain()

    page1 = (await client.get("/api/reports", params={"limit": 4})).json()
    page2 = (await client.get("/api/reports", params={"limit": 4, "cursor": page1["next_cursor"]})).json()
    assert len(page1["items"]) == 4 and len(page2["items"]) == 2 and page2["next_cursor"] is None
    listed = [item["id"] for item in page1["items"] + page2["items"]]
    assert len(set(listed)) == 6
    assert listed[-1] == ids[0]  # newest first: the first one submitted comes last

    urgent = (await client.get("/api/reports", params={"sort": "priority", "limit": 2})).json()
    assert [item["priority"] for item in urgent["items"]] == ["emergency", "emergency"]
    rest = (
        await client.get("/api/reports", params={"sort": "priority", "cursor": urgent["next_cursor"]})
    ).json()
    assert [item["priority"] for item in rest["items"]] == ["medium", "normal", "normal", "normal"]

    assert len((await client.get("/api/reports", params={"priority": "emergency"})).json()["items"]) == 2
    electrical = (await client.get("/api/reports", params={"category": "electrical"})).json()["items"]
    assert [item["title"] for item in electrical] == ["Lampu koridor mati sejak kemarin"]

    # Text search reads descriptions: a staff tool.
    async def search(q: str) -> list[dict[str, Any]]:
        answer = await client.get("/api/reports", params={"q": q}, headers=technician.headers)
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    found = await search("nomor 3")
    assert [item["id"] for item in found] == [ids[3]]
    assert await search("100%_") == []
    upper = await search("KERAN AIR NOMOR 2")
    assert [item["id"] for item in upper] == [ids[2]]  # any case
    short = await search("r 4"[-1:])
    assert ids[4] in [item["id"] for item in short]  # shorter than a trigram still works
    assert all("4" in item["description"] + item["location"] + item["title"] for item in short)
    assert (await client.get("/api/reports", params={"status": "resolved"})).json()["items"] == []

    bad = await client.get("/api/reports", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422


async def test_a_report_stored_between_the_two_reads_is_found_not_404(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine, redis: Redis
) -> None:
    """The reader looks in the database, then for the queued view; a worker may commit (and drop
    the queued view) in between. The reader's snapshot must not hide that commit."""
    report_id = (await submit(client)).json()["id"]
    async with create_sessionmaker(engine)() as session:
        assert await get_report(session, report_id=report_id) is None  # the read snapshot starts here
        await drain()  # committed; the queued view is gone
        assert not await redis.exists(keys.queued_view(report_id))
        view = await lookup.report_view(session, redis, report_id, language="id", staff=False)
        assert view["status"] == "pending"
        assert await lookup.require_report(session, redis, report_id) == report_id
