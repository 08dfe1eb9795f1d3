"""Rendering photos in a separate, lower-priority process, one at a time.

Why a process and not a thread: on a 2-core machine a render thread competes with the command
loop and the API for the same cores at the same priority (Pillow releases the GIL, so it really
does run beside them). A child process can be given a lower CPU priority (``os.nice``): the
kernel then runs the command path first and the render in whatever CPU is left. It also keeps a
decode's memory out of the worker, and a render that crashes or hangs can be killed without
taking the worker with it. One process, one render at a time: photos wait in the database, never
in memory, so a burst of big photos costs one decode's memory, not twenty.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from lapor.media.images import render_upload

log = logging.getLogger("lapor.worker")

# Added to the worker's own niceness (``lapor up`` runs workers at 10, so renders run at 19, the
# lowest priority): a render only gets the CPU that commands and requests leave.
RENDER_NICENESS = 10


class RenderCrashed(RuntimeError):
    """The render process died (killed for memory, say) or took longer than its time limit."""


def _start_render_process(worker_pid: int) -> None:
    """In the child: a lower CPU priority, Ctrl-C left to the worker (which stops the child), and
    an exit as soon as the worker is gone, even killed with SIGKILL (no orphan renders). The
    worker's pid comes from the worker: it may have died while this process was starting."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # os.nice: not on every platform
        os.nice(RENDER_NICENESS)
    threading.Thread(target=_exit_with_parent, args=(worker_pid,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


class Renderer:
    """A one-process pool, started on first use and started again after a crash or a timeout."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, source: str, display: str, thumbnail: str, max_pixels: int) -> tuple[str, str]:
        """``render_upload``'s answer, from the child process; raises ``RenderCrashed``."""
        if self._pool is None:
            # spawn, not fork: the worker has threads (SQLite, asyncio's) that fork would copy mid-state.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_render_process,
                initargs=(os.getpid(),),
            )
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._pool, render_upload, source, display, thumbnail, max_pixels)
        try:
            return await asyncio.wait_for(job, timeout=self.timeout)
        except TimeoutError as exc:
            self.close()
            raise RenderCrashed(f"the render took longer than {self.timeout:g} s") from exc
        except BrokenProcessPool as exc:
            self.close()
            raise RenderCrashed("the render process died (out of memory?)") from exc

    def close(self) -> None:
        """Stop the render process now, whatever it is doing (its work is redone by the next one)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # The executor has no public way to kill a busy child (Python 3.14 adds kill_workers()).
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(OSError):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
