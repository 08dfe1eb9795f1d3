"""Staff and reporters acting on a report: who the actor is, and the command on its way to a worker."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from lapor.broker.intake_script import send_command
from lapor.config import Settings
from lapor.domain.commands import Actor, AnyCommand
from lapor.domain.enums import Role
from lapor.errors import ServiceUnavailable
from lapor.store.models import User


def actor_of(user: User) -> Actor:
    return Actor(role=Role(user.role), name=user.display_name, user_id=user.id)


async def send(redis: Redis, command: AnyCommand, settings: Settings) -> dict[str, str]:
    """Put a command on the stream; 503 if Redis cannot take it."""
    try:
        await send_command(redis, command, wait_aof=settings.redis_wait_aof)
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable("error.broker_unavailable") from exc
    return {"command_id": command.command_id}
