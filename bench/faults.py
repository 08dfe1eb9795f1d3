"""`make faults`: Jepsen-style fault injection. Nothing acknowledged may be lost or duplicated.

Each scenario starts its own system — a private `redis-server` (AOF, `appendfsync always`) on
a free port, `lapor api`, two `lapor worker`s, a fresh SQLite database — submits reports
through HTTP while a fault is injected, heals, waits until the queue is drained, and then
checks the books: every request was acknowledged, failed or indeterminate; every acknowledged
report must exist exactly once; nothing may exist twice.

    .venv/bin/python -m bench.faults            # all scenarios
    .venv/bin/python -m bench.faults --only redis-restart -n 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis as redis_sync

from bench.load import persisted_lapor, print_table, submit_all
from bench.photos import camera_jpeg

LAPOR = str(Path(sys.executable).parent / "lapor")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class System:
    root: Path
    redis_port: int
    api_port: int
    env: dict[str, str]
    redis: subprocess.Popen[bytes] | None = None
    api: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def store(self) -> str:
        return f"sqlite:///{self.root / 'data' / 'lapor.db'}"

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis_sync.Redis(port=self.redis_port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis_sync.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill_redis(self) -> None:
        assert self.redis is not None
        self.redis.kill()
        self.redis.wait()

    def spawn_worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [LAPOR, "--log-level", "WARNING", "worker"], env=self.env, stderr=subprocess.DEVNULL
        )

    def start(self, workers: int = 2) -> None:
        self.start_redis()
        subprocess.run([LAPOR, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        self.api = subprocess.Popen([LAPOR, "api", "--workers", "1"], env=self.env, stderr=subprocess.DEVNULL)
        self.workers = [self.spawn_worker() for _ in range(workers)]
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("lapor api did not start")

    def stop(self) -> None:
        for proc in [*(self.workers or []), self.api, self.redis]:
            if proc is not None and proc.poll() is None:
                if proc.returncode is None:
                    os.kill(proc.pid, signal.SIGCONT)
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def drained(self) -> bool:
        client = redis_sync.Redis(port=self.redis_port, decode_responses=True)
        try:
            groups = client.xinfo_groups("lapor:commands")
        except redis_sync.RedisError:
            return False
        return all(int(g["pending"]) == 0 and not g.get("lag") for g in groups)


def new_system(claim_idle: float = 2.0) -> System:
    root = Path(tempfile.mkdtemp(prefix="lapor-faults-"))
    redis_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_")}
    env.update(
        LAPOR_DATA_DIR=str(root / "data"),
        LAPOR_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        LAPOR_PORT=str(api_port),
        LAPOR_WORKER_CLAIM_IDLE_SECONDS=str(claim_idle),
        LAPOR_WORKER_DB_RETRY_MAX_SECONDS="1",
        # Every report comes from 127.0.0.1, and workers are stopped on purpose: limits that never
        # refuse (their checks still run), so that every report sent is one that must be stored.
        LAPOR_INTAKE_RATE_LIMIT="1000000000",
        LAPOR_INTAKE_MAX_BACKLOG="1000000000",
    )
    return System(root, redis_port, api_port, env)


# --- faults: each runs in a thread while the load is submitted, and returns once healed ---------


def kill_workers_repeatedly(system: System, stop: threading.Event) -> None:
    assert system.workers is not None
    while not stop.is_set():
        time.sleep(0.3)
        victim = system.workers.pop(0)
        victim.kill()
        victim.wait()
        system.workers.append(system.spawn_worker())


def pause_worker(system: System, stop: threading.Event) -> None:
    assert system.workers is not None
    time.sleep(0.5)
    paused = system.workers[0]
    paused.send_signal(signal.SIGSTOP)
    time.sleep(5)  # longer than the claim idle time: its entries are taken over by the other
    paused.send_signal(signal.SIGCONT)  # ... and its late work must not duplicate anything


def restart_redis(system: System, stop: threading.Event) -> None:
    time.sleep(1)
    system.kill_redis()
    time.sleep(2)
    system.start_redis()  # from the AOF: every acknowledged command is still there


def lock_database(system: System, stop: threading.Event) -> None:
    time.sleep(0.5)
    lock = sqlite3.connect(system.root / "data" / "lapor.db", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # no worker can write for 10 s
    time.sleep(10)
    lock.execute("ROLLBACK")
    lock.close()


def poison(system: System, stop: threading.Event) -> None:
    client = redis_sync.Redis(port=system.redis_port)
    client.xadd("lapor:commands", {"type": "report.create", "id": "poison", "data": "{not json"})


SCENARIOS: dict[str, Callable[[System, threading.Event], None]] = {
    "kill-workers": kill_workers_repeatedly,
    "pause-worker": pause_worker,
    "redis-restart": restart_redis,
    "database-locked": lock_database,
    "poison-command": poison,
}


def run_scenario(name: str, n: int, concurrency: int) -> dict[str, object]:
    system = new_system()
    system.start()
    stop = threading.Event()
    fault = threading.Thread(target=SCENARIOS[name], args=(system, stop), daemon=True)
    try:
        fault.start()
        requests, _wall = asyncio.run(
            submit_all("lapor", system.url, n, concurrency, rate=n / 5, photo=camera_jpeg(), timeout=10)
        )
        stop.set()
        fault.join()
        healed = time.time()
        while not system.drained() and time.time() - healed < 120:
            time.sleep(0.2)
        drain_seconds = time.time() - healed
        time.sleep(0.5)
        _at, copies = persisted_lapor(system.store, {r.marker for r in requests})
        acked = [r for r in requests if r.outcome == "acknowledged"]
        dead = redis_sync.Redis(port=system.redis_port).xlen("lapor:dead")
        return {
            "scenario": name,
            "submitted": len(requests),
            "acknowledged": len(acked),
            "failed": sum(r.outcome == "failed" for r in requests),
            "indeterminate": sum(r.outcome in ("timeout", "indeterminate") for r in requests),
            "lost": sum(1 for r in acked if copies.get(r.marker, 0) == 0),
            "duplicated": sum(1 for count in copies.values() if count > 1),
            "dead_letters": dead,
            "drain_s": round(drain_seconds, 1),
        }
    finally:
        stop.set()
        system.stop()
        shutil.rmtree(system.root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=1000, help="reports per scenario, sent over about 5 s")
    parser.add_argument("-c", type=int, default=16)
    parser.add_argument("--only", choices=list(SCENARIOS), action="append")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("redis-server is needed (apt-get install redis-server)")
    rows = [run_scenario(name, args.n, args.c) for name in args.only or SCENARIOS]
    print_table(rows)
    bad = [row["scenario"] for row in rows if row["lost"] or row["duplicated"]]
    if bad:
        sys.exit(f"FAILED: lost or duplicated reports in {', '.join(map(str, bad))}")
    print("every acknowledged report exists exactly once in every scenario")


if __name__ == "__main__":
    main()
