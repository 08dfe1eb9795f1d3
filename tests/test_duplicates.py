"""Merging duplicates, hiding reports and never-public categories (issue 14), over the real app,
Redis and database: the merge's effects on both reports and their followers, every refusal,
and what the public no longer sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.broker import keys
from lapor.config import Settings
from lapor.domain.supporters import supporter_hash
from lapor.i18n import translate
from lapor.store.models import PushSubscription, ReportSupporter, StatusCount, TimelineEntry
from tests.factories import StaffUser, as_reporter, both_backends, create_staff, submit
from tests.pushservice import Browser
from tests.test_places import CSV, import_csv

ROOM = "GDA-201"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def in_room(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    accepted = await submit(client, room=ROOM, **fields)
    assert accepted.status_code == 202, accepted.text
    body: dict[str, Any] = accepted.json()
    return body


async def merge(
    client: httpx.AsyncClient, staff: StaffUser, source: str, into: str, **extra: Any
) -> httpx.Response:
    return await client.patch(
        f"/api/reports/{source}", json={"merge_into": into, **extra}, headers=staff.headers
    )


async def events_of(redis: Redis, report_id: str) -> list[dict[str, Any]]:
    entries = await redis.xrange(keys.EVENTS)
    found = [json.loads(fields["data"]) for _id, fields in entries]
    return [event for event in found if event["report_id"] == report_id]


async def add_supporters(engine: AsyncEngine, report_id: str, *people: str) -> None:
    """Test setup only: "me too" rows as the other helper's worker path writes them."""
    rows = [
        {"report_id": report_id, "supporter_hash": supporter_hash(p), "created_at": datetime.now(UTC)}
        for p in people
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(ReportSupporter), rows)


async def subscribe(client: httpx.AsyncClient, report_id: str, token: str, endpoint: str) -> None:
    answer = await client.post(
        f"/api/reports/{report_id}/push-subscriptions",
        json={"tracking_token": token, "subscription": Browser().subscription(endpoint)},
    )
    assert answer.status_code == 202, answer.text


async def counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            s: n for s, n in (await conn.execute(select(StatusCount.status, StatusCount.count))).all() if n
        }


