"""The notifier: a consumer group of its own on ``lapor:events`` that sends Web Push.

It runs beside the command loop in every ``lapor worker`` process but shares nothing with it
except the database runner: a slow or dead push service delays pushes, never reports.

Delivery: every planned push is sent at least once (an event is acknowledged only after each
of its pushes was delivered, recorded as given up, or scheduled for a retry in
``lapor:push:retries``) and at most once per event and subscription (``push_deliveries`` is
checked before sending and written after; only a crash between the two can repeat a push).

Whatever one push raises is that subscription's failure, never the batch's: a batch always ends
in its acknowledgement, so one unsendable subscription cannot make the others' pushes repeat.
Outcomes are counted in ``lapor:metrics:push`` (``lapor_push_total`` on ``/metrics``); logs name
the subscription by its id, never by its endpoint (the endpoint is a capability: whoever has it
can push to that browser).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from lapor.broker import consumer, keys
from lapor.broker.consumer import Entry
from lapor.config import Settings
from lapor.domain.events import ReportEvent
from lapor.push import plan
from lapor.push.sender import PushSender, Result
from lapor.worker.backoff import DB_RETRY_FIRST_SECONDS, Backoff, delay
from lapor.worker.loop import is_transient
from lapor.worker.transactions import TransactionRunner

log = logging.getLogger("lapor.push")

_BATCH = 32
_RETRY_LEASE_SECONDS = 60.0  # a claimed retry comes back after this if its notifier died
_FIRST_RETRY_SECONDS = 1.0

# Take the retries that are due and lease them (score moved ahead), atomically, so two
# notifiers never send the same retry and a notifier that dies leaves it for another.
_CLAIM_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member) end
return due
"""


