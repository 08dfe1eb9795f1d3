"""The producer side of "me too": the command on the stream, under the intake's per-address limit.

The same sliding window as reports (``intake_script.RateLimit``: ``LAPOR_INTAKE_RATE_LIMIT`` per
``LAPOR_INTAKE_RATE_WINDOW_SECONDS``), counted apart from them (scope ``me-too:<address>``), so
saying "me too" never uses up a student's reports. One atomic step: the limit, the backlog, the
command, and the mark that lets the supporter's push subscription through at once."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from lapor.broker import keys
from lapor.broker.intake_script import (
    BACKLOG_FULL,
    CREATED,
    RATE_LIMITED,
    BacklogFull,
    DurabilityError,
    RateLimit,
    RateLimited,
)
from lapor.domain.commands import SupportReport, encode_command

_SUPPORT = """
local limit = tonumber(ARGV[4])
local current, previous = 0, 0
if limit > 0 then
  current = tonumber(redis.call('GET', KEYS[2]) or '0')
  previous = tonumber(redis.call('GET', KEYS[3]) or '0')
  if previous * (1 - tonumber(ARGV[5])) + current + 1 > limit then
    return {3, tostring(current), tostring(previous)}
  end
end
local max_backlog = tonumber(ARGV[7])
if max_backlog > 0 and redis.call('XLEN', KEYS[1]) >= max_backlog then return {4, ''} end
-- answers as intake's script does: 1 appended, 3 over the limit, 4 backlog full
local entry = redis.call('XADD', KEYS[1], '*', 'type', ARGV[1], 'id', ARGV[2], 'data', ARGV[3])
redis.call('SET', KEYS[4], '1', 'EX', ARGV[8])
if limit > 0 then
  redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[6])
end
return {1, entry}
"""

SCOPE_PREFIX = "me-too:"
# How long the mark lets a push subscription through before a worker has stored the "me too"
# (after that, the stored row does): a day covers any backlog the workers could still drain.
SUPPORTED_MARK_SECONDS = 24 * 3600


async def submit_support(
    redis: Redis, command: SupportReport, *, rate_limit: RateLimit, max_backlog: int, wait_aof: bool
) -> None:
    """Append a ``report.me_too`` command; raises ``RateLimited`` or ``BacklogFull`` when it was not."""
    limit = rate_limit if rate_limit.limit > 0 else None
    window, elapsed = limit.window(time.time()) if limit else (0, 0.0)
    scope = SCOPE_PREFIX + rate_limit.scope
    script_keys = [
        keys.COMMANDS,
        keys.intake_rate(scope, window),
        keys.intake_rate(scope, window - 1),
        keys.supported(command.report_id, command.supporter_hash),
    ]
    args: list[str | int] = [
        command.type,
        command.command_id,
        encode_command(command),
        limit.limit if limit else 0,
        repr(elapsed),
        2 * limit.window_seconds if limit else 0,
        max_backlog,
        SUPPORTED_MARK_SECONDS,
    ]
    if wait_aof:
        with_aof = redis.pipeline(transaction=False)
        with_aof.eval(_SUPPORT, len(script_keys), *script_keys, *args)
        with_aof.execute_command("WAITAOF", 1, 0, 1000)
        result, fsynced = await with_aof.execute(raise_on_error=False)
        if isinstance(result, Exception):
            raise result
        if int(result[0]) == CREATED and (isinstance(fsynced, Exception) or int(fsynced[0]) < 1):
            raise DurabilityError(f"Redis did not confirm the AOF fsync in time ({fsynced})")
    else:
        result = await redis.eval(_SUPPORT, len(script_keys), *script_keys, *args)
    outcome = int(result[0])
    if outcome == RATE_LIMITED:
        assert limit is not None
        current, previous = int(result[1]), int(result[2])
        raise RateLimited(limit.retry_after(current=current, previous=previous, elapsed=elapsed))
    if outcome == BACKLOG_FULL:
        raise BacklogFull


async def was_accepted(redis: Redis, report_id: str, supporter_hash: str) -> bool:
    """Whether this supporter's "me too" on the report went into the stream (within the mark's TTL)."""
    return bool(await redis.exists(keys.supported(report_id, supporter_hash)))
