"""One pipelined Redis connection for the intake script: the API's hot path, at a fraction of the cost.

redis-py's asyncio client spends about 100 microseconds of CPU on each command (taking a pooled
connection and giving it back, retry and observability wrappers, the parser), more than half of
what the rest of an intake costs. Here every request in the process shares one connection: a
command is written at once and its future waits in a queue; Redis answers in order, so each
answer resolves the oldest waiting future. Concurrent requests are pipelined on the socket for
free, and a command costs about 20 microseconds.

Only ``EVALSHA`` of scripts registered here goes this way. Failures are redis-py's exceptions, so
callers handle them as before: a lost connection fails every command in flight with
``ConnectionError`` (the next call connects again), a command unanswered within the socket timeout
closes the connection with ``TimeoutError``, and an error reply is a ``ResponseError``.

Reconnecting is shared: every call that finds no connection awaits the same attempt, so against
a Redis that accepts and never answers, twenty waiting calls fail together after one timeout
instead of one after another (the twentieth after twenty timeouts). After a timeout (a connection
not accepted, a set-up or a command not answered in time) the pipe fails at once for ``cool_down``
seconds, and the API answers 503 then rather than queueing more requests behind a Redis that is
not answering. A refused connection earns no cool-down: it fails at once anyway, and the first call
after a Redis restart should find it back.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

Reply = Any  # int, bytes, None, a ResponseError or a list of replies


class _Incomplete(Exception):
    """The buffer ends inside a reply; wait for more bytes."""


def encode(*args: str | int | bytes) -> bytes:
    """A command in RESP."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def parse(buffer: bytes | bytearray, pos: int = 0) -> tuple[Reply, int]:
    """One RESP2 reply from ``buffer`` at ``pos``, and where the next one starts."""
    line_end = buffer.find(b"\r\n", pos)
    if line_end < 0:
        raise _Incomplete
    kind, line = buffer[pos : pos + 1], bytes(buffer[pos + 1 : line_end])
    pos = line_end + 2
    if kind == b"+":
        return line, pos
    if kind == b"-":
        return ResponseError(line.decode(errors="replace")), pos
    if kind == b":":
        return int(line), pos
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, pos
        if len(buffer) < pos + size + 2:
            raise _Incomplete
        return bytes(buffer[pos : pos + size]), pos + size + 2
    if kind == b"*":
        count = int(line)
        if count < 0:
            return None, pos
        items = []
        for _ in range(count):
            item, pos = parse(buffer, pos)
            items.append(item)
        return items, pos
    raise ValueError(f"not a RESP reply: {bytes(buffer[pos - len(line) - 3 : pos])!r}")


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.waiting: collections.deque[asyncio.Future[Reply]] = collections.deque()
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        pos = 0
        try:
            while pos < len(self.buffer):
                reply, pos = parse(self.buffer, pos)
                waiter = self.waiting.popleft()
                if not waiter.done():  # a caller that was cancelled no longer waits
                    waiter.set_result(reply)
        except _Incomplete:
            pass
        except (ValueError, IndexError) as exc:  # garbage, or an answer nobody asked for
            self.fail(RedisConnectionError(f"Redis protocol error: {exc}"))
            if self.transport is not None:
                self.transport.abort()
            return
        del self.buffer[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.fail(RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def fail(self, error: RedisError) -> None:
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)

    def send(self, command: bytes) -> asyncio.Future[Reply]:
        assert self.transport is not None
        waiter = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        self.transport.write(command)
        return waiter


class ScriptPipe:
    """``EVALSHA`` over one pipelined connection, made from a redis-py client's settings."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 6379, path: str | None = None, db: int = 0,
                 username: str | None = None, password: str | None = None, timeout: float | None = 30,
                 connect_timeout: float | None = 5, cool_down: float = 1.0) -> None:  # fmt: skip
        self._address = (host, port, path)
        self._setup = [encode("SELECT", db)] if db else []
        if password is not None:
            auth = ("AUTH", username, password) if username else ("AUTH", password)
            self._setup.insert(0, encode(*auth))
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._scripts: dict[str, str] = {}  # sha1 -> source
        self._protocol: _Protocol | None = None
        self._opening: asyncio.Task[_Protocol] | None = None  # the one attempt every caller awaits
        self._cool_down = cool_down
        self._unavailable_until = 0.0  # loop time before which calls fail without trying
        self._last_failure: RedisError | None = None
        self._closed = False

    @classmethod
    def for_client(cls, redis: Redis) -> ScriptPipe | None:
        """A pipe to the Redis that ``redis`` talks to; None where only redis-py will do (TLS and
        other connection classes, credential providers)."""
        pool = redis.connection_pool
        kwargs = pool.connection_kwargs
        if kwargs.get("credential_provider") is not None:
            return None
        common: dict[str, Any] = {
            "db": int(kwargs.get("db") or 0),
            "username": kwargs.get("username"),
            "password": kwargs.get("password"),
            "timeout": kwargs.get("socket_timeout"),
            "connect_timeout": kwargs.get("socket_connect_timeout"),
        }
        if pool.connection_class is Connection:
            return cls(host=kwargs.get("host", "localhost"), port=int(kwargs.get("port", 6379)), **common)
        if pool.connection_class is UnixDomainSocketConnection:
            return cls(path=kwargs["path"], **common)
        return None

    def register(self, source: str) -> str:
        """Make a Lua script callable with ``evalsha``; returns its SHA1."""
        sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
        self._scripts[sha] = source
        return sha

    async def evalsha(self, sha: str, keys: list[str], args: list[str | int]) -> Reply:
        """Run a registered script; an error reply is raised as ``ResponseError``."""
        command = encode("EVALSHA", sha, len(keys), *keys, *args)
        reply = await self._call(command)
        if isinstance(reply, ResponseError) and str(reply).startswith("NOSCRIPT"):
            # Redis lost its script cache (a restart, SCRIPT FLUSH): send the source once.
            reply = await self._call(encode("EVAL", self._scripts[sha], len(keys), *keys, *args))
        if isinstance(reply, ResponseError):
            raise reply
        return reply

    async def connect(self) -> None:
        """Connect now rather than on the first command."""
        await self._connected()

    async def _call(self, command: bytes) -> Reply:
        protocol = await self._connected()
        waiter = protocol.send(command)
        if self._timeout is None:
            return await waiter
        # No answer in time: the connection is dropped and every command on it fails (a
        # timer per call is cheaper than wait_for, which wraps the future in more futures).
        timer = asyncio.get_running_loop().call_later(self._timeout, self._time_out, protocol)
        try:
            return await waiter
        finally:
            timer.cancel()

    def _time_out(self, protocol: _Protocol) -> None:
        error = RedisTimeoutError("Redis did not answer in time")
        self._cool(error)
        self._drop(protocol, error)

    def _cool(self, error: RedisError) -> None:
        """Fail fast for a while: a Redis that just did not answer will not answer the next call either."""
        self._last_failure = error
        self._unavailable_until = asyncio.get_running_loop().time() + self._cool_down

    async def _connected(self) -> _Protocol:
        protocol = self._protocol
        if protocol is not None and not protocol.lost:
            return protocol
        if self._closed:
            raise RedisConnectionError("the intake pipe is closed")
        opening = self._opening
        if opening is None:
            if asyncio.get_running_loop().time() < self._unavailable_until:
                raise RedisConnectionError(
                    f"Redis unavailable a moment ago ({self._last_failure}); not retrying yet"
                )
            opening = self._opening = asyncio.ensure_future(self._open())
            opening.add_done_callback(_retrieve)
        # Shielded: a caller that gives up (a client that went away) must not cancel the attempt
        # the other callers are waiting for.
        return await asyncio.shield(opening)

    async def _open(self) -> _Protocol:
        try:
            protocol = await self._connect()
        except RedisTimeoutError as exc:
            # Only a Redis that keeps callers waiting earns a cool-down: a refused connection
            # fails at once anyway, and the first call after a restart should find Redis back.
            self._cool(exc)
            raise
        finally:
            self._opening = None
        if self._closed:
            self._drop(protocol, RedisConnectionError("the intake pipe is closed"))
            raise RedisConnectionError("the intake pipe is closed")
        self._protocol = protocol
        return protocol

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        host, port, path = self._address
        try:
            if path is not None:
                opening = loop.create_unix_connection(_Protocol, path)
            else:
                opening = loop.create_connection(_Protocol, host, port)
            _, protocol = await asyncio.wait_for(opening, self._connect_timeout)
        except TimeoutError as exc:
            raise RedisTimeoutError("Redis did not accept the connection in time") from exc
        except OSError as exc:
            raise RedisConnectionError(f"cannot connect to Redis: {exc!r}") from exc
        try:
            for command in self._setup:
                reply = await asyncio.wait_for(protocol.send(command), self._timeout)  # once per connection
                if isinstance(reply, ResponseError):
                    raise RedisConnectionError(f"Redis refused the connection set-up: {reply}")
        except TimeoutError as exc:
            self._drop(protocol)
            raise RedisTimeoutError("Redis did not answer the connection set-up in time") from exc
        except BaseException:
            self._drop(protocol)
            raise
        return protocol

    def _drop(self, protocol: _Protocol, error: RedisError | None = None) -> None:
        protocol.lost = True
        protocol.fail(error or RedisConnectionError("connection to Redis dropped"))
        if protocol.transport is not None:
            protocol.transport.abort()
        if self._protocol is protocol:
            self._protocol = None

    async def aclose(self) -> None:
        self._closed = True
        if self._opening is not None:
            self._opening.cancel()
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.lost = True
            protocol.fail(RedisConnectionError("the intake pipe is closed"))
            protocol.transport.close()


def _retrieve(task: asyncio.Task[_Protocol]) -> None:
    """Mark a failed attempt's error as seen: every caller may have gone before it failed."""
    if not task.cancelled():
        task.exception()
