"""The producer side: put a command on the stream, atomically with what the API promises."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from lapor.broker import keys
from lapor.broker.pipe import ScriptPipe
from lapor.domain.commands import AnyCommand, CreateReport, encode_command

log = logging.getLogger("lapor.api")

# One round trip, one atomic step, checks in the order the contract sets (BRIEF.md, Idempotency):
# 1. an Idempotency-Key seen before answers with its stored answer when the request's digest (its
#    parsed fields and photo bytes) is the same, and is refused when it is not — before any check
#    that can change over time;
# 2. the per-address limit: a sliding window counter (the current fixed window's count plus the
#    previous one's, weighted by how much of it the sliding window still covers);
# 3. the backlog: no new command once the stream holds ``max_backlog`` entries;
# then the command is appended, and the queued view, the stored answer and the count written.
# A client can never get a 202 for a command that is not in the stream, nor two reports for one key.
_SUBMIT = """
if ARGV[1] == '1' then
  local prior = redis.call('GET', KEYS[3])
  if prior then
    if string.sub(prior, 1, 1) == '{' then return {0, prior} end  -- stored before digests were
    if string.sub(prior, 1, 64) == ARGV[9] then return {0, string.sub(prior, 65)} end
    return {2, ''}
  end
end
local limit = tonumber(ARGV[10])
local current, previous = 0, 0
if limit > 0 then
  current = tonumber(redis.call('GET', KEYS[4]) or '0')
  previous = tonumber(redis.call('GET', KEYS[5]) or '0')
  if previous * (1 - tonumber(ARGV[11])) + current + 1 > limit then
    return {3, tostring(current), tostring(previous)}
  end
end
local max_backlog = tonumber(ARGV[13])
if max_backlog > 0 and redis.call('XLEN', KEYS[1]) >= max_backlog then return {4, ''} end
local entry = redis.call('XADD', KEYS[1], '*', 'type', ARGV[2], 'id', ARGV[3], 'data', ARGV[4])
redis.call('SET', KEYS[2], ARGV[5], 'EX', ARGV[6])
if ARGV[1] == '1' then redis.call('SET', KEYS[3], ARGV[9] .. ARGV[7], 'EX', ARGV[8]) end
if limit > 0 then
  redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], ARGV[12])
end
return {1, entry}
"""

CREATED, REPLAYED, KEY_REUSED, RATE_LIMITED, BACKLOG_FULL = 1, 0, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Submitted:
    created: bool  # False when an earlier request with the same Idempotency-Key answered already
    answer: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A request's Idempotency-Key (as a sha256 hex) and the digest of what it asked for."""

    key_digest: str
    request_digest: str  # sha256 hex of the parsed fields and the photo bytes


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The per-address sliding window for this request; ``limit`` 0 means none."""

    scope: str
    limit: int
    window_seconds: int

    def window(self, now: float) -> tuple[int, float]:
        """The current fixed window's number and how far into it ``now`` is (0 to 1)."""
        number, offset = divmod(now, self.window_seconds)
        return int(number), offset / self.window_seconds

    def retry_after(self, *, current: int, previous: int, elapsed: float) -> int:
        """Whole seconds until one more report fits under the limit."""
        limit, window = self.limit, self.window_seconds
        if current + 1 > limit:
            # Not before the next window; there, this window's count weighs as the previous one.
            wait = (1 - elapsed) + max(0.0, 1 - (limit - 1) / current)
        else:
            wait = max(0.0, (1 - (limit - 1 - current) / previous) - elapsed) if previous else 0.0
        return max(1, math.ceil(wait * window))


class KeyReused(Exception):
    """The Idempotency-Key was stored with a different request (answered 422)."""


