"""What ``GET /metrics`` shows of this API's own figures: every process of one ``lapor api``.

``lapor api`` runs several processes on one port, and a scrape reaches one of them. So the
launcher points prometheus_client's multiprocess mode at a directory of its run
(``PROMETHEUS_MULTIPROC_DIR``, emptied at start): each process keeps its counters in a file of its
own there, and a scrape adds them all up. Without that directory (tests, an app served some other
way) the figures are the answering process's own.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead


def exposition(registry: CollectorRegistry, shared_dir: Path | None) -> bytes:
    """The Prometheus text of ``registry``, or of all processes sharing ``shared_dir``."""
    # The value class is chosen when prometheus_client is imported, from the same variable: if it
    # was imported before the variable was set, this process's figures are in memory, not there.
    if shared_dir is None or not getattr(values.ValueClass, "_multiprocess", False):
        return generate_latest(registry)
    forget_dead_processes(shared_dir)
    shared = CollectorRegistry()
    MultiProcessCollector(shared, path=str(shared_dir))  # type: ignore[no-untyped-call]
    return generate_latest(shared)


def forget_dead_processes(shared_dir: Path) -> None:
    """Drop the live gauges (open event streams) of processes that are gone: a server process
    that crashed and was replaced holds no streams open. Its counters stay: they happened."""
    for file in shared_dir.glob("gauge_live*_*.db"):
        pid = file.stem.rpartition("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):  # another process was quicker
                mark_process_dead(int(pid), str(shared_dir))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user
    return True
