"""A tiny HTTP proxy in front of the live API that can lose an answer: it forwards a request,
lets the server answer, then closes the browser's connection without passing the answer on —
what a phone sees when its signal drops just after sending. It also records what it forwarded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@dataclass
class Forwarded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    answer: bytes
    dropped: bool


@dataclass
class DroppingProxy:
    upstream: str
    drop: Callable[[str, str, int], bool]  # (method, path, how many such requests before) -> drop?
    forwarded: list[Forwarded] = field(default_factory=list)
    url: str = ""

    def posts(self, path: str) -> list[Forwarded]:
        return [f for f in self.forwarded if f.method == "POST" and f.path == path]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as http:
            try:
                while await self._one(reader, writer, http):
                    pass
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

    async def _one(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, http: httpx.AsyncClient
    ) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines if ": " in line)
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
        body = await reader.readexactly(length) if length else b""
        before = len([f for f in self.forwarded if (f.method, f.path) == (method, path)])
        answer = await http.request(
            method,
            path,
            content=body,
            headers={k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP},
        )
        dropped = self.drop(method, path, before)
        self.forwarded.append(
            Forwarded(method, path, headers, body, answer.status_code, answer.content, dropped)
        )
        if dropped:
            return False  # the server answered; the browser never hears it
        reply = [f"HTTP/1.1 {answer.status_code} {answer.reason_phrase}"]
        reply += [f"{k}: {v}" for k, v in answer.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        reply += [f"Content-Length: {len(answer.content)}", "", ""]
        writer.write("\r\n".join(reply).encode("latin-1") + answer.content)
        await writer.drain()
        return True


@asynccontextmanager
async def dropping_proxy(
    upstream: str, drop: Callable[[str, str, int], bool]
) -> AsyncIterator[DroppingProxy]:
    proxy = DroppingProxy(upstream, drop)
    server = await asyncio.start_server(proxy._handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        server.close()