class RateLimited(Exception):
    """Too many reports from this address in the sliding window (answered 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class BacklogFull(Exception):
    """The command stream holds as many commands as intake may add (answered 503)."""


class DurabilityError(RedisError):
    """Redis accepted the command but could not confirm it reached the append-only file."""


async def submit_report(
    redis: Redis,
    command: CreateReport,
    *,
    queued_view: dict[str, Any],
    answer: dict[str, Any],
    idempotency: Idempotency | None,
    rate_limit: RateLimit | None = None,
    max_backlog: int = 0,
    queued_ttl: int,
    idempotency_ttl: int,
    wait_aof: bool,
    pipe: ScriptPipe | None = None,
) -> Submitted:
    """Append a ``report.create`` command; return the answer to give the client. With ``pipe``
    the script goes down the API's pipelined connection, unless WAITAOF must follow it.

    Raises ``KeyReused``, ``RateLimited`` or ``BacklogFull`` when nothing was appended."""
    limit = rate_limit if rate_limit is not None and rate_limit.limit > 0 else None
    window, elapsed = limit.window(time.time()) if limit else (0, 0.0)
    script_keys = [
        keys.COMMANDS,
        keys.queued_view(command.report_id),
        keys.idempotency(idempotency.key_digest) if idempotency else keys.COMMANDS,
        keys.intake_rate(limit.scope, window) if limit else keys.COMMANDS,
        keys.intake_rate(limit.scope, window - 1) if limit else keys.COMMANDS,
    ]
    args: list[str | int] = [
        "1" if idempotency else "0",
        command.type,
        command.command_id,
        encode_command(command),
        json.dumps(queued_view, default=str),
        queued_ttl,
        json.dumps(answer),
        idempotency_ttl,
        idempotency.request_digest if idempotency else "",
        limit.limit if limit else 0,
        repr(elapsed),
        2 * limit.window_seconds if limit else 0,  # the count is read as "previous" one window on
        max_backlog,
    ]
    result = await _run(redis, pipe, script_keys, args, wait_aof=wait_aof)
    outcome = int(result[0])
    if outcome == CREATED:
        return Submitted(created=True, answer=answer)
    if outcome == REPLAYED:
        return Submitted(created=False, answer=json.loads(result[1]))
    if outcome == KEY_REUSED:
        raise KeyReused
    if outcome == RATE_LIMITED:
        assert limit is not None
        current, previous = int(result[1]), int(result[2])
        raise RateLimited(limit.retry_after(current=current, previous=previous, elapsed=elapsed))
    raise BacklogFull


async def stored_answer(redis: Redis, idempotency: Idempotency) -> dict[str, Any] | None:
    """The answer stored for this key and request, if any; ``KeyReused`` if stored for another.

    For the checks made before the script (a category retired since, a full disk): a request
    that was answered before gets its answer even when it would be refused now."""
    prior: Any = await redis.get(keys.idempotency(idempotency.key_digest))
    if prior is None:
        return None
    if prior.startswith("{"):
        stored: dict[str, Any] = json.loads(prior)
        return stored
    if prior[:64] != idempotency.request_digest:
        raise KeyReused
    replayed: dict[str, Any] = json.loads(prior[64:])
    return replayed


async def _run(
    redis: Redis, pipe: ScriptPipe | None, script_keys: list[str], args: list[str | int], *, wait_aof: bool
) -> Any:
    if wait_aof:
        # WAITAOF waits for the fsync of the writes of its own connection: both commands go
        # down one connection, in one round trip.
        with_aof = redis.pipeline(transaction=False)
        with_aof.eval(_SUBMIT, len(script_keys), *script_keys, *args)
        with_aof.execute_command("WAITAOF", 1, 0, 1000)
        result, fsynced = await with_aof.execute(raise_on_error=False)
        if isinstance(result, Exception):
            raise result
        if int(result[0]) == CREATED and (isinstance(fsynced, Exception) or int(fsynced[0]) < 1):
            raise DurabilityError(f"Redis did not confirm the AOF fsync in time ({fsynced})")
        return result
    if pipe is not None:
        return await pipe.evalsha(_SUBMIT_SHA, script_keys, args)
    return await redis.eval(_SUBMIT, len(script_keys), *script_keys, *args)


_SUBMIT_SHA = hashlib.sha1(_SUBMIT.encode(), usedforsecurity=False).hexdigest()


def intake_pipe(redis: Redis) -> ScriptPipe | None:
    """One pipelined connection for the intake script (``broker/pipe.py``) to the Redis that
    ``redis`` talks to, for the API's lifespan to own; None where only redis-py will do (TLS, say)."""
    pipe = ScriptPipe.for_client(redis)
    if pipe is not None:
        pipe.register(_SUBMIT)
    return pipe


async def warm_intake(redis: Redis, pipe: ScriptPipe | None) -> None:
    """Load the intake script and open the pipe at start-up, not under the first reports' load."""
    try:
        await redis.script_load(_SUBMIT)
        if pipe is not None:
            await pipe.connect()
    except (RedisError, OSError) as exc:  # not fatal: the first report connects, or answers 503
        log.warning("intake not warmed up: Redis unavailable (%s)", type(exc).__name__)


async def send_command(redis: Redis, command: AnyCommand, *, wait_aof: bool) -> str:
    """Append a staff or reporter command to the stream; returns the stream entry id."""
    fields: dict[Any, Any] = {"type": command.type, "id": command.command_id, "data": encode_command(command)}
    if not wait_aof:
        return str(await redis.xadd(keys.COMMANDS, fields))
    # WAITAOF waits for the fsync of its own connection's writes: XADD and WAITAOF go down one
    # connection, in one round trip (on two pooled connections it could confirm someone else's).
    with_aof = redis.pipeline(transaction=False)
    with_aof.xadd(keys.COMMANDS, fields)
    with_aof.execute_command("WAITAOF", 1, 0, 1000)
    entry_id, fsynced = await with_aof.execute()
    if int(fsynced[0]) < 1:
        raise DurabilityError("Redis did not confirm the AOF fsync in time")
    return str(entry_id)


async def check_wait_aof_supported(redis: Redis) -> None:
    """Fail at startup, not on the first report, when WAITAOF is asked for but unavailable."""
    try:
        await redis.execute_command("WAITAOF", 0, 0, 1)  # type: ignore[no-untyped-call]
    except ResponseError as exc:
        raise RuntimeError(
            "LAPOR_REDIS_WAIT_AOF=true needs Redis >= 7.2 with appendonly yes; "
            "with an older Redis set `appendfsync always` instead"
        ) from exc
