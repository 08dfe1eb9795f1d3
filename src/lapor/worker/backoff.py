"""The one backoff every retry loop of a worker uses: exponential, capped, with equal jitter.

redis-py's ``EqualJitterBackoff`` (redis-py is a dependency already; its backoff classes are what
its own connection retries use): the wait for the n-th failure is drawn from [d/2, d] with
d = min(cap, base * 2**(n-1)). Half of it is fixed, so a retry never comes back at once and
hammers what just failed; half is random, so workers that failed together (the database restarted
under all of them) do not all come back in the same instant either.
"""

from __future__ import annotations

from redis.backoff import EqualJitterBackoff


def delay(failures: int, *, base: float, cap: float) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (1 for the first)."""
    return float(EqualJitterBackoff(cap=cap, base=base).compute(max(0, failures - 1)))


class Backoff:
    """Consecutive failures of one loop: ``next()`` after a failure, ``reset()`` after a success."""

    def __init__(self, *, base: float, cap: float) -> None:
        self.base, self.cap = base, cap
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        return delay(self.failures, base=self.base, cap=self.cap)

    def reset(self) -> None:
        self.failures = 0


# The first wait while the database is unavailable: a restart or a lock is often over by then.
DB_RETRY_FIRST_SECONDS = 0.05
