"""The API application: built by a factory, with its clients made in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from lapor import __version__
from lapor.api.routes import (
    admin,
    auth,
    event_streams,
    legacy,
    office,
    places,
    push,
    reports,
    support,
    system,
)
from lapor.broker.client import connect
from lapor.broker.intake_script import check_wait_aof_supported, intake_pipe, warm_intake
from lapor.config import Settings
from lapor.http.errors import error_responses, install_error_handlers
from lapor.http.form_overflow import FormOverflowMiddleware
from lapor.http.middleware import BodyLimitMiddleware, MetricsMiddleware, SecurityHeadersMiddleware
from lapor.http.plain_errors import PlainErrorsMiddleware
from lapor.http.slow_clients import SlowBodyMiddleware
from lapor.http.sse import EventHub
from lapor.http.stream_admission import StreamAdmission
from lapor.push.vapid import load_vapid, public_key
from lapor.services.categories import CategoryCache
from lapor.services.places import RoomCache
from lapor.store.engine import create_engine, create_sessionmaker
from lapor.web import legacy_pages, place_pages, pwa, staff, staff_duplicates, staff_places, student
from lapor.web import office as office_pages
from lapor.web.render import STATIC

log = logging.getLogger("lapor.api")


_WARM_UP_SECONDS = 3.0


async def _warm_up(app: FastAPI, redis: Redis) -> None:
    await warm_intake(redis, app.state.intake_pipe)
    await app.state.categories.items()
    await app.state.rooms.resolve("")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new API app; ``settings`` default to the ``LAPOR_*`` environment."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The signing key first: a key file that cannot be used stops the start, and the log says
        # which key signs (LAPOR_SECRET_KEY or the file in the data dir).
        await asyncio.to_thread(lambda: settings.signing_key)
        engine = create_engine(settings.resolved_database_url)
        redis = connect(
            settings.redis_url,
            max_connections=settings.redis_max_connections,
            pool_timeout=settings.redis_pool_timeout_seconds,
        )
        if settings.redis_wait_aof:
            await check_wait_aof_supported(redis)
        settings.upload_dir.mkdir(parents=True, exist_ok=True)
        if settings.legacy_pages_dir is not None and not settings.legacy_pages_dir.is_dir():
            log.warning(
                "LAPOR_LEGACY_PAGES_DIR %s is not a directory: /lama/ answers 404", settings.legacy_pages_dir
            )
        app.state.vapid_public_key = public_key(await asyncio.to_thread(load_vapid, settings))
        hub = EventHub(connect(settings.redis_url))
        await hub.start()
        app.state.redis = redis
        app.state.intake_pipe = intake_pipe(redis)
        app.state.sessions = create_sessionmaker(engine)
        app.state.categories = CategoryCache(app.state.sessions, ttl_seconds=settings.category_cache_seconds)
        app.state.rooms = RoomCache(app.state.sessions, redis)
        app.state.hub = hub
        app.state.stream_admission = StreamAdmission(
            redis,
            cap=settings.sse_max_streams_per_address,
            max_stream_seconds=settings.sse_max_connection_seconds,
        )
        # The first reports after a start or deploy should not pay for connections and caches;
        # bounded, because a database or Redis that does not answer must not keep the API down.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_warm_up(app, redis), timeout=_WARM_UP_SECONDS)
        try:
            yield
        finally:
            await hub.stop()
            await app.state.categories.aclose()
            await app.state.rooms.aclose()
            if app.state.intake_pipe is not None:
                await app.state.intake_pipe.aclose()
            await redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Lapor Kampus API",
        version=__version__,
        description="Campus facility complaints: submit, track live, and work through reports.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load scripts from a CDN; /openapi.json is the contract
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics_registry = CollectorRegistry(auto_describe=True)
    install_error_handlers(app)
    for module in (reports, event_streams, push, auth, admin, office, legacy, system, places, support):
        app.include_router(module.router, responses=error_responses())  # any route may fail with a 500
    app.include_router(legacy.uploads_router)  # /static/uploads/{foto}: before the /static mount
    for page_module in (
        student,
        office_pages,
        staff,
        staff_duplicates,
        pwa,
        place_pages,
        staff_places,
        legacy_pages,
    ):
        app.include_router(page_module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The last one added runs first: metrics see every answer, security headers go on every
    # answer (the body limit's 413 included), and the body limit runs before any parsing.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Before the body limit: the report form without JavaScript answers a too-large photo with itself.
    app.add_middleware(FormOverflowMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(  # outside the body limit: a refused body is drained under its deadline too
        SlowBodyMiddleware,
        timeout_seconds=settings.http_body_timeout_seconds,
        min_rate_bytes=settings.http_body_min_rate_bytes,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    # Outside every middleware that refuses a body: the original page's POST gets its 413 as text too.
    app.add_middleware(PlainErrorsMiddleware)
    app.add_middleware(MetricsMiddleware, registry=app.state.metrics_registry)
    return app