@both_backends
async def test_a_chained_merge_moves_reports_supporters_and_subscriptions_to_the_kept_report(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    technician: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    c, a, b = [await in_room(client, description=f"AC ruang 201 bocor, laporan {n}.") for n in "CAB"]
    await drain()
    await add_supporters(engine, a["id"], "ani-ani-ani-ani-ani-ani-x", "bob-bob-bob-bob-bob-bob-x")
    await add_supporters(engine, b["id"], "bob-bob-bob-bob-bob-bob-x")
    await subscribe(client, a["id"], a["tracking_token"], "https://fcm.googleapis.com/fcm/send/a")
    await drain()

    assert (await merge(client, technician, c["id"], a["id"])).status_code == 202
    await drain()
    answer = await merge(client, technician, a["id"], b["id"], note="Sama dengan laporan B")
    assert answer.status_code == 202, answer.text
    await drain()

    view_a = (await client.get(a["links"]["self"], headers=technician.headers)).json()
    view_c = (await client.get(c["links"]["self"], headers=technician.headers)).json()
    view_b = (await client.get(b["links"]["self"])).json()
    assert (view_a["status"], view_a["duplicate_of"]) == ("duplicate", b["id"])
    assert (view_c["status"], view_c["duplicate_of"]) == ("duplicate", b["id"])  # moved on from A
    # Ani and Bob (once), and the reporters of A and C: four people, never B's own reporter.
    assert view_b["me_too"] == 4 and view_b["status"] == "pending" and view_b["duplicate_of"] is None
    assert view_a["kept"]["id"] == b["id"] and view_a["kept"]["status"] == "pending"
    assert counts_ok(await counts(engine), pending=1, duplicate=2)
    duplicates = (await client.get("/api/reports", params={"status": "duplicate"})).json()["items"]
    assert {item["id"]: item["duplicate_of"] for item in duplicates} == {a["id"]: b["id"], c["id"]: b["id"]}

    async with engine.connect() as conn:
        supporters = (
            await conn.execute(select(ReportSupporter.report_id, ReportSupporter.supporter_hash))
        ).all()
        subs = (await conn.execute(select(PushSubscription.report_id, PushSubscription.audience))).all()
        merged = (
            await conn.execute(select(TimelineEntry.report_id).where(TimelineEntry.kind == "merged"))
        ).scalars()
        merged_entries = sorted(merged)
    assert sorted(supporters) == sorted(
        [
            (b["id"], supporter_hash("bob-bob-bob-bob-bob-bob-x")),
            (b["id"], supporter_hash("ani-ani-ani-ani-ani-ani-x")),
        ]
    )
    assert subs == [(b["id"], "public")]
    assert merged_entries == sorted([c["id"], a["id"], a["id"], b["id"]])

    merged_a = [e for e in await events_of(redis, a["id"]) if e["type"] == "merged"]
    assert [e["duplicate_of"] for e in merged_a] == [a["id"], b["id"]]  # C into A, then A into B
    on_a = merged_a[-1]
    on_b = [e for e in await events_of(redis, b["id"]) if e["type"] == "merged"]
    assert on_a["status"] == "duplicate" and on_a["duplicate_of"] == b["id"] and on_a["me_too"] == 4
    assert on_a["visibility"] == "public" and on_a["note"] == "Sama dengan laporan B"
    assert [(e["status"], e["duplicate_of"], e["me_too"]) for e in on_b] == [("pending", b["id"], 4)]

    # A's token now acts on B: its reporter subscribes to B (as the public hears it) ...
    await subscribe(client, a["id"], a["tracking_token"], "https://fcm.googleapis.com/fcm/send/a2")
    await drain()
    async with engine.connect() as conn:
        subs = (await conn.execute(select(PushSubscription.report_id, PushSubscription.audience))).all()
    assert sorted(subs) == [(b["id"], "public"), (b["id"], "public")]
    # ... and reads only B's public view, not B's reporter's.
    reporter_a = (await client.get(a["links"]["self"], headers=as_reporter(a))).json()
    assert "description" not in reporter_a["kept"] and "timeline" in reporter_a["kept"]
    assert all("note" not in step for step in reporter_a["kept"]["timeline"])
    # ... and says "not fixed" on B once B is resolved.
    for status in ("in_progress", "resolved"):
        await client.patch(b["links"]["self"], json={"status": status}, headers=technician.headers)
    await drain()
    reopen = await client.post(f"{a['links']['self']}/reopen", json={"tracking_token": a["tracking_token"]})
    assert reopen.status_code == 202
    await drain()
    assert (await client.get(b["links"]["self"])).json()["status"] == "pending"


def counts_ok(found: dict[str, int], **expected: int) -> bool:
    return found == expected


@both_backends
async def test_every_merge_refusal_is_a_clear_4xx_and_queues_nothing(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    technician: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    a, b, c, r = [await in_room(client) for _ in range(4)]
    await drain()
    await client.patch(
        r["links"]["self"], json={"status": "rejected", "note": "Bukan kerusakan"}, headers=technician.headers
    )
    assert (await merge(client, technician, a["id"], b["id"])).status_code == 202
    await drain()
    queued = await redis.xlen(keys.COMMANDS)

    def refused(answer: httpx.Response, status: int, key: str) -> None:
        assert answer.status_code == status, answer.text
        assert translate(key, "id") in answer.text, answer.text

    refused(await merge(client, technician, b["id"], b["id"]), 422, "merge.into_itself")
    refused(await merge(client, technician, b["id"], UNKNOWN), 404, "merge.unknown_target")
    refused(await merge(client, technician, b["id"], "not-a-report"), 404, "merge.unknown_target")
    refused(await merge(client, technician, UNKNOWN, b["id"]), 404, "error.report_not_found")
    refused(await merge(client, technician, b["id"], a["id"]), 409, "merge.loop")
    refused(await merge(client, technician, c["id"], a["id"]), 409, "merge.into_duplicate")
    refused(await merge(client, technician, c["id"], r["id"]), 409, "merge.into_rejected")
    refused(await merge(client, technician, a["id"], c["id"]), 409, "merge.source_closed")
    refused(await merge(client, technician, r["id"], c["id"]), 409, "merge.source_closed")
    for combined in ({"status": "in_progress"}, {"priority": "normal"}, {"assignee": ""}, {"hidden": True}):
        refused(await merge(client, technician, c["id"], b["id"], **combined), 422, "merge.alone")
    assert (
        await client.patch(c["links"]["self"], json={"hidden": True, "note": "x"}, headers=technician.headers)
    ).status_code == 422
    assert (
        await client.patch(c["links"]["self"], json={"merge_into": 5}, headers=technician.headers)
    ).status_code == 422
    viewer = await create_staff(settings, client, username="lihat", role="viewer")
    assert (await merge(client, viewer, c["id"], b["id"])).status_code == 403
    assert (await client.patch(c["links"]["self"], json={"merge_into": b["id"]})).status_code == 401
    assert await redis.xlen(keys.COMMANDS) == queued  # nothing was queued


@both_backends
async def test_crossing_merges_apply_one_and_the_worker_refuses_the_other_whole(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    technician: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    a, b = [await in_room(client) for _ in range(2)]
    await drain()
    # Both pass the API's check (neither is merged yet); the worker applies them in order.
    assert (await merge(client, technician, a["id"], b["id"])).status_code == 202
    assert (await merge(client, technician, b["id"], a["id"])).status_code == 202
    await drain()
    view_a = (await client.get(a["links"]["self"], headers=technician.headers)).json()
    view_b = (await client.get(b["links"]["self"], headers=technician.headers)).json()
    assert (view_a["status"], view_a["duplicate_of"]) == ("duplicate", b["id"])
    assert (view_b["status"], view_b["duplicate_of"], view_b["me_too"]) == ("pending", None, 1)
    refusal = [e for e in await events_of(redis, b["id"]) if e["type"] == "refused"]
    assert [(e["note"], e["visibility"]) for e in refusal] == [("merge.loop", "staff")]
    assert view_b["timeline"][-1]["kind"] == "refused"
    assert await counts(engine) == {"pending": 1, "duplicate": 1}


@both_backends
async def test_a_hidden_report_leaves_every_public_view_but_its_reporter_staff_and_numbers_keep_it(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    technician: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    shown = await in_room(client, description="Proyektor ruang 201 tidak menyala.")
    hidden = await in_room(client, description="Toilet dekat ruang 201 tersumbat.")
    await drain()
    before = await counts(engine)
    answer = await client.patch(hidden["links"]["self"], json={"hidden": True}, headers=technician.headers)
    assert answer.status_code == 202
    await drain()

    assert (await client.get(hidden["links"]["self"])).status_code == 404
    assert (await client.get(f"{hidden['links']['self']}/events")).status_code == 404
    assert (await client.get(hidden["links"]["self"], headers=as_reporter(hidden))).status_code == 200
    staff_view = (await client.get(hidden["links"]["self"], headers=technician.headers)).json()
    assert staff_view["hidden"] is True and staff_view["timeline"][-1]["kind"] == "hidden"
    listed = (await client.get("/api/reports", params={"room": ROOM})).json()["items"]
    assert [item["id"] for item in listed] == [shown["id"]]
    staff_list = (await client.get("/api/reports", params={"room": ROOM}, headers=technician.headers)).json()
    assert {item["id"] for item in staff_list["items"]} == {shown["id"], hidden["id"]}
    room_page = (await client.get(f"/q/{ROOM}")).text
    assert "Proyektor ruang 201" in room_page and "Toilet dekat" not in room_page
    assert await counts(engine) == before  # still counted

    # Its later events are unlisted; the ``hidden`` event itself is not, so pages drop it.
    await client.patch(hidden["links"]["self"], json={"status": "in_progress"}, headers=technician.headers)
    await drain()
    events = await events_of(redis, hidden["id"])
    assert [(e["type"], e["unlisted"]) for e in events] == [
        ("status", False),
        ("hidden", True),
        ("status", True),
    ]

    await client.patch(hidden["links"]["self"], json={"hidden": False}, headers=technician.headers)
    await drain()
    assert (await client.get(hidden["links"]["self"])).status_code == 200
    (shown_event,) = [e for e in await events_of(redis, hidden["id"]) if e["type"] == "shown"]
    assert shown_event["unlisted"] is False and shown_event["report"]["status"] == "in_progress"
    viewer = await create_staff(settings, client, username="lihat", role="viewer")
    hide = {"hidden": True}
    assert (await client.patch(shown["links"]["self"], json=hide, headers=viewer.headers)).status_code == 403


async def test_the_room_stream_drops_a_hidden_report_but_carries_its_hidden_event(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    env_for: Callable[..., dict[str, str]],
    technician: StaffUser,
) -> None:
    from tests.live import live_api
    from tests.test_sse import read_events

    await import_csv(settings, redis, drain, tmp_path, CSV)
    with live_api(env_for()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            hidden = await in_room(http)
            other = await in_room(http)
            await drain()
            start = (await redis.xrevrange(keys.EVENTS, count=1))[0][0]
            async with http.stream(
                "GET", f"/api/places/{ROOM}/events", params={"last_event_id": start}
            ) as stream:
                url = hidden["links"]["self"]
                await http.patch(url, json={"hidden": True}, headers=technician.headers)
                await drain()
                await http.patch(url, json={"status": "in_progress"}, headers=technician.headers)
                await drain()
                # A marker after it: the hidden report's status change must not come before it.
                await http.patch(
                    other["links"]["self"], json={"status": "in_progress"}, headers=technician.headers
                )
                await drain()
                got = await read_events(stream, 2)
    assert [(e["event"], e["data"]["id"]) for e in got] == [("hidden", hidden["id"]), ("status", other["id"])]


@both_backends
async def test_an_admin_marks_a_category_never_public_and_public_views_drop_its_reports(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    admin: StaffUser,
    technician: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    private = await in_room(client, category="cleanliness", description="Toilet pria tersumbat dan bau.")
    public = await in_room(client)
    await drain()
    url = "/api/admin/categories/cleanliness"
    assert (
        await client.patch(url, json={"never_public": True}, headers=technician.headers)
    ).status_code == 403
    assert (await client.patch(url, json={"never_public": "ya"}, headers=admin.headers)).status_code == 422
    assert (await client.patch(url, json={"never_public": True}, headers=admin.headers)).status_code == 202
    await drain()
    listed = (await client.get("/api/admin/categories", headers=admin.headers)).json()["items"]
    assert {c["slug"]: c["never_public"] for c in listed}["cleanliness"] is True
    audit = (await client.get("/api/admin/audit", headers=admin.headers)).json()["items"]
    assert audit[0]["target"] == "cleanliness" and audit[0]["after"] == {"never_public": True}

    assert (await client.get(private["links"]["self"])).status_code == 404
    assert (await client.get(private["links"]["self"], headers=as_reporter(private))).status_code == 200
    items = (await client.get("/api/reports")).json()["items"]
    assert [i["id"] for i in items] == [public["id"]]
    assert "Toilet pria" not in (await client.get(f"/q/{ROOM}")).text
    # A new report of the category is unlisted from its first event on.
    newer = await in_room(client, category="cleanliness")
    assert (await client.get(newer["links"]["self"])).status_code == 404  # queued, already private
    assert (await client.get(newer["links"]["self"], headers=as_reporter(newer))).json()["status"] == "queued"
    await drain()
    (first,) = await events_of(redis, newer["id"])
    assert first["unlisted"] is True

    assert (await client.patch(url, json={"never_public": False}, headers=admin.headers)).status_code == 202
    await drain()
    assert (await client.get(private["links"]["self"])).status_code == 200


async def test_staff_merge_and_hide_on_the_report_page_with_its_csrf_token(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    technician: StaffUser,
) -> None:
    from tests.test_sessions import page_sign_in

    await import_csv(settings, redis, drain, tmp_path, CSV)
    a = await in_room(client, description="AC ruang 201 bocor lagi, laporan A.")
    b = await in_room(client, description="AC ruang 201 bocor, laporan B.")
    lone = await in_room(client, category="furniture", description="Kursi patah di ruang 201.")
    await drain()
    csrf = await page_sign_in(client)
    page = (await client.get(f"/staff/reports/{a['id']}")).text
    assert f'data-merge-into="{b["id"]}"' in page and lone["id"] not in page
    assert 'id="no-candidates"' in (await client.get(f"/staff/reports/{lone['id']}")).text

    url = f"/staff/reports/{a['id']}/merge"
    forged = await client.post(url, data={"into": b["id"], "csrf_token": "wrong"})
    assert forged.status_code == 403
    itself = await client.post(url, data={"into": a["id"], "csrf_token": csrf})
    assert itself.status_code == 303 and "refused=merge.into_itself" in itself.headers["location"]
    shown = (await client.get(itself.headers["location"])).text
    assert translate("merge.into_itself", "id") in shown
    forged_text = (await client.get(f"/staff/reports/{a['id']}?refused=<b>Hubungi+kami</b>")).text
    assert 'id="merge-refused"' not in forged_text  # only a refusal the page knows is shown
    merged = await client.post(url, data={"into": b["id"], "note": "Sama", "csrf_token": csrf})
    assert merged.status_code == 303 and "sent=" in merged.headers["location"]
    await drain()
    page_a = (await client.get(f"/staff/reports/{a['id']}")).text
    assert 'id="merged-into"' in page_a and f'href="/staff/reports/{b["id"]}"' in page_a
    dashboard = (await client.get("/staff", params={"status": "duplicate"})).text
    assert f'data-id="{a["id"]}"' in dashboard and f'data-id="{b["id"]}"' not in dashboard
    assert '<option value="duplicate" selected>' in dashboard
    page_b = (await client.get(f"/staff/reports/{b['id']}")).text
    assert 'id="merged-here"' in page_b and f'href="/staff/reports/{a["id"]}"' in page_b

    hide = await client.post(f"/staff/reports/{b['id']}/hide", data={"hidden": "true", "csrf_token": csrf})
    assert hide.status_code == 303
    await drain()
    assert 'id="hidden-notice"' in (await client.get(f"/staff/reports/{b['id']}")).text
    assert (await client.post(f"/staff/reports/{b['id']}/hide", data={"hidden": "false"})).status_code == 403
    client.cookies.clear()  # the public
    assert (await client.get(b["links"]["self"])).status_code == 404


async def test_a_merged_tracking_page_shows_the_kept_report_and_a_hidden_one_shows_nothing(
    settings: Settings,
    redis: Redis,
    drain: Callable[[], Any],
    tmp_path: Path,
    client: httpx.AsyncClient,
    technician: StaffUser,
) -> None:
    await import_csv(settings, redis, drain, tmp_path, CSV)
    a = await in_room(client, title="AC menetes di 201")
    b = await in_room(client, title="AC ruang 201 rusak")
    await drain()
    await merge(client, technician, a["id"], b["id"])
    await client.patch(
        b["links"]["self"], json={"status": "in_progress", "note": "Rahasia B"}, headers=technician.headers
    )
    await drain()
    page = await client.get(f"/r/{a['id']}")
    assert page.status_code == 200
    assert 'id="merged"' in page.text and "AC ruang 201 rusak" in page.text
    assert translate("student.status.in_progress", "id") in page.text and "Rahasia B" not in page.text
    assert f'"duplicate_of": "{b["id"]}"' in page.text or b["id"] in page.text

    await client.patch(a["links"]["self"], json={"hidden": True}, headers=technician.headers)
    await drain()
    private = await client.get(f"/r/{a['id']}")
    assert private.status_code == 404 and 'id="track-data"' in private.text  # the reporter's script runs
    assert "AC menetes" not in private.text and "AC ruang 201 rusak" not in private.text


async def test_the_categories_page_toggles_never_public(
    client: httpx.AsyncClient, drain: Callable[[], Any], admin: StaffUser
) -> None:
    from tests.test_sessions import page_sign_in

    csrf = await page_sign_in(client, admin.username)
    page = (await client.get("/staff/categories")).text
    assert 'value="private"' in page
    answer = await client.post(
        "/staff/categories", data={"slug": "cleanliness", "action": "private", "csrf_token": csrf}
    )
    assert answer.status_code == 303
    await drain()
    items = (await client.get("/api/admin/categories", headers=admin.headers)).json()["items"]
    assert {c["slug"]: c["never_public"] for c in items} == {
        c["slug"]: c["slug"] == "cleanliness" for c in items
    }
    assert 'value="public"' in (await client.get("/staff/categories")).text
