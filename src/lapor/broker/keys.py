"""Every Redis key and stream name Lapor uses. Nothing else spells a key."""

from __future__ import annotations

PREFIX = "lapor:"

COMMANDS = f"{PREFIX}commands"  # stream: commands for the workers
WORKER_GROUP = "workers"  # the one consumer group that applies commands
EVENTS = f"{PREFIX}events"  # stream: what the workers committed, for SSE and push
NOTIFIER_GROUP = "notifiers"  # the consumer group on EVENTS that sends Web Push
PUSH_RETRIES = f"{PREFIX}push:retries"  # sorted set: pushes to try again, scored by when
DEAD_LETTERS = f"{PREFIX}dead"  # stream: commands that kept failing, with their error
FAILURES = f"{PREFIX}failures"  # hash: stream entry id -> failed attempts so far
LATENCY = f"{PREFIX}metrics:latency"  # hash: histogram buckets of submit-to-commit seconds
PUSH_OUTCOMES = f"{PREFIX}metrics:push"  # hash: push outcome (sent, gone, retry, failed) -> count
PHOTO_STAGE = f"{PREFIX}photos:stage"  # hash: the workers' photo stage: pending, failures, last error


def queued_view(report_id: str) -> str:
    """The public view of a report that is accepted but not yet persisted."""
    return f"{PREFIX}queued:{report_id}"


def idempotency(key_digest: str) -> str:
    """The answer already given to a request with this Idempotency-Key (sha256 hex)."""
    return f"{PREFIX}idem:{key_digest}"


def worker_heartbeat(consumer: str) -> str:
    return f"{PREFIX}worker:{consumer}"


WORKER_HEARTBEAT_PATTERN = f"{PREFIX}worker:*"


def login_attempts(scope: str) -> str:
    return f"{PREFIX}login:{scope}"


def open_streams(address: str) -> str:
    """Sorted set: the event streams open from one client address (member: a random id), scored by
    when each expires at the latest, so that streams of a crashed API process count only until then."""
    return f"{PREFIX}sse:open:{address}"


def revoked_token(token_id: str) -> str:
    """A signed-out staff token (by its jti), kept until the token would have expired anyway."""
    return f"{PREFIX}revoked:token:{token_id}"


def revoked_before(user_id: int) -> str:
    """A staff member's "not before": tokens issued before it (milliseconds) are refused."""
    return f"{PREFIX}revoked:user:{user_id}"


def intake_rate(scope: str, window: int) -> str:
    """Reports accepted from one address (IPv6: its /64) in one fixed window of the sliding limit."""
    return f"{PREFIX}intake:rate:{scope}:{window}"


def supported(report_id: str, supporter_hash: str) -> str:
    """Set (with a TTL) once a supporter's "me too" on a report is in the stream: their push
    subscription is taken from then on, before a worker has stored the "me too"."""
    return f"{PREFIX}supported:{report_id}:{supporter_hash}"


def photo_lease(report_id: str) -> str:
    """Held (with a TTL) by the worker rendering this report's photo, so two do not render it at once."""
    return f"{PREFIX}photos:lease:{report_id}"


def command_result(command_id: str) -> str:
    """List: the worker's result of a command whose sender waits for it (``lapor places import``)."""
    return f"{PREFIX}result:{command_id}"


PLACES_VERSION = f"{PREFIX}places:version"  # counter: bumped by the worker after each places change


def link_claim(token_hash: str) -> str:
    """Set (NX) by the API process that accepted a one-time link, so a second use at the same
    moment is refused before the worker has marked the link used."""
    return f"{PREFIX}link:claimed:{token_hash}"
