"""Health, readiness, metrics, categories and photo files."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel
from sqlalchemy import text

from lapor.broker import keys
from lapor.broker.stats import LATENCY_BUCKETS, BrokerStats, broker_stats
from lapor.errors import NotFound
from lapor.http.deps import LanguageDep, RedisDep, SettingsDep
from lapor.http.metrics import exposition
from lapor.media import store

router = APIRouter(tags=["system"])

PUSH_OUTCOMES = ("sent", "gone", "retry", "failed")  # lapor.push.sender.Outcome


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str]


class Category(BaseModel):
    slug: str
    name: str
    name_id: str
    name_en: str


class Categories(BaseModel):
    items: list[Category]


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Redis and the database answer",
    response_model=None,
    responses={
        200: {"model": Readiness, "description": "Ready"},
        503: {"model": Readiness, "description": "A check failed: `error: <exception type>`"},
    },
)
async def readyz(request: Request, redis: RedisDep) -> JSONResponse:
    checks = {"redis": await _check(redis.ping()), "database": await _check(_ping_database(request))}
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


async def _ping_database(request: Request) -> None:
    async with request.app.state.sessions() as session:
        await session.execute(text("SELECT 1"))


async def _check(probe: Any) -> str:
    try:
        await asyncio.wait_for(probe, timeout=2)
    except Exception as exc:  # any failure means "not ready"; the type is the useful part
        return f"error: {type(exc).__name__}"
    return "ok"


@router.get("/api/categories", response_model=Categories, summary="Report categories")
async def categories(request: Request, language: LanguageDep) -> dict[str, Any]:
    items = await request.app.state.categories.items()
    return {
        "items": [
            {
                "slug": c["slug"],
                "name": c["name_en"] if language == "en" else c["name_id"],
                "name_id": c["name_id"],
                "name_en": c["name_en"],
            }
            for c in items
        ]
    }


@router.get("/media/photos/{file_name}", include_in_schema=False)
async def photo(file_name: str, settings: SettingsDep) -> FileResponse:
    if not store.is_photo_file_name(file_name):
        raise NotFound("error.not_found")
    path = settings.photo_dir / file_name
    if not path.is_file():
        raise NotFound("error.not_found")
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
    )


class _Snapshot(Collector):
    """Broker figures read from Redis just now, so every API process reports the same truth."""

    def __init__(self, stats: BrokerStats, latency: dict[str, str], push: dict[str, str]) -> None:
        self.stats, self.latency, self.push = stats, latency, push

    def collect(self) -> Any:
        s = self.stats
        yield GaugeMetricFamily("lapor_queue_waiting", "Commands no worker has read yet", value=s.waiting)
        yield GaugeMetricFamily("lapor_queue_pending", "Commands read but not acknowledged", value=s.pending)
        per = GaugeMetricFamily(
            "lapor_queue_pending_by_consumer", "Pending commands per consumer", labels=["consumer"]
        )
        for name, count in s.pending_per_consumer.items():
            per.add_metric([name], count)
        yield per
        yield GaugeMetricFamily(
            "lapor_dead_letters", "Commands in the dead-letter stream", value=s.dead_letters
        )
        yield GaugeMetricFamily(
            "lapor_workers_live", "Workers with a live heartbeat", value=len(s.live_workers)
        )
        yield GaugeMetricFamily(
            "lapor_photos_pending", "Photos of stored reports not rendered yet", value=s.photos.pending
        )
        yield CounterMetricFamily(
            "lapor_photo_failures",
            "Failed attempts at rendering a photo (storage errors), all workers",
            value=s.photos.failures,
        )
        yield GaugeMetricFamily(
            "lapor_photo_storage_failing",
            "1 while the last attempt at a photo failed on storage (see /api/admin/status)",
            value=1 if s.photos.error else 0,
        )
        buckets, cumulative = [], 0
        for bound in (*[str(b) for b in LATENCY_BUCKETS], "+Inf"):
            cumulative += int(self.latency.get(bound, 0))
            buckets.append((bound, cumulative))
        yield HistogramMetricFamily(
            "lapor_processing_latency_seconds",
            "Submit-to-commit time of commands, all workers",
            buckets=buckets,
            sum_value=float(self.latency.get("sum", 0.0)),
        )
        pushes = CounterMetricFamily(
            "lapor_push", "Web Push attempts by outcome, all notifiers", labels=["outcome"]
        )
        for outcome in PUSH_OUTCOMES:  # a closed set, whatever the hash holds
            pushes.add_metric([outcome], int(self.push.get(outcome, 0)))
        yield pushes


@router.get(
    "/metrics",
    # A class without a media type, so that the JSON errors are declared as JSON.
    response_class=Response,
    response_model=None,
    summary="Prometheus metrics",
    responses={
        200: {
            "description": "The Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(request: Request, redis: RedisDep, settings: SettingsDep) -> PlainTextResponse:
    latency: Any = await redis.hgetall(keys.LATENCY)
    push: Any = await redis.hgetall(keys.PUSH_OUTCOMES)
    snapshot = CollectorRegistry(auto_describe=False)
    snapshot.register(_Snapshot(await broker_stats(redis), latency, push))
    own = exposition(request.app.state.metrics_registry, settings.prometheus_multiproc_dir)
    body = own + generate_latest(snapshot)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
