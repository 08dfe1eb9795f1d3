"""Running a worker process, and the operator's views of the broker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from py_vapid import Vapid02

from lapor.broker import deadletters
from lapor.broker.client import connect
from lapor.broker.stats import broker_stats, live_workers
from lapor.config import Settings
from lapor.push.sender import PushSender
from lapor.push.vapid import load_vapid
from lapor.worker.loop import Worker
from lapor.worker.notifier import Notifier
from lapor.worker.transactions import TransactionRunner, worker_runner

log = logging.getLogger("lapor.worker")


async def run_worker(settings: Settings, *, burst: bool = False) -> int:
    """Run one worker until it is told to stop: the first SIGTERM/SIGINT is warm, the second cold.

    Beside the command loop runs the notifier (Web Push), on its own Redis connection; a burst
    worker sends no pushes."""
    await asyncio.to_thread(lambda: settings.signing_key)  # photo names are keyed with it; fails here
    vapid = None if burst else await asyncio.to_thread(load_vapid, settings)  # a bad key fails here
    runner = worker_runner(settings)
    redis = connect(settings.redis_url)
    worker = Worker(settings, redis, runner, burst=burst)
    notifying = None if vapid is None else asyncio.create_task(_notify(settings, vapid, runner, worker))
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if not worker.stopping:
            log.info("signal %s: finishing the current batch, then stopping", signal.Signals(signum).name)
            worker.request_stop()
        elif task is not None:
            log.warning("second signal: stopping now; unacknowledged commands will be reclaimed")
            task.cancel()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        await worker.run()
        if notifying is not None:
            await notifying
    except asyncio.CancelledError:
        return 1
    finally:
        if notifying is not None:
            notifying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await notifying
        await redis.aclose()
        await runner.dispose()
    return 0


async def _notify(settings: Settings, vapid: Vapid02, runner: TransactionRunner, worker: Worker) -> None:
    """Send Web Push until the worker stops; a failing notifier is restarted, never fatal to the
    worker (reports matter more than their notifications)."""
    redis = connect(settings.redis_url)
    sender = PushSender(settings, vapid)
    notifier = Notifier(settings, redis, runner, sender, name=worker.name)
    try:
        while not worker.stopping:
            try:
                await notifier.run(worker.stopped)
            except Exception:
                log.exception("notifier failed; restarting in 5 s")
                await asyncio.sleep(5)
    finally:
        await sender.aclose()
        await redis.aclose()


async def check_workers(settings: Settings) -> list[str]:
    redis = connect(settings.redis_url)
    try:
        return await live_workers(redis)
    finally:
        await redis.aclose()


async def print_status(settings: Settings, echo: Callable[[str], object]) -> None:
    redis = connect(settings.redis_url)
    try:
        stats = await broker_stats(redis)
    finally:
        await redis.aclose()
    echo(f"waiting (not yet read):  {stats.waiting}")
    echo(f"pending (read, not acked): {stats.pending}")
    for consumer, count in sorted(stats.pending_per_consumer.items()):
        echo(f"  {consumer}: {count}")
    echo(f"dead letters:            {stats.dead_letters}")
    echo(f"live workers:            {len(stats.live_workers)}")
    for name in stats.live_workers:
        echo(f"  {name}")
    echo(f"photos pending:          {stats.photos.pending}")
    echo(f"photo failures:          {stats.photos.failures}")
    if stats.photos.error:
        echo(f"  photo storage failing (last at {stats.photos.error_at}): {stats.photos.error}")


async def print_dead_letters(settings: Settings, echo: Callable[[str], object], *, limit: int) -> None:
    redis = connect(settings.redis_url)
    try:
        letters = await deadletters.list_dead_letters(redis, count=limit)
    finally:
        await redis.aclose()
    if not letters:
        echo("no dead letters")
    for letter in letters:
        echo(f"{letter.dead_id}  {letter.command_type}  command {letter.command_id}\n    {letter.error}")


async def replay_dead_letter(settings: Settings, dead_id: str) -> str | None:
    redis = connect(settings.redis_url)
    try:
        return await deadletters.replay(redis, dead_id)
    finally:
        await redis.aclose()
