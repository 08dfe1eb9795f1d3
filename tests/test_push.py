"""Web Push end to end without the internet: the API takes a subscription, the worker stores it,
the notifier sends, and a push service on loopback checks VAPID and decrypts what arrived."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.app import create_app
from lapor.broker import keys
from lapor.config import Settings
from lapor.store.models import PushDelivery, PushSubscription, Report
from lapor.worker.notifier import Notifier
from tests.factories import StaffUser, both_backends, submit
from tests.live import spawn, stop
from tests.pushservice import Browser, PushService


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    # The push service of these tests listens on http://127.0.0.1: allowed for tests only.
    return make_settings(database_url, push_allow_insecure=True, push_retry_max_seconds=0.3)


async def new_report(client: httpx.AsyncClient, drain: Callable[..., Any], **fields: Any) -> tuple[str, str]:
    accepted = (await submit(client, **fields)).json()
    await drain()
    return accepted["id"], accepted["tracking_token"]


async def subscribe(
    client: httpx.AsyncClient, report_id: str, token: str, subscription: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.post(
        f"/api/reports/{report_id}/push-subscriptions",
        json={"tracking_token": token, "subscription": subscription},
        headers=headers,
    )


async def subscribed_report(
    client: httpx.AsyncClient, drain: Callable[..., Any], service: PushService, name: str, **headers: str
) -> str:
    """A stored report whose reporter turned on notifications in a new browser, at ``name`` on the
    push service; returns the report's id once the worker has stored the subscription."""
    report_id, token = await new_report(client, drain)
    browser = Browser()
    service.register(name, browser)
    answer = await subscribe(
        client, report_id, token, browser.subscription(service.endpoint(name)), **headers
    )
    assert answer.status_code == 202, answer.text
    await drain()
    return report_id


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def change(client: httpx.AsyncClient, staff: StaffUser, report_id: str, **body: Any) -> None:
    response = await client.patch(f"/api/reports/{report_id}", json=body, headers=staff.headers)
    assert response.status_code == 202, response.text


@both_backends
async def test_reporter_gets_a_decryptable_push_for_each_status_change(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
    engine: AsyncEngine,
) -> None:
    report_id, token = await new_report(client, drain)
    key = (await client.get("/api/push/vapid-public-key")).json()["public_key"]
    service.expected_vapid_key = key  # the key the browser subscribed with signs every push
    browser = Browser()
    service.register("student", browser)
    answer = await subscribe(client, report_id, token, browser.subscription(service.endpoint("student")))
    assert answer.status_code == 202 and answer.json()["command_id"]
    await drain()
    assert await count(engine, PushSubscription) == 1

    await change(client, technician, report_id, status="in_progress", note="Teknisi menuju lokasi")
    await drain()
    first = (await service.async_wait_for_deliveries(1))[0]
    await change(client, technician, report_id, status="resolved")
    await drain()
    deliveries = await service.async_wait_for_deliveries(2)

    payloads = [d.json() for d in deliveries]
    assert [(p["report_id"], p["status"]) for p in payloads] == [
        (report_id, "in_progress"),
        (report_id, "resolved"),
    ]
    assert payloads[0]["title"] == "Laporan Anda sedang diproses"  # the reporter's language: Indonesian
    assert "Teknisi menuju lokasi" in payloads[0]["body"]
    assert "Gedung A" in payloads[1]["body"]  # the report's location
    assert payloads[1]["url"] == f"/r/{report_id}"
    assert first.claims["aud"] == service.base_url and first.claims["sub"].startswith("mailto:")
    assert first.ttl == 24 * 3600
    assert deliveries[1].headers["urgency"] == "high"
    assert service.rejected == []
    assert await count(engine, PushDelivery) == 2


async def test_language_of_the_push_is_the_reporters(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
) -> None:
    report_id = await subscribed_report(client, drain, service, "en", **{"Accept-Language": "en-GB,en;q=0.9"})
    await change(client, technician, report_id, status="in_progress")
    await drain()
    payload = (await service.async_wait_for_deliveries(1))[0].json()
    assert payload["title"] == "Your report is being worked on"


