"""Argon2id password hashes (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("lapor-dummy-password")

# One verification is ~250 ms of CPU and 64 MiB of memory (argon2-cffi's defaults): run on the
# event loop it would stall every request of the process. argon2-cffi releases the GIL, so a few
# threads verify in parallel; a few, not the loop's default executor, so that a flood of
# sign-ins waits its turn here instead of taking every thread (and memory) the process has.
VERIFY_THREADS = max(2, min(4, os.cpu_count() or 1))
_executor: ThreadPoolExecutor | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    """``verify_password`` on one of ``VERIFY_THREADS`` threads, so the event loop keeps serving."""
    global _executor
    if _executor is None:  # made on first use: in the server's worker process, not before a fork
        _executor = ThreadPoolExecutor(VERIFY_THREADS, thread_name_prefix="lapor-argon2")
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, verify_password, password_hash, password)


async def hash_password_off_loop(password: str) -> str:
    """``hash_password`` on the same few threads as verification (it costs as much)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(VERIFY_THREADS, thread_name_prefix="lapor-argon2")
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, hash_password, password)
