"""Workers forget applied-command and push-delivery records past LAPOR_PROCESSED_RETENTION_DAYS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.domain.commands import utcnow
from lapor.store.models import ProcessedCommand, PushDelivery, PushSubscription, Report
from tests.factories import both_backends, report_fields


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


def subscription_row(report_id: str, *, created_at: datetime) -> dict[str, Any]:
    """A reporter's browser, as the worker stores it for ``push.subscribe``."""
    return {
        "endpoint": f"https://push.example.com/{report_id}",
        "p256dh": "k",
        "auth": "a",
        "language": "id",
        "report_id": report_id,
        "emergencies": False,
        "assigned": False,
        "created_at": created_at,
    }


async def three_stored_reports(client: httpx.AsyncClient, drain: Callable[..., Any]) -> list[str]:
    ids = []
    for i in range(3):
        response = await client.post("/api/reports", json=report_fields(description=f"Pintu macet nomor {i}"))
        ids.append(response.json()["id"])
    await drain()
    return ids


@both_backends
async def test_records_older_than_the_retention_are_forgotten_and_the_rest_kept(
    client: httpx.AsyncClient, engine: AsyncEngine, drain: Callable[..., Any]
) -> None:
    ids = await three_stored_reports(client, drain)
    long_ago, lately = utcnow() - timedelta(days=40), utcnow() - timedelta(days=20)
    async with engine.begin() as conn:
        await conn.execute(
            update(ProcessedCommand)
            .where(ProcessedCommand.report_id.in_(ids[:2]))
            .values(processed_at=long_ago)
        )
        subscription = await conn.execute(
            insert(PushSubscription).returning(PushSubscription.id),
            subscription_row(ids[0], created_at=long_ago),
        )
        subscription_id = subscription.scalar_one()
        await conn.execute(
            insert(PushDelivery),
            [
                {"event_id": "old:0", "subscription_id": subscription_id, "sent_at": long_ago},
                {"event_id": "recent:0", "subscription_id": subscription_id, "sent_at": lately},
            ],
        )

    await drain(processed_retention_days=30)  # any worker prunes when it starts, then hourly

    async with engine.connect() as conn:
        kept = (await conn.execute(select(ProcessedCommand.report_id))).scalars().all()
        deliveries = (await conn.execute(select(PushDelivery.event_id))).scalars().all()
    assert kept == [ids[2]]
    assert deliveries == ["recent:0"]
    assert await count(engine, Report) == 3  # the reports themselves are never touched
    for report_id in ids:
        assert (await client.get(f"/api/reports/{report_id}")).json()["status"] == "pending"


async def test_a_reporters_browsers_are_forgotten_once_the_report_has_long_been_closed(
    client: httpx.AsyncClient, engine: AsyncEngine, drain: Callable[..., Any]
) -> None:
    ids = await three_stored_reports(client, drain)
    long_ago, lately = utcnow() - timedelta(days=40), utcnow() - timedelta(days=5)
    async with engine.begin() as conn:
        # resolved long ago, resolved lately, still open (but untouched for long)
        for report_id, status, at in (
            (ids[0], "resolved", long_ago),
            (ids[1], "resolved", lately),
            (ids[2], "pending", long_ago),
        ):
            await conn.execute(
                update(Report).where(Report.id == report_id).values(status=status, updated_at=at)
            )
            await conn.execute(insert(PushSubscription), subscription_row(report_id, created_at=long_ago))

    await drain(processed_retention_days=30)

    async with engine.connect() as conn:
        kept = set((await conn.execute(select(PushSubscription.report_id))).scalars())
    assert kept == {ids[1], ids[2]}
    assert await count(engine, Report) == 3
