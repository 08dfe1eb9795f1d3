"""``lapor up``: Redis (if none answers), the API and N workers as one process tree."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
from urllib.parse import urlparse

import click
from redis.exceptions import RedisError

from lapor.broker.client import connect
from lapor.config import Settings
from lapor.store.migrate import upgrade
from lapor.worker.simulator import simulate_repairs

log = logging.getLogger("lapor.up")

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


async def redis_answers(url: str) -> bool:
    redis = connect(url)
    try:
        return bool(await asyncio.wait_for(redis.ping(), timeout=2))
    except (RedisError, OSError, TimeoutError):
        return False
    finally:
        await redis.aclose()


async def start_private_redis(settings: Settings) -> subprocess.Popen[bytes] | None:
    """Start a redis-server with AOF in the data dir when the configured one is local and silent."""
    url = urlparse(settings.redis_url)
    if url.hostname not in _LOCAL_HOSTS:
        raise click.ClickException(
            f"Redis at {settings.redis_url} does not answer; start it or set LAPOR_REDIS_URL"
        )
    binary = shutil.which("redis-server")
    if binary is None:
        raise click.ClickException(
            f"no Redis answers at {settings.redis_url} and redis-server is not installed: "
            "install it (apt-get install redis-server) or set LAPOR_REDIS_URL to a running Redis"
        )
    directory = (settings.data_dir / "redis").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    port = str(url.port or 6379)
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
        [
            binary,
            "--port",
            port,
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--logfile",
            str(directory / "redis.log"),
        ],
        start_new_session=True,
    )
    try:
        for _ in range(50):
            if await redis_answers(settings.redis_url):
                click.echo(f"started a private Redis on port {port} (AOF in {directory})")
                return process
            await asyncio.sleep(0.1)
    except BaseException:  # Ctrl-C while waiting: do not leave the Redis behind
        await _stop_all([process])
        raise
    await _stop_all([process])
    raise click.ClickException(f"the private Redis did not start; see {directory / 'redis.log'}")


# On one host the API and the workers share the cores. The student waiting for "terkirim" comes
# first: workers run at a lower CPU priority and catch up from the queue, which is what it is for.
WORKER_NICENESS = 10


def _spawn_worker() -> subprocess.Popen[bytes]:
    process = _spawn("worker")
    os.setpriority(os.PRIO_PROCESS, process.pid, WORKER_NICENESS)
    return process


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    # Own session: Ctrl-C reaches only us, and we stop the children once, in order.
    return subprocess.Popen([sys.executable, "-m", "lapor", *args], start_new_session=True)  # noqa: S603


async def run_all(settings: Settings, *, workers: int, simulate_repairs: float | None) -> int:
    redis_process = None
    if not await redis_answers(settings.redis_url):
        redis_process = await start_private_redis(settings)
    children: list[subprocess.Popen[bytes]] = []
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            await asyncio.to_thread(upgrade, settings.resolved_database_url)
        except Exception as exc:
            raise click.ClickException(
                f"could not prepare the database ({type(exc).__name__}: {exc}); "
                "check LAPOR_DATABASE_URL or run `lapor db upgrade`"
            ) from exc
        children.append(_spawn("api", "--workers", "1"))
        children.extend(_spawn_worker() for _ in range(workers))
        return await _supervise(settings, children, simulate_repairs)
    finally:
        # Whatever happened (a failed migration, Ctrl-C during start-up), leave nothing running.
        await _stop_all(children)
        if redis_process is not None:
            await _stop_all([redis_process])
        if children:
            click.echo("stopped")


async def _supervise(
    settings: Settings, children: list[subprocess.Popen[bytes]], simulate_repairs: float | None
) -> int:
    click.echo(f"Lapor Kampus is starting on http://{settings.host}:{settings.port}  (Ctrl-C stops)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    simulator = None
    if simulate_repairs:
        simulator = asyncio.create_task(_simulate(settings, simulate_repairs))
    exit_code = 0
    try:
        while not stop.is_set():
            dead = [child for child in children if child.poll() is not None]
            if dead:
                click.echo(f"a child process exited with code {dead[0].returncode}; stopping", err=True)
                exit_code = 1
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
    finally:
        if simulator is not None:
            simulator.cancel()
    return exit_code


async def _simulate(settings: Settings, delay: float) -> None:
    redis = connect(settings.redis_url)
    try:
        await simulate_repairs(redis, delay_seconds=delay)
    finally:
        await redis.aclose()


async def _stop_all(processes: list[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = asyncio.get_running_loop().time() + timeout
    for process in processes:
        while process.poll() is None and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        if process.poll() is None:
            process.kill()
            process.wait()
