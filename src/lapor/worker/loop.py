"""The worker loop: read in batches, reclaim from the dead, apply, publish, acknowledge."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from lapor.auth import revocation
from lapor.broker import consumer, event_stream, keys
from lapor.broker.consumer import Entry
from lapor.broker.stats import LATENCY_BUCKETS
from lapor.config import Settings
from lapor.domain.commands import (
    AnyCommand,
    CreateReport,
    ImportLegacyReport,
    ImportPlaces,
    decode_command,
    utcnow,
)
from lapor.store import retention
from lapor.worker.apply import Outcome, apply_command, apply_together
from lapor.worker.backoff import DB_RETRY_FIRST_SECONDS, Backoff
from lapor.worker.handlers import ReportNotPersistedYet
from lapor.worker.photos import PhotoStage
from lapor.worker.transactions import TransactionRunner

log = logging.getLogger("lapor.worker")

_FORGET_CONSUMER_AFTER_MS = 3600 * 1000
_NOT_YET_RETRIES = 3  # then it counts as a failure and is retried on reclaim
_PRUNE_EVERY_SECONDS = 3600
_PRUNE_CHUNKS_PER_CYCLE = 10


RESULT_TTL_SECONDS = 3600  # a sender that gave up waiting can still read it for an hour


def _answer_sender(pipe: Pipeline, command_id: str, outcome: Outcome) -> None:
    """Hand a waiting sender its command's result; API processes learn that places changed."""
    result = outcome.result if outcome.result is not None else {"ok": True, "replayed": True}
    pipe.rpush(keys.command_result(command_id), json.dumps(result))
    pipe.expire(keys.command_result(command_id), RESULT_TTL_SECONDS)
    if result.get("ok"):
        pipe.incr(keys.PLACES_VERSION)


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


