"""SSE fan-out: many open event streams on one API process, and how fast a change reaches them.

Starts `lapor api --workers 1` and a worker on scratch data, opens N (default 1,000) event
streams for one report, then has a technician change its status a few times. For every client
it records the delay from the worker's commit (the event's `at`) to the moment the event line
arrived, and prints p50/p99, plus the API process's memory per open connection.

    .venv/bin/python -m bench.sse --clients 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import redis as redis_sync

from bench import targets

LAPOR = str(Path(sys.executable).parent / "lapor")
REDIS_URL = "redis://127.0.0.1:6379/12"
PASSWORD = "bench-password-123"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of the API: the server's main process and its workers (granian forks
    them), in MiB."""
    pids = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        pids += [int(child) for child in children.read_text().split()]
    total_kb = 0
    for each in pids:
        match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{each}/status").read_text())
        total_kb += int(match.group(1)) if match else 0
    return total_kb / 1024


async def client(port: int, path: str, ready: asyncio.Event, arrivals: list[float], expected: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    seen = 0
    first = True
    while seen < expected + 1:  # the snapshot, then the changes
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            if first:
                first = False
                ready.set()
                seen += 1
                continue
            at = datetime.fromisoformat(json.loads(line[6:])["at"].replace("Z", "+00:00")).timestamp()
            arrivals.append((time.time() - at) * 1000)
            seen += 1
    writer.close()


async def run(clients: int, changes: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="lapor-sse-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_")}
    env.update(
        LAPOR_DATA_DIR=str(root), LAPOR_REDIS_URL=REDIS_URL, LAPOR_PORT=str(port), LAPOR_PASSWORD=PASSWORD
    )
    redis_sync.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run([LAPOR, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [LAPOR, "user", "add", "tek", "--role", "technician"], env=env, check=True, capture_output=True
    )
    api = subprocess.Popen([LAPOR, "api", "--workers", "1"], env=env, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([LAPOR, "worker"], env=env, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for _ in range(100):
                try:
                    await http.get("/healthz")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            form = {
                "reporter_name": "Bench",
                "location": "Gedung A",
                "description": "Proyektor mati di ruang 101",
            }
            report = (await http.post("/api/reports", data=form)).json()
            token = (
                await http.post("/api/auth/token", json={"username": "tek", "password": PASSWORD})
            ).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            while (await http.get(report["links"]["self"])).json()["status"] != "pending":
                await asyncio.sleep(0.05)
            idle_rss = rss_mib(api.pid)
            arrivals: list[float] = []
            readies = [asyncio.Event() for _ in range(clients)]
            tasks = [
                asyncio.create_task(client(port, report["links"]["events"], ready, arrivals, changes))
                for ready in readies
            ]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=120)
            connected_rss = rss_mib(api.pid)
            statuses = ["in_progress", "pending"] * changes
            for status in statuses[:changes]:
                await http.patch(f"/api/reports/{report['id']}", json={"status": status}, headers=auth)
                await asyncio.sleep(1)
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
        arrivals.sort()
        expected = clients * changes
        print(f"clients: {clients}, changes: {changes}, deliveries: {len(arrivals)} (expected {expected})")
        p99 = arrivals[int(len(arrivals) * 0.99) - 1]
        print(
            f"commit-to-client delay: p50 {statistics.median(arrivals):.1f} ms, "
            f"p99 {p99:.1f} ms, max {arrivals[-1]:.1f} ms"
        )
        targets.verdict(
            f"SSE delivery p99, {clients:,} clients on one API process", p99, targets.SSE_P99_MS, " ms"
        )
        print(
            f"API RSS: {idle_rss:.0f} MiB idle, {connected_rss:.0f} MiB with {clients} streams "
            f"({(connected_rss - idle_rss) * 1024 / clients:.0f} KiB per connection)"
        )
    finally:
        for proc in (api, worker):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
        redis_sync.Redis.from_url(REDIS_URL).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.clients, args.changes))


if __name__ == "__main__":
    main()
