"""The producer side: put a command on the stream, atomically with what the API promises."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from lapor.broker import keys
from lapor.domain.commands import AnyCommand, CreateReport, encode_command

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
) -> Submitted:
    """Append a ``report.create`` command; return the answer to give the client."""
    use_idem = idempotency_digest is not None
    idem_key = keys.idempotency(idempotency_digest) if idempotency_digest else keys.COMMANDS
    result: Any = await redis.eval(
        _SUBMIT,
        3,
        keys.COMMANDS,
        keys.queued_view(command.report_id),
        idem_key,
        "1" if use_idem else "0",
        command.type,
        command.command_id,
        encode_command(command),
        json.dumps(queued_view, default=str),
        queued_ttl,
        json.dumps(answer),
        idempotency_ttl,
    )
    created, payload = int(result[0]), result[1]
    if not created:
        return Submitted(created=False, answer=json.loads(payload))
    if wait_aof:
        await _wait_for_aof(redis)
    return Submitted(created=True, answer=answer)


async def send_command(redis: Redis, command: AnyCommand, *, wait_aof: bool) -> str:
    """Append a staff or reporter command to the stream; returns the stream entry id."""
    entry_id: Any = await redis.xadd(
        keys.COMMANDS,
        {"type": command.type, "id": command.command_id, "data": encode_command(command)},
    )
    if wait_aof:
        await _wait_for_aof(redis)
    return str(entry_id)


async def _wait_for_aof(redis: Redis) -> None:
    # WAITAOF (Redis >= 7.2): block until the local AOF has fsynced our write.
    local, _replicas = await redis.execute_command("WAITAOF", 1, 0, 1000)  # type: ignore[no-untyped-call]
    if int(local) < 1:
        raise DurabilityError("Redis did not confirm the AOF fsync in time")


async def check_wait_aof_supported(redis: Redis) -> None:
    """Fail at startup, not on the first report, when WAITAOF is asked for but unavailable."""
    try:
        await redis.execute_command("WAITAOF", 0, 0, 1)  # type: ignore[no-untyped-call]
    except ResponseError as exc:
        raise RuntimeError(
            "LAPOR_REDIS_WAIT_AOF=true needs Redis >= 7.2 with appendonly yes; "
            "with an older Redis set `appendfsync always` instead"
        ) from exc