async def test_wrong_token_unknown_report_and_unsafe_endpoints_are_refused(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    make_settings: Callable[..., Settings],
    settings: Settings,
    redis: Redis,
) -> None:
    report_id, token = await new_report(client, drain)
    good = Browser().subscription("https://fcm.googleapis.com/fcm/send/abc")
    wrong = await subscribe(client, report_id, "not-the-token", good)
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
    unknown = await subscribe(client, "00000000-0000-4000-8000-000000000000", token, good)
    assert unknown.status_code == 404
    bad_keys = dict(good, keys={"p256dh": "A" * 87, "auth": "short"})
    assert (await subscribe(client, report_id, token, bad_keys)).status_code == 422
    streamed = await redis.xlen(keys.COMMANDS)

    # Without LAPOR_PUSH_ALLOW_INSECURE: https to public hosts only.
    strict = create_app(make_settings(settings.resolved_database_url))
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict)
        async with httpx.AsyncClient(transport=transport, base_url="http://lapor.test") as http:
            for endpoint, message in (
                ("http://push.example.com/x", "https://"),
                ("https://127.0.0.1/x", "internal"),
                ("https://10.1.2.3/x", "internal"),
                ("https://[::ffff:192.168.0.1]/x", "internal"),
                ("https://localhost/x", "internal"),
                ("https://push.example.com:8443/x", "internal"),
            ):
                answer = await http.post(
                    f"/api/reports/{report_id}/push-subscriptions",
                    json={"tracking_token": token, "subscription": dict(good, endpoint=endpoint)},
                    headers={"Accept-Language": "en"},
                )
                assert answer.status_code == 422, endpoint
                assert message in answer.json()["error"]["fields"]["subscription.endpoint"], endpoint
    assert await redis.xlen(keys.COMMANDS) == streamed  # nothing refused reached the broker


async def test_gone_subscription_is_deleted(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
    engine: AsyncEngine,
) -> None:
    service.script("gone", 410)
    report_id = await subscribed_report(client, drain, service, "gone")
    assert await count(engine, PushSubscription) == 1
    await change(client, technician, report_id, status="in_progress")
    await drain()
    await wait_until(lambda: count_equals(engine, PushSubscription, 0))
    await change(client, technician, report_id, status="resolved")
    await drain()
    await asyncio.sleep(0.5)
    assert [a.status for a in service.attempts] == [410]  # nothing more was sent there


async def test_rate_limited_push_is_retried_and_delivered_once(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
    engine: AsyncEngine,
    redis: Redis,
) -> None:
    service.script("busy", 429, 201, retry_after=0)
    report_id = await subscribed_report(client, drain, service, "busy")
    await change(client, technician, report_id, status="in_progress")
    await drain()
    delivered = await service.async_wait_for_deliveries(1)
    assert [a.status for a in service.attempts] == [429, 201]
    assert delivered[0].json()["status"] == "in_progress"

    # The same event delivered again (a notifier died before its ack): not pushed twice.
    (_id, fields), *_ = await redis.xrevrange(keys.EVENTS, count=1)
    await redis.xadd(keys.EVENTS, fields)
    await asyncio.sleep(0.6)
    assert len(service.delivered) == 1 and len(service.attempts) == 2
    assert await count(engine, PushDelivery) == 1
    assert await redis.zcard(keys.PUSH_RETRIES) == 0


async def test_push_service_down_then_back_gets_the_notification(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
) -> None:
    report_id = await subscribed_report(client, drain, service, "later")
    service.stop()
    await change(client, technician, report_id, status="in_progress")
    await drain()
    await change(client, technician, report_id, status="resolved")
    await drain()
    await asyncio.sleep(1.5)  # several failed attempts while it is down
    assert service.delivered == []
    service.start()
    delivered = await service.async_wait_for_deliveries(2, timeout=10)
    assert sorted(d.json()["status"] for d in delivered) == ["in_progress", "resolved"]
    await asyncio.sleep(0.5)
    assert len(service.delivered) == 2


