"""Slow and greedy clients against a real `lapor api`: trickled bodies, half-sent headers, too many
event streams from one address (issue 9 item 9), and a body over the limit (issue 11 item 5)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from urllib.parse import urlsplit

import httpx
import pytest
from redis.asyncio import Redis

from tests.factories import report_fields
from tests.live import live_api

EnvFor = Callable[..., dict[str, str]]


def _connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    return socket.create_connection((parts.hostname, parts.port), timeout=30)


def _read_answer(sock: socket.socket, *, trickle: bool, within: float) -> bytes:
    """What the server sends back within ``within`` seconds (up to the end of its headers, or until
    it closes); with ``trickle``, one more body byte is sent every second meanwhile."""
    sock.settimeout(1.0)
    answer = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and b"\r\n\r\n" not in answer:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            if trickle:
                try:
                    sock.send(b"x")
                except OSError:  # the server closed its side: read what it answered
                    trickle = False
            continue
        except ConnectionResetError:
            break
        if not chunk:
            return answer + b"<closed>"
        answer += chunk
    return answer


def test_a_body_trickled_at_one_byte_a_second_gets_408(env_for: EnvFor) -> None:
    env = env_for(LAPOR_HTTP_BODY_TIMEOUT_SECONDS="2", LAPOR_HTTP_BODY_MIN_RATE_BYTES="500")
    with live_api(env) as base, _connect(base) as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /api/reports HTTP/1.1\r\nHost: lapor.test\r\nContent-Type: application/json\r\n"
            b"Accept-Language: en\r\nContent-Length: 1000\r\n\r\n{"
        )
        answer = _read_answer(sock, trickle=True, within=30)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer
    # 2 s plus 1/500 s per byte sent; generous for a loaded machine, far below the 1,000 s the
    # trickle would otherwise have held the request.
    assert elapsed < 20, elapsed


def test_a_fast_enough_body_is_not_cut_off(env_for: EnvFor) -> None:
    """The deadline grows with the bytes received: a body that keeps coming is read in full."""
    env = env_for(LAPOR_HTTP_BODY_TIMEOUT_SECONDS="1", LAPOR_HTTP_BODY_MIN_RATE_BYTES="1000")

    async def body() -> AsyncIterator[bytes]:
        for _ in range(6):  # 3 s in all, each 1,000 bytes extending the deadline by 1 s
            yield b" " * 1000
            await asyncio.sleep(0.5)  # the pace of a slow client, not synchronisation
        yield b'{"deskripsi": "x"}'

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            return await http.post(
                "/api/reports", content=body(), headers={"Content-Type": "application/json"}
            )

    with live_api(env) as base:
        answer = asyncio.run(send())
    assert answer.status_code == 422, answer.text  # read and validated, not timed out


def test_half_sent_headers_are_closed_by_the_server(env_for: EnvFor) -> None:
    env = env_for(LAPOR_HTTP_HEADER_TIMEOUT_SECONDS="2")
    with live_api(env) as base, _connect(base) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: lapor.test\r\n")  # and never the blank line
        answer = _read_answer(sock, trickle=False, within=20)
        elapsed = time.monotonic() - started
    assert answer.endswith(b"<closed>") or answer.startswith(b"HTTP/1.1 408"), answer
    assert elapsed < 15, elapsed  # granian's default is 30 s


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_gets_its_413_not_a_broken_pipe(env_for: EnvFor, chunked: bool) -> None:
    """A plain client (no httpx, which reads an answer after a failed write) sends the whole body,
    then reads: the server must still be reading when the last byte goes out."""
    env = env_for(LAPOR_MAX_PHOTO_BYTES="1024")  # a body limit of 1 KiB + 256 KiB
    size = 12 * 1024 * 1024  # a phone photo: more than the socket buffers hold
    piece = b"x" * (64 * 1024)
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
    with live_api(env) as base, _connect(base) as sock:
        sock.sendall(
            b"POST /api/reports HTTP/1.1\r\nHost: lapor.test\r\nContent-Type: application/json\r\n"
            b"Accept-Language: en\r\n" + framing + b"\r\n\r\n"
        )
        for _ in range(size // len(piece)):
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        answer = _read_answer(sock, trickle=False, within=30)
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b"payload_too_large" in answer or b"content-length" in answer.lower()


def test_a_body_far_over_the_limit_is_answered_at_once(env_for: EnvFor) -> None:
    """The drain is bounded: a declared body beyond the limit plus 16 MiB is not waited for."""
    env = env_for(LAPOR_MAX_PHOTO_BYTES="1024", LAPOR_HTTP_BODY_TIMEOUT_SECONDS="60")
    with live_api(env) as base, _connect(base) as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /api/reports HTTP/1.1\r\nHost: lapor.test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1073741824\r\n\r\n"
        )
        answer = _read_answer(sock, trickle=False, within=30)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert elapsed < 20, elapsed  # not the 60 s a drain would have waited for a body that never comes


async def test_one_address_gets_at_most_the_cap_of_event_streams(env_for: EnvFor, redis: Redis) -> None:
    with live_api(env_for(LAPOR_SSE_MAX_STREAMS_PER_ADDRESS="3")) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http, AsyncExitStack() as streams:
            accepted = (await http.post("/api/reports", data=report_fields())).json()
            url = accepted["links"]["events"]
            held = [await streams.enter_async_context(http.stream("GET", url)) for _ in range(3)]
            assert [s.status_code for s in held] == [200] * 3

            async with http.stream("GET", url, headers={"Accept-Language": "en"}) as refused:
                assert refused.status_code == 429  # checked before the body: a 200 never ends
                await refused.aread()
            assert int(refused.headers["retry-after"]) > 0
            assert refused.json()["error"]["code"] == "too_many_requests"
            assert "close tabs" in refused.json()["error"]["message"]

            # The staff stream counts against the same address (401 comes first without a token).
            assert (await http.get("/api/events")).status_code == 401

            # A stream that ends gives its place back.
            await held[0].aclose()
            deadline = time.monotonic() + 20
            while True:
                async with http.stream("GET", url) as again:
                    if again.status_code == 200:
                        break
                assert time.monotonic() < deadline, "the closed stream's place was never freed"
                await asyncio.sleep(0.1)
