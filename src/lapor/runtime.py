"""What the long-running processes (`lapor api`, `lapor worker`) do once they have started."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Move the objects alive now (modules, the app, settings) out of the garbage collector's sight.

    They live as long as the process. Left in, every full collection scans them all while the
    process serves nothing: 78-80 ms for the ~129,000 objects of a started API app on the bench
    machine, against 0.01 ms once frozen. Collections then scan only what requests allocate.
    """
    gc.collect()
    gc.freeze()
