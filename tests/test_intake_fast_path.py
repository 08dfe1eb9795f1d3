"""The intake's fast path: its multipart parser agrees with Starlette's, its Redis pipe keeps the promise."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
import hypothesis
import pytest
from hypothesis import strategies as st
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from lapor.broker import keys
from lapor.broker.intake_script import _SUBMIT
from lapor.broker.pipe import ScriptPipe, _Incomplete, encode, parse
from lapor.http import forms
from tests.factories import jpeg_with_exif, report_fields, submit

BOUNDARY = b"lapor-test-boundary"


def part(name: bytes, value: bytes, filename: bytes | None = None, headers: bytes = b"") -> bytes:
    disposition = b'form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return (
        b"--"
        + BOUNDARY
        + b"\r\nContent-Disposition: "
        + disposition
        + b"\r\n"
        + headers
        + b"\r\n"
        + value
        + b"\r\n"
    )


async def starlette_form(body: bytes, content_type: bytes) -> Any:
    """What ``read_fields`` got from ``request.form()`` before: the fields and the photo, or 400."""

    async def stream() -> Any:
        yield body

    parser = MultiPartParser(
        Headers(raw=[(b"content-type", content_type)]), stream(), max_files=2, max_fields=30
    )
    try:
        form = await parser.parse()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        upload = form.get("photo")
        data = await upload.read() if isinstance(upload, UploadFile) else None
    except MultiPartException:
        return "400"
    finally:  # a file part cut short is in no form, but its spooled file is open
        for file in parser._files_to_close_on_error:
            file.close()
    return fields, data or None


def ours(body: bytes, content_type: bytes, **limits: int) -> Any:
    try:
        boundary, charset = forms.multipart_boundary(content_type.decode("latin-1"))
        return forms.parse_multipart(
            body, boundary, charset, file_field="photo", max_files=2, max_fields=30, **limits
        )
    except forms.BadForm:
        return "400"


def well_formed_bodies(count: int) -> list[bytes]:
    rnd = random.Random(5)
    names = [b"reporter_name", b"photo", b"location", b"description", b"caf\xc3\xa9", b""]
    values = [
        b"",
        b"abc",
        b"--" + BOUNDARY[:-1],
        b"\r\n",
        "Lampu mati \u00e9".encode(),
        b"\xff\xfe",
        b"x" * 5000,
    ]
    bodies = []
    for _ in range(count):
        parts = [
            part(
                rnd.choice(names),
                rnd.choice(values),
                rnd.choice([None, b"a.jpg", b""]),
                rnd.choice([b"", b"Content-Type: image/jpeg\r\n"]),
            )
            for _ in range(rnd.randint(0, 5))
        ]
        bodies.append(b"".join(parts) + b"--" + BOUNDARY + rnd.choice([b"--\r\n", b"--", b"--\r\nepilogue"]))
    return bodies


async def test_the_parser_agrees_with_starlette_on_well_formed_forms() -> None:
    content_type = b"multipart/form-data; boundary=" + BOUNDARY
    for body in well_formed_bodies(400):
        assert ours(body, content_type) == await starlette_form(body, content_type), body


async def test_malformed_forms_are_a_4xx_never_a_crash(client: httpx.AsyncClient, redis: Redis) -> None:
    content_type = "multipart/form-data; boundary=" + BOUNDARY.decode()
    bad = [
        b"no delimiter at all",
        b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--" + BOUNDARY + b"--",
        b"--" + BOUNDARY + b"\r\nBroken Header: x\r\n\r\nv\r\n--" + BOUNDARY + b"--",
        b"".join(part(b"photo", b"x", b"a.jpg") for _ in range(3)) + b"--" + BOUNDARY + b"--",
        b"".join(part(b"f%d" % i, b"x") for i in range(31)) + b"--" + BOUNDARY + b"--",
        part(b"description", b"x" * (1024 * 1024 + 1)) + b"--" + BOUNDARY + b"--",
    ]
    for body in bad:
        response = await client.post("/api/reports", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 400, (body[:80], response.text)
        assert response.json()["error"]["code"] == "bad_request"
    for header in ("multipart/form-data", "multipart/form-data; boundary=" + "b" * 201):
        response = await client.post("/api/reports", content=b"x", headers={"Content-Type": header})
        assert response.status_code == 400
    # A body cut short, or an empty one, keeps what came before the cut: the fields are then named.
    cut = part(b"reporter_name", b"Sari") + b"--" + BOUNDARY + b"\r\nContent-Disposition: form-da"
    for body in (cut, b""):
        response = await client.post("/api/reports", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 422
        assert "location" in response.json()["error"]["fields"]
    assert await redis.xlen(keys.COMMANDS) == 0


async def test_a_form_with_photo_goes_through_the_pipe(client: httpx.AsyncClient, redis: Redis) -> None:
    app: Any = client._transport.app  # type: ignore[attr-defined]
    assert app.state.intake_pipe is not None  # the app's lifespan made it
    response = await submit(client, photo=jpeg_with_exif())
    assert response.status_code == 202
    entries = await redis.xrange(keys.COMMANDS)
    assert len(entries) == 1
    assert json.loads(entries[0][1]["data"])["report_id"] == response.json()["id"]
    assert (await client.get(response.json()["links"]["self"])).json()["photo_pending"] is True


async def test_idempotency_through_the_pipe(client: httpx.AsyncClient, redis: Redis) -> None:
    headers = {"Idempotency-Key": "pipe-key-1"}
    first, second = await asyncio.gather(
        client.post("/api/reports", data=report_fields(), headers=headers),
        client.post("/api/reports", data=report_fields(), headers=headers),
    )
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert await redis.xlen(keys.COMMANDS) == 1


def test_resp_encoding_and_parsing() -> None:
    assert encode("SET", "k", 5, b"\x00") == b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n5\r\n$1\r\n\x00\r\n"
    reply = b"*3\r\n:1\r\n$5\r\nhe\r\nl\r\n*2\r\n$-1\r\n+OK\r\n-ERR bad\r\n"
    value, pos = parse(reply)
    assert value == [1, b"he\r\nl", [None, b"OK"]]
    error, end = parse(reply, pos)
    assert isinstance(error, ResponseError) and str(error) == "ERR bad" and end == len(reply)
    with pytest.raises(_Incomplete):
        parse(b"*2\r\n:1\r\n$5\r\nhe")


async def test_pipe_pipelines_recovers_and_fails_cleanly(redis: Redis) -> None:
    pipe = ScriptPipe.for_client(redis)
    assert pipe is not None
    sha = pipe.register("return redis.call('INCR', KEYS[1])")
    key = "lapor:test:pipe"
    try:
        results = await asyncio.gather(*(pipe.evalsha(sha, [key], []) for _ in range(200)))
        assert sorted(results) == list(range(1, 201))  # all pipelined on one connection, none lost
        await redis.script_flush()  # Redis forgets the script: the pipe sends its source again
        assert await pipe.evalsha(sha, [key], []) == 201
        assert pipe._protocol is not None and pipe._protocol.transport is not None
        host, port = pipe._protocol.transport.get_extra_info("sockname")[:2]
        await redis.client_kill(f"{host}:{port}")  # the pipe's connection dies (and no other)
        await asyncio.sleep(0.05)
        assert await pipe.evalsha(sha, [key], []) == 202  # the next command connects again
        with pytest.raises(ResponseError):
            await pipe.evalsha(pipe.register("return redis.error_reply('no')"), [key], [])
    finally:
        await pipe.aclose()
    with pytest.raises(RedisConnectionError):
        await pipe.evalsha(sha, [key], [])


async def test_commands_in_flight_fail_when_the_connection_drops() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # the command arrived; the connection drops before any answer
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    pipe = ScriptPipe(host="127.0.0.1", port=server.sockets[0].getsockname()[1])
    sha = pipe.register(_SUBMIT)
    try:
        with pytest.raises(RedisConnectionError):  # failed, not lost in a queue: the API answers 503
            await pipe.evalsha(sha, [], [])
    finally:
        await pipe.aclose()
        server.close()


async def test_pipe_gives_up_on_a_redis_that_does_not_answer(redis: Redis) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads until the pipe gives up and closes, never answers
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pipe = ScriptPipe(host="127.0.0.1", port=port, timeout=0.2)
    sha = pipe.register(_SUBMIT)
    try:
        with pytest.raises(RedisTimeoutError, match="answer in time"):
            await pipe.evalsha(sha, [], [])
    finally:
        await pipe.aclose()
        server.close()


async def test_waiting_calls_share_one_reconnect_and_then_fail_fast() -> None:
    # A Redis that accepts and never answers, behind a pipe that must SELECT a database first:
    # every call that found no connection waits for the same attempt, so twenty calls fail after
    # one timeout (one after another, the twentieth would wait twenty); during the cool-down the
    # next call fails without trying.
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pipe = ScriptPipe(host="127.0.0.1", port=port, db=3, timeout=0.5, connect_timeout=0.5, cool_down=30)
    sha = pipe.register(_SUBMIT)
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        results = await asyncio.gather(
            *(pipe.evalsha(sha, [], []) for _ in range(20)), return_exceptions=True
        )
        elapsed = loop.time() - started
        assert all(isinstance(r, (RedisConnectionError, RedisTimeoutError)) for r in results), results
        assert elapsed < 0.5 + 2.0, elapsed  # one timeout and a margin; one at a time took 10 s
        assert len(accepted) == 1  # one connection attempt for all twenty
        started = loop.time()
        with pytest.raises(RedisConnectionError, match="not retrying yet"):
            await pipe.evalsha(sha, [], [])
        assert loop.time() - started < 0.2 and len(accepted) == 1
    finally:
        await pipe.aclose()
        server.close()


@st.composite
def multipart_bodies(draw: st.DrawFn) -> bytes:
    """Bodies a client or an attacker might send: preambles, LF-only line ends, many and huge
    headers, padding after delimiters, epilogues, bodies cut short."""
    newline = draw(st.sampled_from([b"\r\n", b"\n"]))
    nl = lambda: newline if draw(st.integers(0, 9)) else draw(st.sampled_from([b"\r\n", b"\n"]))  # noqa: E731
    preamble = draw(
        st.sampled_from([b"", b"", b"\r\n", b"\n", b"\r\n\r\n", b"\r", b"preamble\r\n", b"\r\nx\r\n"])
    )
    names = st.sampled_from([b"reporter_name", b"photo", b"location", b"description", b"caf\xc3\xa9", b""])
    values = st.sampled_from(
        [b"", b"abc", b"--" + BOUNDARY[:-1], b"\r\n", b"\n", "Lampu \u00e9".encode(), b"x" * 300]
    )
    header_names = st.sampled_from([b"X-Pad", b"Content-Type", b"content-disposition", b"X Bad", b""])
    pad = st.sampled_from([0, 1, 100, 2000, 4100, 4300, 9000])
    body = preamble
    for _ in range(draw(st.integers(0, 4))):
        disposition = b'form-data; name="' + draw(names) + b'"'
        filename = draw(st.sampled_from([None, None, b"a.jpg", b""]))
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        lines = [b"Content-Disposition: " + disposition]
        for _ in range(draw(st.sampled_from([0, 0, 1, 2, 7, 8, 12]))):
            colon = draw(st.sampled_from([b": ", b":", b":  ", b":\t", b" :"]))
            lines.append(draw(header_names) + colon + b"a" * draw(pad))
        draw(st.randoms()).shuffle(lines)
        headers = b"".join(line + nl() for line in lines)
        after_delimiter = draw(st.sampled_from([b"", b"", b"", b" ", b"\t ", b" x", b"\r", b"-"])) + nl()
        body += b"--" + BOUNDARY + after_delimiter + headers + nl() + draw(values) + newline
    body += b"--" + BOUNDARY + draw(st.sampled_from([b"--\r\n", b"--", b"--\r\nepilogue", b"--\n"]))
    cut = draw(st.sampled_from([None, None, None, 1, 10, 200]))
    if cut is not None:
        body = body[: max(0, len(body) - cut)]
    return body


@hypothesis.settings(max_examples=400, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
@hypothesis.given(multipart_bodies())
def test_the_parser_agrees_with_python_multipart_on_generated_bodies(body: bytes) -> None:
    content_type = b"multipart/form-data; boundary=" + BOUNDARY
    # Without our own cap on a part's header block, which python-multipart's limits reach first.
    no_block_cap = forms.MAX_HEADERS * (forms.MAX_HEADER_LINE + 2)
    assert ours(body, content_type, max_header_block=no_block_cap) == asyncio.run(
        starlette_form(body, content_type)
    )


async def test_a_part_header_block_is_capped_at_8_kib(client: httpx.AsyncClient, redis: Redis) -> None:
    content_type = b"multipart/form-data; boundary=" + BOUNDARY
    lines = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 1500) for i in range(6))  # 9 KiB, 7 lines
    body = part(b"reporter_name", b"Ani", headers=lines) + b"--" + BOUNDARY + b"--"
    assert await starlette_form(body, content_type) == ({"reporter_name": "Ani"}, None)
    assert ours(body, content_type) == "400"
    # What blocked the event loop for seconds: a body of millions of header lines, now refused at once.
    flood = b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="a"\r\n' + b"X: y\r\n" * 1_600_000
    started = asyncio.get_running_loop().time()
    response = await client.post(
        "/api/reports", content=flood, headers={"Content-Type": content_type.decode()}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    assert asyncio.get_running_loop().time() - started < 1.0


async def test_a_leading_crlf_and_lf_only_bodies_are_read_as_starlette_reads_them() -> None:
    content_type = b"multipart/form-data; boundary=" + BOUNDARY
    form = part(b"reporter_name", b"Ani") + b"--" + BOUNDARY + b"--\r\n"
    lf_only = form.replace(b"\r\n", b"\n")
    assert ours(b"\r\n" + form, content_type) == ({"reporter_name": "Ani"}, None)  # was a 400
    assert ours(lf_only, content_type) == "400"  # was an empty form
    for body in (b"\r\n" + form, lf_only, b"\r\n\r\n" + form, b"preamble\r\n" + form):
        assert ours(body, content_type) == await starlette_form(body, content_type), body


async def test_a_refused_connection_is_tried_again_at_once(redis: Redis) -> None:
    # Redis restarting refuses connections: no cool-down, the first call after it is back connects.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    pipe = ScriptPipe(host="127.0.0.1", port=port, cool_down=30)
    try:
        with pytest.raises(RedisConnectionError, match="cannot connect"):
            await pipe.evalsha(pipe.register("return 1"), [], [])
        with pytest.raises(RedisConnectionError, match="cannot connect"):  # tried again, not cooled down
            await pipe.evalsha(pipe.register("return 1"), [], [])
    finally:
        await pipe.aclose()