async def test_staff_hear_of_new_emergencies_and_of_their_assignments(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    admin: StaffUser,
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
) -> None:
    await drain()  # the notifiers' group exists from the first worker on
    admins_browser, technicians_browser = Browser(), Browser()
    service.register("admin", admins_browser)
    service.register("tek", technicians_browser)
    answer = await client.post(
        "/api/staff/push-subscriptions",
        json={"subscription": admins_browser.subscription(service.endpoint("admin")), "assigned": False},
        headers=admin.headers,
    )
    assert answer.status_code == 202, answer.text
    answer = await client.post(
        "/api/staff/push-subscriptions",
        json={
            "subscription": technicians_browser.subscription(service.endpoint("tek")),
            "emergencies": False,
        },
        headers=technician.headers,
    )
    assert answer.status_code == 202
    anonymous = await client.post(
        "/api/staff/push-subscriptions",
        json={"subscription": Browser().subscription(service.endpoint("x"))},
    )
    assert anonymous.status_code == 401
    await drain()

    emergency_id, _ = await new_report(client, drain, priority="emergency")
    await new_report(client, drain, priority="normal")  # no push for this one
    first = (await service.async_wait_for_deliveries(1))[0]
    assert first.name == "admin"
    assert first.json()["title"] == "🔴 Laporan darurat"
    assert first.json()["url"] == f"/staff/reports/{emergency_id}"

    await change(client, admin, emergency_id, assignee="tek")
    await drain()
    second = (await service.async_wait_for_deliveries(2))[1]
    assert second.name == "tek" and second.json()["title"] == "Laporan ditugaskan kepada Anda"
    await change(client, technician, emergency_id, status="in_progress")  # their own doing: no push
    await drain()
    await asyncio.sleep(0.5)
    assert len(service.delivered) == 2


async def test_unsubscribe_stops_pushes(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    engine: AsyncEngine,
) -> None:
    report_id, token = await new_report(client, drain)
    subscription = Browser().subscription("http://127.0.0.1:9/push/a")
    await subscribe(client, report_id, token, subscription)
    await drain()
    assert await count(engine, PushSubscription) == 1
    answer = await client.post("/api/push/unsubscribe", json={"endpoint": subscription["endpoint"]})
    assert answer.status_code == 202
    await drain()
    assert await count(engine, PushSubscription) == 0


