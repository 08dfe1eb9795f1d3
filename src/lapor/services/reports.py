"""Staff and reporters acting on a report: who the actor is, and the command on its way to a worker."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.broker.intake_script import send_command
from lapor.config import Settings
from lapor.domain.commands import Actor, AddComment, AnyCommand, UpdateReport
from lapor.domain.enums import Priority, Role, Status
from lapor.errors import ServiceUnavailable
from lapor.services import lookup
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


async def send_change(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    user: User,
    report_id: str,
    *,
    status: Status | None = None,
    priority: Priority | None = None,
    assignee: str | None = None,
    note: str | None = None,
) -> UpdateReport:
    """A staff member's change to a report (404 unless it exists), sent to the workers; what the
    JSON route, the staff page and the original project's route all send."""
    report_id = await lookup.require_report(session, redis, report_id)
    command = UpdateReport(
        report_id=report_id,
        actor=actor_of(user),
        status=status,
        priority=priority,
        assignee=assignee,
        note=note,
    )
    await send(redis, command, settings)
    return command


async def send_comment(
    session: AsyncSession, redis: Redis, settings: Settings, user: User, report_id: str, body: str
) -> AddComment:
    """A staff member's comment on a report (404 unless it exists), sent to the workers."""
    report_id = await lookup.require_report(session, redis, report_id)
    command = AddComment(report_id=report_id, actor=actor_of(user), body=body)
    await send(redis, command, settings)
    return command
