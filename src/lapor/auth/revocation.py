"""Revoked staff tokens: Redis records the API writes before it answers and reads on every request.

Tokens are signed and stateless, so a sign-out cannot take one back; instead the API remembers
what it must refuse. Two kinds of record, both expiring once no token they could refuse is still
valid, so the store never grows beyond the tokens of the last ``LAPOR_TOKEN_MAX_AGE_SECONDS``:

- one token, by its id (``jti``): "sign out" on this device;
- a staff member's "not before" time: every token issued before it is refused ("sign out
  everywhere"; a password change or a deactivation does the same).

They live in Redis, not in the database, so they are checked while the database is down too
(degraded mode trusts signed tokens, and must not trust revoked ones).
"""

from __future__ import annotations

import math
import time

from redis.asyncio import Redis

from lapor.broker import keys


async def revoke_token(redis: Redis, *, token_id: str, expires_at: float) -> None:
    """Refuse this token from now until ``expires_at`` (seconds since the epoch), its own expiry."""
    ttl = math.ceil(expires_at - time.time()) + 1
    if ttl > 0:
        await redis.set(keys.revoked_token(token_id), "1", ex=ttl)


# SET has no "only if greater" option: compare and set in one atomic step.
_RAISE_TO = """
local current = redis.call('GET', KEYS[1])
if not current or tonumber(ARGV[1]) > tonumber(current) then current = ARGV[1] end
redis.call('SET', KEYS[1], current, 'EX', ARGV[2])
return current
"""


async def revoke_user_before(
    redis: Redis, *, user_id: int, max_token_age: int, at_ms: int | None = None
) -> int:
    """Refuse every token of this staff member issued before ``at_ms`` (default: now); returns
    the "not before" time now in force.

    Kept ``max_token_age`` seconds: by then every token issued before it has expired. The time
    only moves forward: an earlier revocation arriving late changes nothing.
    """
    at_ms = time.time_ns() // 1_000_000 if at_ms is None else at_ms
    newest = await redis.eval(_RAISE_TO, 1, keys.revoked_before(user_id), at_ms, max_token_age + 1)
    return int(newest)


async def is_revoked(redis: Redis, *, token_id: str, user_id: int, issued_at_ms: int) -> bool:
    """Whether this token was signed out, or issued before its owner's "not before" time."""
    revoked, not_before = await redis.mget(keys.revoked_token(token_id), keys.revoked_before(user_id))
    return revoked is not None or (not_before is not None and issued_at_ms < int(not_before))
