"""The producer side: put a command on the stream, atomically with what the API promises."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from lapor.broker import keys
from lapor.broker.pipe import ScriptPipe
from lapor.domain.commands import AnyCommand, CreateReport, encode_command

log = logging.getLogger("lapor.api")

# One round trip, one atomic step: answer a repeated Idempotency-Key with the first answer, or
# append the command and remember both the queued view and the answer. A client can never get a
# 202 for a command that is not in the stream, nor two reports for one key.
_SUBMIT = """
if ARGV[1] == '1' then
  local prior = redis.call('GET', KEYS[3])
  if prior then return {0, prior} end
end
local entry = redis.call('XADD', KEYS[1], '*', 'type', ARGV[2], 'id', ARGV[3], 'data', ARGV[4])
redis.call('SET', KEYS[2], ARGV[5], 'EX', ARGV[6])
if ARGV[1] == '1' then redis.call('SET', KEYS[3], ARGV[7], 'EX', ARGV[8]) end
return {1, entry}
"""


@dataclass(frozen=True, slots=True)
class Submitted:
    created: bool  # False when an earlier request with the same Idempotency-Key answered already
    answer: dict[str, Any]


class DurabilityError(RedisError):
    """Redis accepted the command but could not confirm it reached the append-only file."""


async def submit_report(
    redis: Redis,
    command: CreateReport,
    *,
    queued_view: dict[str, Any],
    answer: dict[str, Any],
    idempotency_digest: str | None,
    queued_ttl: int,
    idempotency_ttl: int,
    wait_aof: bool,
    pipe: ScriptPipe | None = None,
) -> Submitted:
    """Append a ``report.create`` command; return the answer to give the client. With ``pipe``
    the script goes down the API's pipelined connection, unless WAITAOF must follow it."""
    use_idem = idempotency_digest is not None
    idem_key = keys.idempotency(idempotency_digest) if idempotency_digest else keys.COMMANDS
    script_keys = [keys.COMMANDS, keys.queued_view(command.report_id), idem_key]
    args: list[str | int] = [
        "1" if use_idem else "0",
        command.type,
        command.command_id,
        encode_command(command),
        json.dumps(queued_view, default=str),
        queued_ttl,
        json.dumps(answer),
        idempotency_ttl,
    ]
    result: Any
    if wait_aof:
        # WAITAOF waits for the fsync of the writes of its own connection: both commands go
        # down one connection, in one round trip.
        with_aof = redis.pipeline(transaction=False)
        with_aof.eval(_SUBMIT, len(script_keys), *script_keys, *args)
        with_aof.execute_command("WAITAOF", 1, 0, 1000)
        result, fsynced = await with_aof.execute(raise_on_error=False)
        if isinstance(result, Exception):
            raise result
        if int(result[0]) and (isinstance(fsynced, Exception) or int(fsynced[0]) < 1):
            raise DurabilityError(f"Redis did not confirm the AOF fsync in time ({fsynced})")
    elif pipe is not None:
        result = await pipe.evalsha(_SUBMIT_SHA, script_keys, args)
    else:
        result = await redis.eval(_SUBMIT, len(script_keys), *script_keys, *args)
    created, payload = int(result[0]), result[1]
    if not created:
        return Submitted(created=False, answer=json.loads(payload))
    return Submitted(created=True, answer=answer)


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
