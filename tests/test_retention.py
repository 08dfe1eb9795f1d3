"""Workers forget applied-command and push-delivery records past LAPOR_PROCESSED_RETENTION_DAYS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
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


@both_backends
async def test_records_older_than_the_retention_are_forgotten_and_the_rest_kept(
    client: httpx.AsyncClient, engine: AsyncEngine, drain: Callable[..., Any]
) -> None:
    ids = []
    for i in range(3):
        response = await client.post("/api/reports", json=report_fields(description=f"Pintu macet nomor {i}"))
        ids.append(response.json()["id"])
    await drain()
    long_ago, lately = utcnow() - timedelta(days=40), utcnow() - timedelta(days=20)
    async with engine.begin() as conn:
        await conn.execute(
            update(ProcessedCommand)
            .where(ProcessedCommand.report_id.in_(ids[:2]))
            .values(processed_at=long_ago)
        )
        subscription = await conn.execute(
            insert(PushSubscription).returning(PushSubscription.id),
            {"endpoint": "https://push.example.com/x", "p256dh": "k", "auth": "a", "language": "id",
             "report_id": ids[0], "emergencies": False, "assigned": False, "created_at": long_ago},
        )  # fmt: skip
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