def is_transient(exc: BaseException) -> bool:
    """Failures of the database itself (down, locked, restarting): wait and retry, never give up.

    Anything else (a bug, a full disk, a bad command) counts as a failed attempt instead, so it
    ends in the dead-letter stream rather than blocking the queue forever.
    """
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | TimeoutError | socket.gaierror):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class Worker:
    """One consumer of the command stream. ``run`` returns after a stop request or, in burst
    mode, once the stream is drained."""

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        runner: TransactionRunner,
        *,
        name: str | None = None,
        burst: bool = False,
        render_photos: bool = True,
    ) -> None:
        """``render_photos=False`` leaves photos pending, as a worker that died right after its
        commits would (tests use it to stop between the two stages)."""
        self.settings = settings
        self.redis = redis
        self.runner = runner
        self.name = name or consumer_name()
        self.burst = burst
        self.render_photos = render_photos
        self.photos = PhotoStage(settings, redis, runner, name=self.name)
        self.processed = 0
        self._stopping = asyncio.Event()
        self._last_claim = 0.0
        self._next_prune = 0.0

    def request_stop(self) -> None:
        """Warm stop: finish the batch in hand, acknowledge it, then return from ``run``."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def stopped(self) -> asyncio.Event:
        """Set once a stop is requested; what the notifier beside the loop waits on."""
        return self._stopping

    async def run(self) -> None:
        await consumer.ensure_group(self.redis)
        heartbeat = asyncio.create_task(self._heartbeat())
        # Beside the loop, not in it: a photo never delays a command (worker/photos.py).
        photos = None
        if self.render_photos and not self.burst:
            photos = asyncio.create_task(self.photos.run(self._stopping))
        log.info("worker %s started", self.name)
        try:
            while not self.stopping:
                try:
                    batch = await self._next_batch()
                    if batch:
                        await self._process(batch)
                    elif self.burst and await self._drained():
                        break
                except (RedisConnectionError, RedisTimeoutError) as exc:
                    # Unacknowledged entries stay in Redis; nothing is lost by waiting.
                    log.warning("Redis unavailable (%s); retrying in 1s", exc)
                    await asyncio.sleep(1)
            if self.burst and self.render_photos and not self.stopping:
                await self.photos.drain()
        finally:
            heartbeat.cancel()
            if photos is not None:
                # A render in hand is abandoned: its photo stays pending and is rendered again.
                photos.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await photos
            with contextlib.suppress(RedisError):
                await self.redis.delete(keys.worker_heartbeat(self.name))
                await consumer.forget_consumer_if_idle(self.redis, self.name)
            log.info("worker %s stopped after %d commands", self.name, self.processed)

    async def _next_batch(self) -> list[Entry]:
        count = self.settings.worker_batch_size
        now = time.monotonic()
        if now - self._last_claim >= self.settings.worker_claim_idle_seconds / 2:
            self._last_claim = now
            await self._housekeeping()
            min_idle = int(self.settings.worker_claim_idle_seconds * 1000)
            claimed = await consumer.claim_stale(self.redis, self.name, min_idle_ms=min_idle, count=count)
            if claimed:
                log.warning("worker %s reclaimed %d stale entries", self.name, len(claimed))
                return claimed
        block = 50 if self.burst else self.settings.worker_block_ms
        return await consumer.read_new(self.redis, self.name, count=count, block_ms=block)

    async def _housekeeping(self) -> None:
        """Keep the command stream and the group from growing without bound."""
        trimmed = await consumer.trim_acknowledged(self.redis)
        if trimmed:
            log.debug("trimmed %d acknowledged commands", trimmed)
        gone = await consumer.forget_idle_consumers(self.redis, idle_ms=_FORGET_CONSUMER_AFTER_MS)
        if gone:
            log.info("forgot %d idle consumers: %s", len(gone), ", ".join(gone))
        await self._prune()

    async def _prune(self) -> None:
        """Forget what is past its retention (store/retention.py): a few small transactions per cycle."""
        if time.monotonic() < self._next_prune:
            return
        before = utcnow() - timedelta(days=self.settings.processed_retention_days)
        try:
            for prune in (
                retention.prune_processed,
                retention.prune_deliveries,
                retention.prune_closed_subscriptions,
            ):
                for _ in range(_PRUNE_CHUNKS_PER_CYCLE):
                    if await self.runner.run(partial(prune, before=before)) < retention.CHUNK:
                        break
                else:
                    return  # more to delete: again at the next housekeeping, commands first
        except Exception as exc:  # pruning waits for a better time; it never stops the worker
            log.warning("old records not pruned (%s); trying again later", type(exc).__name__)
        self._next_prune = time.monotonic() + _PRUNE_EVERY_SECONDS

    async def _drained(self) -> bool:
        info = {g["name"]: g for g in await self.redis.xinfo_groups(keys.COMMANDS)}
        group = info.get(keys.WORKER_GROUP)
        if group is None:
            return True
        if int(group["pending"]) == 0 and not group.get("lag"):
            return True
        # Entries are still pending (ours after a failure, or a dead consumer's): try to reclaim
        # them as soon as they have been idle long enough.
        self._last_claim = 0.0
        await asyncio.sleep(min(0.2, self.settings.worker_claim_idle_seconds / 4))
        return False

    async def _process(self, batch: Sequence[Entry]) -> None:
        decoded: list[tuple[Entry, AnyCommand]] = []
        for entry in batch:
            try:
                decoded.append((entry, decode_command(entry.data)))
            except ValidationError as exc:
                await self._dead_letter(entry, f"undecodable command: {exc}")
        applied = await self._apply_together(decoded)
        if applied is None:
            applied = []
            for entry, command in decoded:  # a warm stop still finishes the batch in hand
                outcome = await self._handle(entry, command)
                if outcome is not None:  # None: left pending for a retry, or dead-lettered
                    applied.append((entry, command, outcome))
        if applied:
            await self._complete(applied)
            await self._end_sessions(applied)
        if any(
            isinstance(command, CreateReport | ImportLegacyReport) and command.upload
            for _e, command, _o in applied
        ):
            self.photos.wake()
        self.processed += len(applied)

    async def _apply_together(
        self, decoded: Sequence[tuple[Entry, AnyCommand]]
    ) -> list[tuple[Entry, AnyCommand, Outcome]] | None:
        """The whole batch in one transaction (group commit), or None: then it goes one by one.

        Failures are rare (a redelivery after a crash, a poison command, the database down, a
        batch over its time limit), and the one-by-one path already knows how to replay, retry,
        wait or dead-letter each of them.
        """
        if len(decoded) < 2:
            return None
        commands = [command for _entry, command in decoded]
        try:
            async with asyncio.timeout(self.settings.worker_batch_timeout_seconds):
                outcomes = await apply_together(self.runner, commands)
        except Exception as exc:
            # The type only: a database error quotes the statement's parameters (reporters' contacts).
            log.debug("a batch of %d goes one by one after %s", len(decoded), type(exc).__name__)
            return None
        return [
            (entry, command, outcome) for (entry, command), outcome in zip(decoded, outcomes, strict=True)
        ]

    async def _complete(self, applied: list[tuple[Entry, AnyCommand, Outcome]]) -> None:
        """After the commits, in one round trip: events out, queued views gone, entries acked.

        A crash before this point only means the entries are delivered again; their commands
        are found already applied and their stored events are published then.
        """
        async with self.redis.pipeline(transaction=False) as pipe:
            for _entry, command, outcome in applied:
                event_stream.append(pipe, outcome.events, maxlen=self.settings.events_maxlen)
                if isinstance(command, CreateReport):
                    pipe.delete(keys.queued_view(command.report_id))
                if isinstance(command, ImportPlaces):
                    _answer_sender(pipe, command.command_id, outcome)
            entry_ids = [entry.entry_id for entry, _command, _outcome in applied]
            pipe.xack(keys.COMMANDS, keys.WORKER_GROUP, *entry_ids)
            pipe.hdel(keys.FAILURES, *entry_ids)
            for _entry, command, outcome in applied:
                if outcome.events and not outcome.replayed:
                    seconds = (outcome.events[0].at - command.issued_at).total_seconds()
                    bucket = next((str(b) for b in LATENCY_BUCKETS if seconds <= b), "+Inf")
                    pipe.hincrby(keys.LATENCY, bucket, 1)
                    pipe.hincrbyfloat(keys.LATENCY, "sum", seconds)
            await pipe.execute()

    async def _end_sessions(self, applied: list[tuple[Entry, AnyCommand, Outcome]]) -> None:
        """After the commits: end the sessions of members just deactivated or given another role."""
        for _entry, _command, outcome in applied:
            if outcome.end_sessions_of is not None:
                await revocation.revoke_user_before(
                    self.redis,
                    user_id=outcome.end_sessions_of,
                    max_token_age=self.settings.token_max_age_seconds,
                )

    async def _handle(self, entry: Entry, command: AnyCommand) -> Outcome | None:
        """Apply one entry's command (committed when this returns); None if it stays unacknowledged.

        Each try has the batch's time limit (``LAPOR_WORKER_BATCH_TIMEOUT_SECONDS``), like arq's
        per-job ``wait_for``: one that runs over is a failed attempt, retried when reclaimed.
        """
        attempt = 0
        outage = Backoff(base=DB_RETRY_FIRST_SECONDS, cap=self.settings.worker_db_retry_max_seconds)
        limit = self.settings.worker_batch_timeout_seconds
        while True:
            deadline = asyncio.timeout(limit)
            try:
                async with deadline:
                    outcome = await apply_command(self.runner, command)
                break
            except ReportNotPersistedYet:
                attempt += 1
                if attempt > _NOT_YET_RETRIES:
                    await self._failed(entry, "the report of this command does not exist")
                    return None
                await asyncio.sleep(0.1 * attempt)
            except Exception as exc:
                if deadline.expired():
                    log.error("command %s (%s) timed out after %gs", command.command_id, command.type, limit)
                    await self._failed(entry, f"timed out after {limit:g} s")
                    return None
                if not is_transient(exc):
                    log.exception("command %s (%s) failed", command.command_id, command.type)
                    await self._failed(entry, f"{type(exc).__name__}: {exc}")
                    return None
                if self.stopping:
                    return None  # leave it pending; a live worker reclaims it
                wait = outage.next()
                log.warning("database unavailable (%s); retrying in %.1fs", type(exc).__name__, wait)
                await asyncio.sleep(wait)
        return outcome

    async def _failed(self, entry: Entry, error: str) -> None:
        attempts = await consumer.record_failure(self.redis, entry.entry_id)
        if attempts >= self.settings.worker_max_attempts:
            await self._dead_letter(entry, error)

    async def _dead_letter(self, entry: Entry, error: str) -> None:
        log.error("entry %s moved to the dead-letter stream: %s", entry.entry_id, error)
        await consumer.dead_letter(self.redis, entry, error=error, consumer=self.name)

    async def _heartbeat(self) -> None:
        ttl = max(1, int(self.settings.worker_heartbeat_seconds * 3))
        while True:
            try:
                state = {"processed": self.processed, "pid": os.getpid(), "at": time.time()}
                await self.redis.set(keys.worker_heartbeat(self.name), json.dumps(state), ex=ttl)
            except (RedisConnectionError, RedisTimeoutError):
                log.warning("heartbeat: Redis unreachable")
            await asyncio.sleep(self.settings.worker_heartbeat_seconds)
