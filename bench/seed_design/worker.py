"""YARDSTICK ONLY, not part of Lapor Kampus: the seed project's consumer (BRPOP, rewrite a JSON file)."""

from __future__ import annotations

import json
import os
import time

from app import DATABASE, QUEUE, REDIS


def main() -> None:
    while True:
        _queue, raw = REDIS.brpop([QUEUE])  # popped: from here on, a crash loses this report
        report = json.loads(raw)
        report["status"] = "DITERIMA"
        report["persisted_at"] = time.time()  # added for the benchmark's bookkeeping only
        try:
            with open(DATABASE) as handle:
                reports = json.load(handle)
        except (FileNotFoundError, json.JSONDecodeError):
            reports = []
        reports.append(report)
        with open(DATABASE, "w") as handle:  # the whole file, every time
            json.dump(reports, handle)


if __name__ == "__main__":
    os.makedirs(os.path.dirname(DATABASE), exist_ok=True)
    main()
