""" "Me too" (issue 14): POST /api/reports/{id}/me-too through the broker, a room's open reports to
say it on, staff's sort by it, and a supporter's push subscription (public events only) — over the
real app, Redis, database and a loopback push service."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.broker import keys
from lapor.config import Settings
from lapor.domain.supporters import supporter_hash
from lapor.store.models import Category, PushSubscription, Report, ReportSupporter
from lapor.worker.notifier import Notifier
from tests.factories import StaffUser, both_backends, submit
from tests.pushservice import Browser, PushService
from tests.test_places import CSV, import_csv

ROOM_CSV = CSV


def new_supporter(size: int = 16) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).decode().rstrip("=")


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(database_url, push_allow_insecure=True, push_retry_max_seconds=0.3)


async def me_too(client: httpx.AsyncClient, report_id: str, supporter: str, **headers: str) -> httpx.Response:
    return await client.post(
        f"/api/reports/{report_id}/me-too", json={"supporter": supporter}, headers=headers
    )


async def new_report(client: httpx.AsyncClient, drain: Callable[..., Any], **fields: Any) -> str:
    accepted = await submit(client, **fields)
    assert accepted.status_code == 202, accepted.text
    await drain()
    report_id: str = accepted.json()["id"]
    return report_id


async def view(client: httpx.AsyncClient, report_id: str) -> dict[str, Any]:
    answer = await client.get(f"/api/reports/{report_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def events_of(redis: Redis, event_type: str) -> list[dict[str, Any]]:
    entries = await redis.xrange(keys.EVENTS)
    found = []
    for _id, fields in entries:
        for value in fields.values():
            with contextlib.suppress(ValueError, TypeError):
                data = json.loads(value)
                if isinstance(data, dict) and data.get("type") == event_type:
                    found.append(data)
    return found


async def set_report(engine: AsyncEngine, report_id: str, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(Report).where(Report.id == report_id).values(**values))


@both_backends
async def test_me_too_counts_each_person_once_never_the_reporter(
    client: httpx.AsyncClient, drain: Callable[..., Any], redis: Redis
) -> None:
    reporter, other, third = new_supporter(), new_supporter(), new_supporter(32)
    report_id = await new_report(client, drain, supporter=reporter)

    first = await me_too(client, report_id, other)
    assert first.status_code == 202, first.text
    assert first.json()["report_id"] == report_id and first.json()["me_too"] == 0
    assert (await me_too(client, report_id, other)).status_code == 202  # a repeat: accepted, counts nothing
    assert (await me_too(client, report_id, reporter)).status_code == 202  # the reporter's own: nobody new
    await drain()
    assert (await view(client, report_id))["me_too"] == 1
    events = await events_of(redis, "me_too")
    assert [(e["report_id"], e["me_too"], e["visibility"]) for e in events] == [(report_id, 1, "public")]

    await me_too(client, report_id, third)
    await drain()
    assert (await view(client, report_id))["me_too"] == 2
    assert [e["me_too"] for e in await events_of(redis, "me_too")] == [1, 2]


async def test_a_queued_report_may_be_supported(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine
) -> None:
    accepted = await submit(client)
    report_id = accepted.json()["id"]
    answer = await me_too(client, report_id, new_supporter())
    assert answer.status_code == 202, answer.text
    await drain()
    assert (await view(client, report_id))["me_too"] == 1
    async with engine.connect() as conn:
        stored = (await conn.execute(select(ReportSupporter.supporter_hash))).scalars().all()
    assert len(stored) == 1 and len(stored[0]) == 64  # the hash, never the id itself


async def test_unknown_hidden_and_private_reports_are_the_same_404(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine
) -> None:
    supporter = new_supporter()
    unknown = await me_too(client, str(uuid.uuid4()), supporter)
    assert unknown.status_code == 404
    assert (await me_too(client, "not-a-report", supporter)).status_code == 404
    hidden = await new_report(client, drain)
    await set_report(engine, hidden, hidden=True)
    private = await new_report(client, drain, category="cleanliness")
    async with engine.begin() as conn:
        await conn.execute(update(Category).where(Category.slug == "cleanliness").values(never_public=True))
    for report_id in (hidden, private):
        answer = await me_too(client, report_id, supporter)
        assert answer.status_code == 404
        assert answer.json() == unknown.json()  # it tells nothing more than "no such report"


async def test_closed_reports_are_a_409_that_names_the_kept_report(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine, technician: StaffUser
) -> None:
    resolved = await new_report(client, drain)
    for status in ("in_progress", "resolved"):
        patched = await client.patch(
            f"/api/reports/{resolved}", json={"status": status}, headers=technician.headers
        )
        assert patched.status_code == 202
    await drain()
    assert (await view(client, resolved))["status"] == "resolved"
    answer = await me_too(client, resolved, new_supporter(), **{"Accept-Language": "en"})
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "report_closed" and error["status"] == "resolved"
    assert "already resolved" in error["message"]

    kept = await new_report(client, drain)
    duplicate = await new_report(client, drain)
    await set_report(engine, duplicate, status="duplicate", duplicate_of=kept)
    answer = await me_too(client, duplicate, new_supporter())
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["status"] == "duplicate" and error["duplicate_of"] == kept
    assert kept in error["message"]  # Indonesian by default: "digabung ke laporan …"


@pytest.mark.parametrize(
    "supporter",
    [
        "abc",  # short
        "!" * 24,  # not base64url
        base64.urlsafe_b64encode(b"x" * 15).decode(),  # 15 bytes
        "A" * 10_000,  # huge
        base64.b64encode(b"\xfb\xff" * 12).decode(),  # base64 with + and /, not base64url
        "",
    ],
    ids=["short", "not-base64url", "15-bytes", "huge", "plain-base64", "empty"],
)
async def test_a_malformed_supporter_is_a_422_saying_what_it_must_be(
    client: httpx.AsyncClient, drain: Callable[..., Any], supporter: str
) -> None:
    report_id = await new_report(client, drain)
    answer = await me_too(client, report_id, supporter, **{"Accept-Language": "en"})
    assert answer.status_code == 422, answer.text
    message = answer.json()["error"]["fields"]["supporter"]
    assert "supporter" in message.lower()
    if supporter and len(supporter) < 1000:
        assert "base64url" in message
    indonesian = await me_too(client, report_id, supporter)
    assert indonesian.status_code == 422
    await drain()
    assert (await view(client, report_id))["me_too"] == 0  # nothing half-applied


async def test_malformed_bodies_are_422(client: httpx.AsyncClient, drain: Callable[..., Any]) -> None:
    report_id = await new_report(client, drain)
    url = f"/api/reports/{report_id}/me-too"
    for body in ({}, {"supporter": 123}, {"supporter": new_supporter(), "extra": 1}, [new_supporter()]):
        assert (await client.post(url, json=body)).status_code == 422
    assert (
        await client.post(url, content=b"{", headers={"Content-Type": "application/json"})
    ).status_code == 422


async def test_a_flood_from_one_address_is_limited_apart_from_its_reports(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis, drain: Callable[..., Any]
) -> None:
    from lapor.app import create_app

    limited = make_settings(database_url, intake_rate_limit=3, intake_rate_window_seconds=60)
    app = create_app(limited)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lapor.test") as http:
            report_id = (await submit(http)).json()["id"]
            answers = [await me_too(http, report_id, new_supporter()) for _ in range(4)]
            assert [a.status_code for a in answers] == [202, 202, 202, 429]
            assert int(answers[3].headers["Retry-After"]) >= 1
            assert "“saya juga”" in answers[3].json()["error"]["message"]
            # The address's reports have a budget of their own.
            assert (await submit(http)).status_code == 202
    assert await redis.xlen(keys.COMMANDS) == 5  # two reports, three "me too": the refused one is not there


async def test_closed_or_hidden_by_the_time_it_is_applied_changes_nothing(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine, redis: Redis
) -> None:
    hidden = await new_report(client, drain)
    resolved = await new_report(client, drain)
    assert (await me_too(client, hidden, new_supporter())).status_code == 202
    assert (await me_too(client, resolved, new_supporter())).status_code == 202
    await set_report(engine, hidden, hidden=True)
    await set_report(engine, resolved, status="resolved")
    await drain()
    async with engine.connect() as conn:
        counts = dict((await conn.execute(select(Report.id, Report.me_too))).all())
        supporters = (await conn.execute(select(ReportSupporter.report_id))).all()
    assert counts == {hidden: 0, resolved: 0}
    assert supporters == []
    assert await events_of(redis, "me_too") == []


async def test_the_form_sends_a_supporter_and_a_bad_one_is_refused(client: httpx.AsyncClient) -> None:
    answer = await submit(client, supporter="not-an-id")
    assert answer.status_code == 422
    assert "supporter" in answer.json()["error"]["fields"]
    assert (await submit(client, supporter="")).status_code == 202  # empty: as if not sent


@both_backends
async def test_a_rooms_open_reports_by_category(
    settings: Settings,
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    redis: Redis,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    assert (await import_csv(settings, redis, drain, tmp_path, ROOM_CSV)).ok
    older = await new_report(client, drain, room="GDA-201", description="AC bocor di atas meja dosen.")
    newer = await new_report(client, drain, room="GDA-201", description="AC berisik sekali sejak pagi.")
    await new_report(client, drain, room="GDA-201", category="electrical")
    await new_report(client, drain, room="GDA-202")
    hidden = await new_report(client, drain, room="GDA-201")
    await set_report(engine, hidden, hidden=True)
    closed = await new_report(client, drain, room="GDA-201")
    await set_report(engine, closed, status="resolved")
    await me_too(client, older, new_supporter())
    await drain()

    answer = await client.get("/api/places/GDA-201/reports", params={"category": "ac-ventilation"})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [item["id"] for item in items] == [newer, older]
    assert items[1]["me_too"] == 1 and items[0]["me_too"] == 0
    assert "reporter_name" not in items[0] and "description" not in items[0]
    assert items[0]["room"]["code"] == "GDA-201"
    by_support = await client.get(
        "/api/places/GDA-201/reports", params={"category": "ac-ventilation", "sort": "me_too"}
    )
    assert [item["id"] for item in by_support.json()["items"]] == [older, newer]
    everything = (await client.get("/api/places/GDA-201/reports")).json()["items"]
    assert len(everything) == 3
    assert len((await client.get("/api/places/GDA-201/reports", params={"limit": 1})).json()["items"]) == 1

    assert (await client.get("/api/places/NOPE-1/reports")).status_code == 404
    assert (
        await client.get("/api/places/GDA-201/reports", params={"category": "Bad Cat!"})
    ).status_code == 422
    assert (await client.get("/api/places/GDA-201/reports", params={"limit": 500})).status_code == 422


@both_backends
async def test_staff_sort_by_me_too_with_a_cursor(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, settings: Settings
) -> None:
    from tests.test_staff_pages import _sign_in

    ids = [await new_report(client, drain) for _ in range(3)]
    for report_id, supporters in zip(ids, (2, 0, 1), strict=True):
        for _ in range(supporters):
            await me_too(client, report_id, new_supporter())
    await drain()
    first = await client.get(
        "/api/reports", params={"sort": "me_too", "limit": 2}, headers=technician.headers
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert [(item["id"], item["me_too"]) for item in page["items"]] == [(ids[0], 2), (ids[2], 1)]
    rest = await client.get(
        "/api/reports",
        params={"sort": "me_too", "limit": 2, "cursor": page["next_cursor"]},
        headers=technician.headers,
    )
    assert [item["id"] for item in rest.json()["items"]] == [ids[1]]
    wrong = await client.get("/api/reports", params={"sort": "newest", "cursor": page["next_cursor"]})
    assert wrong.status_code == 422
    await _sign_in(client, settings, username="page")
    dashboard = await client.get("/staff", params={"sort": "me_too"})
    assert dashboard.status_code == 200
    text = dashboard.text
    assert text.index(ids[0]) < text.index(ids[2]) < text.index(ids[1])
    assert "+2 orang juga" in text and 'value="me_too" selected' in text
    report_page = await client.get(f"/staff/reports/{ids[0]}")
    assert "2 orang" in report_page.text


# --- push for supporters ---------------------------------------------------------------------


async def notifier_done(redis: Redis, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        groups = {g["name"]: g for g in await redis.xinfo_groups(keys.EVENTS)}
        group = groups.get(keys.NOTIFIER_GROUP)
        if group and int(group["pending"]) == 0 and not group.get("lag"):
            return
        assert asyncio.get_running_loop().time() < deadline, "the notifier did not catch up"
        await asyncio.sleep(0.1)


async def follow(
    client: httpx.AsyncClient, report_id: str, supporter: str, subscription: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/api/reports/{report_id}/push-subscriptions",
        json={"supporter": supporter, "subscription": subscription},
    )


async def subscriptions(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(PushSubscription.report_id, PushSubscription.audience))
        return [(str(report_id), audience) for report_id, audience in rows]


async def test_a_supporter_who_never_said_me_too_is_not_subscribed(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine, service: PushService
) -> None:
    report_id = await new_report(client, drain)
    browser = Browser()
    subscription = browser.subscription(service.endpoint("stranger"))
    answer = await follow(client, report_id, new_supporter(), subscription)
    assert answer.status_code == 403
    assert "“Saya juga”" in answer.json()["error"]["message"]
    both = await client.post(
        f"/api/reports/{report_id}/push-subscriptions",
        json={"supporter": new_supporter(), "tracking_token": "x", "subscription": subscription},
    )
    assert both.status_code == 422
    bad = await follow(client, report_id, "short", subscription)
    assert bad.status_code == 422
    unknown = await follow(client, str(uuid.uuid4()), new_supporter(), subscription)
    assert unknown.status_code == 404
    await drain()
    assert await subscriptions(engine) == []


async def test_a_subscription_sent_before_its_me_too_is_applied_is_kept(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    engine: AsyncEngine,
    redis: Redis,
    service: PushService,
) -> None:
    """The browser sends its subscription right after the me-too's 202; another worker may apply it
    first. Here the two commands are put back on the stream in the other order: the subscription
    counts the "me too" itself, and the "me too" after it finds nothing new to count."""
    report_id = await new_report(client, drain)
    supporter = new_supporter()
    assert (await me_too(client, report_id, supporter)).status_code == 202
    browser = Browser()
    answer = await follow(client, report_id, supporter, browser.subscription(service.endpoint("follower")))
    assert answer.status_code == 202, answer.text
    entries = [fields for _id, fields in await redis.xrange(keys.COMMANDS, min="0")]
    pending = [
        fields for fields in entries if fields["type"] in ("report.me_too", "push.subscribe_supporter")
    ]
    assert [fields["type"] for fields in pending] == ["report.me_too", "push.subscribe_supporter"]
    await redis.delete(keys.COMMANDS)  # the group goes with it; the worker makes it again
    for fields in reversed(pending):
        await redis.xadd(keys.COMMANDS, fields)
    await drain()
    assert await subscriptions(engine) == [(report_id, "public")]
    assert (await view(client, report_id))["me_too"] == 1
    async with engine.connect() as conn:
        hashes = (await conn.execute(select(ReportSupporter.supporter_hash))).scalars().all()
    assert hashes == [supporter_hash(supporter)]


@both_backends
async def test_a_follower_hears_status_changes_never_comments_or_photos(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    redis: Redis,
    engine: AsyncEngine,
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
) -> None:
    from tests.factories import png_bytes

    accepted = await submit(client, photo=png_bytes())
    report_id, token = accepted.json()["id"], accepted.json()["tracking_token"]
    reporter_browser, follower_browser = Browser(), Browser()
    service.register("reporter", reporter_browser)
    service.register("follower", follower_browser)
    supporter = new_supporter()
    # Queued still: the me-too, then the subscription right after its 202.
    assert (await me_too(client, report_id, supporter)).status_code == 202
    followed = await follow(
        client, report_id, supporter, follower_browser.subscription(service.endpoint("follower"))
    )
    assert followed.status_code == 202, followed.text
    reported = await client.post(
        f"/api/reports/{report_id}/push-subscriptions",
        json={
            "tracking_token": token,
            "subscription": reporter_browser.subscription(service.endpoint("reporter")),
        },
    )
    assert reported.status_code == 202
    await drain()  # the report, its photo (a reporter's event), the me-too, both subscriptions
    assert sorted(await subscriptions(engine)) == sorted([(report_id, "public"), (report_id, "reporter")])
    assert (await view(client, report_id))["photo_status"] == "ready"

    comment = await client.post(
        f"/api/reports/{report_id}/comments", json={"body": "Suku cadang dipesan"}, headers=technician.headers
    )
    assert comment.status_code == 202
    await drain()
    await me_too(client, report_id, new_supporter())  # a count change: no push to anyone
    await drain()
    for status in ("in_progress", "resolved"):
        changed = await client.patch(
            f"/api/reports/{report_id}", json={"status": status}, headers=technician.headers
        )
        assert changed.status_code == 202
    await drain()
    await service.async_wait_for_deliveries(6)
    await notifier_done(redis)  # every event looked at: a fourth push would be there by now
    deliveries = service.snapshot()[0]
    by_name = {name: [d.json() for d in deliveries if d.name == name] for name in ("reporter", "follower")}
    assert [p["title"] for p in by_name["reporter"]] == [
        "Laporan Anda menunggu teknisi",  # subscribed while queued: the report's arrival
        "Pesan baru dari petugas",
        "Laporan Anda sedang diproses",
        "Laporan Anda selesai ✅",
    ]
    assert [(p["title"], p["status"]) for p in by_name["follower"]] == [
        ("Laporan yang Anda ikuti sedang diproses", "in_progress"),
        ("Laporan yang Anda ikuti selesai ✅", "resolved"),
    ]
    assert "Suku cadang" not in json.dumps(by_name["follower"])


@both_backends
async def test_after_a_merge_everyone_follows_the_kept_report_each_as_they_may_hear_it(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    redis: Redis,
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
) -> None:
    """Issue 14's two features together: B's supporter and A's reporter (with push on) follow B
    once A is merged into it, each pushed B's public changes; B's own reporter keeps hearing B
    as its reporter, and only they hear B's comments."""
    browsers = {name: Browser() for name in ("kept-reporter", "supporter", "duplicate-reporter")}
    for name, browser in browsers.items():
        service.register(name, browser)

    def subscription(name: str) -> dict[str, Any]:
        return browsers[name].subscription(service.endpoint(name))

    kept = (await submit(client, description="AC ruang 201 mati total sejak pagi")).json()
    duplicate = (await submit(client, description="AC di ruang 201 tidak menyala sama sekali")).json()
    await drain()
    supporter = new_supporter()
    assert (await me_too(client, kept["id"], supporter)).status_code == 202
    assert (await follow(client, kept["id"], supporter, subscription("supporter"))).status_code == 202
    for report, name in ((kept, "kept-reporter"), (duplicate, "duplicate-reporter")):
        subscribed = await client.post(
            f"/api/reports/{report['id']}/push-subscriptions",
            json={"tracking_token": report["tracking_token"], "subscription": subscription(name)},
        )
        assert subscribed.status_code == 202, subscribed.text
    await drain()

    merged = await client.patch(
        f"/api/reports/{duplicate['id']}", json={"merge_into": kept["id"]}, headers=technician.headers
    )
    assert merged.status_code == 202, merged.text
    await drain()
    assert (await view(client, kept["id"]))["me_too"] == 2  # the supporter and the duplicate's reporter
    comment = await client.post(
        f"/api/reports/{kept['id']}/comments", json={"body": "Kompresor diganti"}, headers=technician.headers
    )
    assert comment.status_code == 202
    await drain()
    started = await client.patch(
        f"/api/reports/{kept['id']}", json={"status": "in_progress"}, headers=technician.headers
    )
    assert started.status_code == 202
    await drain()
    await notifier_done(redis)
    deliveries = service.snapshot()[0]
    heard = {name: [d.json() for d in deliveries if d.name == name] for name in browsers}
    joined = "Laporan yang sama digabung ke laporan yang Anda ikuti"
    for follower in ("supporter", "duplicate-reporter"):
        assert [(p["title"], p["report_id"]) for p in heard[follower]] == [
            (joined, kept["id"]),
            ("Laporan yang Anda ikuti sedang diproses", kept["id"]),
        ], follower
        assert "Kompresor" not in json.dumps(heard[follower])
    assert [p["title"] for p in heard["kept-reporter"]] == [
        "Pesan baru dari petugas",
        "Laporan Anda sedang diproses",
    ]


async def test_a_followers_browsers_are_bounded_per_report(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine, service: PushService
) -> None:
    """The reporter's own subscriptions are not pushed out by followers' (they are counted apart)."""
    accepted = await submit(client)
    report_id, token = accepted.json()["id"], accepted.json()["tracking_token"]
    await drain()
    reporter = await client.post(
        f"/api/reports/{report_id}/push-subscriptions",
        json={"tracking_token": token, "subscription": Browser().subscription(service.endpoint("reporter"))},
    )
    assert reporter.status_code == 202
    for n in range(6):
        supporter = new_supporter()
        await me_too(client, report_id, supporter)
        answer = await follow(client, report_id, supporter, Browser().subscription(service.endpoint(f"f{n}")))
        assert answer.status_code == 202
    await drain()
    stored = await subscriptions(engine)
    assert stored.count((report_id, "reporter")) == 1
    assert stored.count((report_id, "public")) == 6
    async with engine.begin() as conn:
        await conn.execute(delete(PushSubscription))
