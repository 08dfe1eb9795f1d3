"""Sign-in throttle: progressive delays per (username, address) and per address, never a lock.

After a number of free failures, each further attempt must wait twice as long as the one before
(1 s, 2 s, 4 s … up to a cap) after the last attempt that was checked (OWASP Authentication
Cheat Sheet: throttle rather than lock, so that an attacker cannot lock a staff member out). An
attempt that comes too early is refused before its password is checked, and does not count: it
cannot push the delay further. So guessing from one address never delays the owner at another,
and at the same address (a campus NAT) the owner waits at most the cap.

The check and the count are one Lua script, one round trip: concurrent attempts cannot all read
"no failures yet" before any of them is counted (each is counted as a failure when it is let
through, and forgiven when its password turns out right).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from redis.asyncio import Redis

from lapor.broker import keys

WINDOW_SECONDS = 15 * 60  # failures are forgotten after this long without an attempt being checked

# KEYS: one hash per scope, {n: attempts counted, last: ms when the last one was let through}.
# ARGV: cap ms, window ms, then each key's free attempts. Answers 0 (go: counted in every scope)
# or the milliseconds still to wait (refused: nothing counted). Redis' clock, so that API
# processes on several hosts agree.
_RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local over = tonumber(redis.call('HGET', key, 'n') or '0') - tonumber(ARGV[2 + i])
  if over >= 0 then
    local delay = math.min(1000 * 2 ^ over, tonumber(ARGV[1]))
    local due = tonumber(redis.call('HGET', key, 'last') or '0') + delay
    if due - now > wait then wait = due - now end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 'last', now)
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0
"""

# An attempt that was no guess is uncounted in every scope; ARGV[1] == '1' (a right password)
# also clears the first scope, the name at this address.
_FORGIVE = """
for i, key in ipairs(KEYS) do
  if i == 1 and ARGV[1] == '1' then
    redis.call('DEL', key)
  elseif redis.call('EXISTS', key) == 1 and redis.call('HINCRBY', key, 'n', -1) <= 0 then
    redis.call('DEL', key)
  end
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Limits:
    free_per_account: int  # attempts for one username from one address before delays start
    free_per_address: int  # attempts from one address, whatever the username
    max_delay_seconds: int  # the cap: nobody ever waits longer than this for one attempt


class SignInThrottle:
    """The throttle for one attempt: ``reserve`` before checking the password, ``forgive`` when
    it was no guess."""

    def __init__(self, redis: Redis, limits: Limits, *, username: str, address: str) -> None:
        self._redis = redis
        self._limits = limits
        scope = client_scope(address)
        self._keys = [
            keys.login_attempts(f"account:{username.lower()}|{scope}"),
            keys.login_attempts(f"address:{scope}"),
        ]

    async def reserve(self) -> int:
        """0 when this attempt may be checked (it is counted), else the seconds to wait."""
        limits = self._limits
        wait_ms = await self._redis.eval(
            _RESERVE,
            len(self._keys),
            *self._keys,
            limits.max_delay_seconds * 1000,
            WINDOW_SECONDS * 1000,
            limits.free_per_account,
            limits.free_per_address,
        )
        return math.ceil(int(wait_ms) / 1000)

    async def forgive(self, *, signed_in: bool) -> None:
        """This attempt was no guess: uncount it; ``signed_in`` (a right password) also clears
        the name's failures at this address. A failure of ours (the database is down) is
        forgiven without clearing anything."""
        await self._redis.eval(_FORGIVE, len(self._keys), *self._keys, "1" if signed_in else "0")


def client_scope(address: str) -> str:
    """What one client is: its IPv4 address, or its IPv6 /64 (one home or phone network gets a
    whole /64 and can pick any address in it)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]  # "unknown", a test client's name
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