async def wait_until(check: Callable[[], Any], timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_a_push_service_that_never_answers_does_not_hold_up_reports(
    client: httpx.AsyncClient,
    technician: StaffUser,
    engine: AsyncEngine,
    env_for: Callable[..., dict[str, str]],
) -> None:
    # A push service that takes the connection and never answers (a black hole).
    with socket.socket() as black_hole:
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(16)
        endpoint = f"http://127.0.0.1:{black_hole.getsockname()[1]}/push/slow"
        worker = spawn(
            "worker", env=env_for(LAPOR_PUSH_ALLOW_INSECURE="true", LAPOR_PUSH_TIMEOUT_SECONDS="60")
        )
        try:
            accepted = (await submit(client)).json()
            report_id = accepted["id"]
            await wait_until(lambda: count_reports(engine, 1))
            await subscribe(client, report_id, accepted["tracking_token"], Browser().subscription(endpoint))
            await wait_until(lambda: count_equals(engine, PushSubscription, 1))
            await change(client, technician, report_id, status="in_progress")  # its push hangs
            await asyncio.sleep(0.5)

            started = time.monotonic()
            for _ in range(20):
                assert (await submit(client)).status_code == 202
            await wait_until(lambda: count_reports(engine, 21), timeout=20)
            assert time.monotonic() - started < 10  # far less than the push's 60 s timeout
            black_hole.settimeout(5)
            waiting, _ = black_hole.accept()  # the push was under way all along, unanswered
            waiting.close()
        finally:
            stop(worker)


async def count_equals(engine: AsyncEngine, model: Any, expected: int) -> bool:
    return await count(engine, model) == expected


async def count_reports(engine: AsyncEngine, expected: int) -> bool:
    return await count(engine, Report) == expected


async def test_a_report_keeps_at_most_five_browsers(
    client: httpx.AsyncClient, drain: Callable[..., Any], engine: AsyncEngine
) -> None:
    report_id, token = await new_report(client, drain)
    endpoints = [f"https://fcm.googleapis.com/fcm/send/{n}" for n in range(7)]
    for endpoint in endpoints:
        assert (
            await subscribe(client, report_id, token, Browser().subscription(endpoint))
        ).status_code == 202
    await drain()
    async with engine.connect() as conn:
        kept = list(
            (await conn.execute(select(PushSubscription.endpoint).order_by(PushSubscription.id))).scalars()
        )
    assert kept == endpoints[2:]  # the newest five


async def test_a_reporter_hears_comments_but_never_a_staff_only_event(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    admin: StaffUser,
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
) -> None:
    """The notifier filters like the event streams: public and reporter events for a reporter's
    browser, never an assignment (staff only)."""
    report_id = await subscribed_report(client, drain, service, "student")
    await change(client, admin, report_id, assignee="tek")  # staff only: no push to the reporter
    await drain()
    comment = {"body": "Suku cadang dipesan, besok dipasang"}
    answer = await client.post(f"/api/reports/{report_id}/comments", json=comment, headers=admin.headers)
    assert answer.status_code == 202
    await drain()
    await change(client, admin, report_id, status="in_progress")
    await drain()
    deliveries = await service.async_wait_for_deliveries(2)
    # In stream order: had the assignment been pushed, it would have come first.
    assert [d.name for d in deliveries] == ["student", "student"]
    first, second = (d.json() for d in deliveries)
    assert first["title"] == "Pesan baru dari petugas"
    assert "Suku cadang dipesan" in first["body"]
    assert second["title"] == "Laporan Anda sedang diproses"


async def test_an_unsendable_stored_subscription_fails_alone(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    technician: StaffUser,
    service: PushService,
    notifier: Notifier,
    engine: AsyncEngine,
    redis: Redis,
) -> None:
    # Subscriptions stored before the endpoint check knew what py_vapid cannot sign for: its
    # VapidException ("Missing 'aud'") used to end the notifier's batch, for ever.
    report_id = await subscribed_report(client, drain, service, "good")
    keys_of_a_browser = Browser().subscription("unused")["keys"]
    async with engine.begin() as conn:
        for endpoint in ("https://[2001:4860:4860::8888]/push/v6", "https://push.example.com:/push/x"):
            await conn.execute(
                insert(PushSubscription).values(
                    endpoint=endpoint,
                    p256dh=keys_of_a_browser["p256dh"],
                    auth=keys_of_a_browser["auth"],
                    language="id",
                    report_id=report_id,
                    created_at=datetime.now(UTC),
                )
            )

    await change(client, technician, report_id, status="in_progress")
    await drain()
    first = await service.async_wait_for_deliveries(1)
    await change(client, technician, report_id, status="resolved")  # the notifier lives on
    await drain()
    delivered = await service.async_wait_for_deliveries(2)
    assert [d.json()["status"] for d in delivered] == ["in_progress", "resolved"]
    assert first[0].name == "good"
    await wait_until(lambda: notifier_has_nothing_pending(redis))
    assert len(service.attempts) == 2  # each push went out once: no batch was sent again
    assert await count(engine, PushDelivery) == 2
    assert await count(engine, PushSubscription) == 3  # refused, not mistaken for gone
    outcomes = await redis.hgetall(keys.PUSH_OUTCOMES)
    assert outcomes == {"sent": "2", "failed": "4"}
    assert "lapor_push_total" in (await client.get("/metrics")).text


async def notifier_has_nothing_pending(redis: Redis) -> bool:
    summary = await redis.xpending(keys.EVENTS, keys.NOTIFIER_GROUP)
    return int(summary["pending"]) == 0


async def test_endpoints_the_sender_cannot_sign_for_are_refused(
    client: httpx.AsyncClient, drain: Callable[..., Any], redis: Redis
) -> None:
    report_id, token = await new_report(client, drain)
    streamed = await redis.xlen(keys.COMMANDS)
    for endpoint in (
        "https://[2001:4860:4860::8888]/x",
        "https://[2001:4860:4860::8888]:443/x",
        "https://push.example.com:/x",
        "http://127.0.0.1:/push/a",
    ):
        answer = await subscribe(
            client, report_id, token, Browser().subscription(endpoint), **{"Accept-Language": "en"}
        )
        assert answer.status_code == 422, endpoint
        message = answer.json()["error"]["fields"]["subscription.endpoint"]
        assert "IPv6" in message, endpoint
    assert await redis.xlen(keys.COMMANDS) == streamed