class Notifier:
    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        runner: TransactionRunner,
        sender: PushSender,
        *,
        name: str,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.runner = runner
        self.sender = sender
        self.name = name
        self.sent = 0
        self._last_claim = 0.0

    async def run(self, stopping: asyncio.Event) -> None:
        """Send pushes until ``stopping`` is set; the entry in hand is finished first."""
        await consumer.ensure_group(self.redis)
        outage = Backoff(base=DB_RETRY_FIRST_SECONDS, cap=self.settings.worker_db_retry_max_seconds)
        while not stopping.is_set():
            try:
                entries = await self._next_entries()
                if entries:
                    await self._handle(entries)
                await self._send_due_retries()
                outage.reset()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                log.warning("notifier: Redis unavailable (%s); retrying in 1s", exc)
                await asyncio.sleep(1)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                # The database is down: the entry stays pending and is reclaimed later.
                log.warning("notifier: database unavailable (%s); retrying", type(exc).__name__)
                await asyncio.sleep(outage.next())

    async def _next_entries(self) -> list[Entry]:
        now = time.monotonic()
        if now - self._last_claim >= self.settings.worker_claim_idle_seconds / 2:
            self._last_claim = now
            claimed = await consumer.claim_stale(
                self.redis,
                self.name,
                min_idle_ms=int(self.settings.worker_claim_idle_seconds * 1000),
                count=_BATCH,
                stream=keys.EVENTS,
                group=keys.NOTIFIER_GROUP,
            )
            if claimed:
                return claimed
        return await consumer.read_new(
            self.redis,
            self.name,
            count=_BATCH,
            block_ms=self.settings.worker_block_ms,
            stream=keys.EVENTS,
            group=keys.NOTIFIER_GROUP,
        )

    async def _handle(self, entries: list[Entry]) -> None:
        """A batch of events: planned in one transaction, pushed concurrently, acknowledged together."""
        events: list[ReportEvent] = []
        for entry in entries:
            try:
                events.append(ReportEvent.model_validate_json(entry.data))
            except ValidationError:
                log.error("notifier: event %s cannot be read; skipped", entry.entry_id)
        plans = await self.runner.run(lambda session: plan.plan_all(session, events)) if events else []
        pushes = [(event, push) for event, planned in zip(events, plans, strict=True) for push in planned]
        results = list(await asyncio.gather(*(self._send(push) for _event, push in pushes)))
        await self._record(pushes, results)
        async with self.redis.pipeline(transaction=True) as pipe:
            _count(pipe, results)
            for (event, push), result in zip(pushes, results, strict=True):
                if result.outcome == "retry":
                    member = _retry_member(event, push.target.subscription_id, 1)
                    pipe.zadd(keys.PUSH_RETRIES, {member: time.time() + self._delay(1, result)})
            pipe.xack(keys.EVENTS, keys.NOTIFIER_GROUP, *(entry.entry_id for entry in entries))
            await pipe.execute()

    async def _send_due_retries(self) -> None:
        now = time.time()
        due: Any = await self.redis.eval(
            _CLAIM_DUE, 1, keys.PUSH_RETRIES, now, now + _RETRY_LEASE_SECONDS, _BATCH
        )
        for member in due or []:
            await self._retry(str(member))

    async def _retry(self, member: str) -> None:
        record = json.loads(member)
        event = ReportEvent.model_validate(record["event"])
        subscription_id, attempt = int(record["subscription_id"]), int(record["attempt"])
        age = (datetime.now(UTC) - event.at).total_seconds()
        if age > self.settings.push_give_up_seconds:
            log.warning(
                "push for event %s to subscription %s given up after %d attempts",
                event.event_id,
                subscription_id,
                attempt,
            )
            await self.redis.zrem(keys.PUSH_RETRIES, member)
            return
        plans = await self.runner.run(lambda session: plan.plan_all(session, [event], only=subscription_id))
        pushes = [(event, push) for push in plans[0]]
        results = [await self._send(push) for _e, push in pushes]
        await self._record(pushes, results)
        async with self.redis.pipeline(transaction=True) as pipe:
            _count(pipe, results)
            pipe.zrem(keys.PUSH_RETRIES, member)
            if results and results[0].outcome == "retry":
                again = _retry_member(event, subscription_id, attempt + 1)
                pipe.zadd(keys.PUSH_RETRIES, {again: time.time() + self._delay(attempt + 1, results[0])})
            await pipe.execute()

    async def _send(self, push: plan.Planned) -> Result:
        """One push; whatever it raises is this subscription's failure (given up), not the batch's."""
        try:
            return await self.sender.send(push.target, push.payload, urgency=push.urgency)
        except Exception as exc:  # a library's surprise about one subscription's data
            return Result("failed", detail=f"unexpected {type(exc).__name__}: {exc}")

    async def _record(self, pushes: list[tuple[ReportEvent, plan.Planned]], results: list[Result]) -> None:
        sent: list[tuple[str, int]] = []
        gone: list[int] = []
        for (event, push), result in zip(pushes, results, strict=True):
            sub_id = push.target.subscription_id
            detail = _without(result.detail, push.target.endpoint)
            if result.outcome == "sent":
                sent.append((event.event_id, sub_id))
            elif result.outcome == "gone":
                log.info("push subscription %s is gone (%s); removed", sub_id, result.status or detail)
                gone.append(sub_id)
            elif result.outcome == "failed":
                log.warning(
                    "push to subscription %s refused (%s %s); not retried",
                    sub_id,
                    result.status,
                    detail,
                )
            else:
                log.info("push to subscription %s will be retried (%s %s)", sub_id, result.status, detail)
        if sent or gone:
            await self.runner.run(lambda session: plan.record(session, sent=sent, gone=gone))
        self.sent += len(sent)

    def _delay(self, attempt: int, result: Result) -> float:
        """Exponential backoff with jitter (``worker/backoff.py``) from 1 s, at most
        ``LAPOR_PUSH_RETRY_MAX_SECONDS``; a push service's Retry-After is honoured within that bound."""
        backoff = delay(attempt, base=_FIRST_RETRY_SECONDS, cap=self.settings.push_retry_max_seconds)
        if result.retry_after is not None:
            backoff = max(backoff, result.retry_after)
        return float(min(backoff, self.settings.push_retry_max_seconds))


def _count(pipe: Pipeline, results: list[Result]) -> None:
    for outcome, number in Counter(result.outcome for result in results).items():
        pipe.hincrby(keys.PUSH_OUTCOMES, outcome, number)


def _without(detail: str, endpoint: str) -> str:
    """A failure's detail as it may be logged: an exception's text may quote the endpoint."""
    path = endpoint.partition("://")[2].partition("/")[2]
    detail = detail.replace(endpoint, "<endpoint>")
    return detail.replace(path, "<path>") if path else detail


def _retry_member(event: ReportEvent, subscription_id: int, attempt: int) -> str:
    return json.dumps(
        {"event": event.model_dump(mode="json"), "subscription_id": subscription_id, "attempt": attempt},
        sort_keys=True,
    )
