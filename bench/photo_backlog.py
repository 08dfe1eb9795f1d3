"""Photos off the command path: an ordinary report is not held up by big photos queued ahead of it.

Starts its own system (a private `redis-server`, `lapor api`, one `lapor worker`, a fresh SQLite
database, as bench/faults.py does), submits N PNGs that are costly to decode (5000 x 5000, the
largest the limits accept), then one ordinary report without a photo, and measures the time from
that report's 202 until it is stored (polling its GET every 5 ms). Then it waits for every photo.

    .venv/bin/python -m bench.photo_backlog            # 20 PNGs ahead
    .venv/bin/python -m bench.photo_backlog --photos 3 --side 1000   # a quick check that it runs
"""

from __future__ import annotations

import argparse
import io
import shutil
import time

import httpx
from PIL import Image

from bench import targets
from bench.faults import new_system
from bench.photos import heavy_png

FIELDS = {
    "reporter_name": "Bench",
    "category": "electrical",
    "location": "Gedung A, ruang 101",
    "description": "Lampu kelas mati sejak pagi",
    "priority": "normal",
}


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _submit(http: httpx.Client, photo: bytes | None) -> httpx.Response:
    files = {"photo": ("foto.png", photo, "image/png")} if photo is not None else None
    return http.post("/api/reports", data=FIELDS, files=files)


def _wait_until(check: object, timeout: float, every: float) -> float | None:
    """Poll ``check()`` until true; the monotonic time it became true, or None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return time.monotonic()
        time.sleep(every)
    return None


def run(photos: int, side: int) -> None:
    system = new_system()
    system.start(workers=1)
    try:
        with httpx.Client(base_url=system.url, timeout=30) as http:
            refused = _submit(http, _png(6300, 6300))
            print(f"a 6300 x 6300 PNG (39.7 MP) at the door: {refused.status_code}")
            png = heavy_png(side)
            heavy = []
            for _ in range(photos):
                answer = _submit(http, png)
                answer.raise_for_status()
                heavy.append(answer.json()["id"])
            print(f"{photos} PNGs of {side} x {side} ({len(png) // 1024} KiB each) accepted")
            plain = _submit(http, None)
            accepted_at = time.monotonic()
            plain.raise_for_status()
            link = plain.json()["links"]["self"]

            def stored() -> bool:
                return bool(http.get(link).json()["status"] != "queued")

            stored_at = _wait_until(stored, timeout=120, every=0.005)
            pending = [http.get(f"/api/reports/{r}").json()["photo_status"] for r in heavy].count("pending")
            assert stored_at is not None, "the ordinary report was never stored"
            seconds = stored_at - accepted_at
            print(f"ordinary report stored {seconds:.3f} s after its 202; photos pending then: {pending}")

            def all_ready() -> bool:
                views = [http.get(f"/api/reports/{r}").json()["photo_status"] for r in heavy]
                return all(v == "ready" for v in views)

            ready_at = _wait_until(all_ready, timeout=600, every=0.25)
            if ready_at is None:
                print("not every photo was ready within 600 s")
            else:
                print(f"every photo ready {ready_at - accepted_at:.1f} s after the ordinary report's 202")
        targets.verdict(
            f"ordinary report stored after its 202 with {photos} big PNGs ahead",
            seconds * 1000,
            targets.PHOTO_BACKLOG_PERSIST_MS,
            " ms",
        )
    finally:
        system.stop()
        shutil.rmtree(system.root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--side", type=int, default=5000, help="each PNG is side x side pixels")
    args = parser.parse_args()
    run(args.photos, args.side)


if __name__ == "__main__":
    main()
