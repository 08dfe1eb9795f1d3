"""Photos off the command path: stored first, rendered after, nothing lost, failures visible."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw
from redis.asyncio import Redis

from lapor.broker import keys
from lapor.config import Settings
from lapor.worker.loop import Worker
from lapor.worker.transactions import transaction_runner
from tests.factories import PASSWORD, StaffUser, both_backends, png_bytes, submit
from tests.live import spawn, stop


def big_png(side: int = 5000) -> bytes:
    """A PNG at the format's pixel ceiling: small on the wire (~100 KiB), heavy to decode."""
    image = Image.new("RGB", (side, side), (230, 230, 230))
    draw = ImageDraw.Draw(image)
    for x in range(0, side, 50):
        draw.line([(x, 0), (side - x, side)], fill=(x % 255, 40, 90), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


async def store_only(settings: Settings, redis: Redis) -> None:
    """A worker that applies every command and dies before its photo stage renders anything."""
    runner = transaction_runner(settings.resolved_database_url)
    try:
        worker = Worker(settings, redis, runner, burst=True, render_photos=False)
        await asyncio.wait_for(worker.run(), timeout=60)
    finally:
        await runner.dispose()


async def photo_events(redis: Redis, report_id: str) -> list[dict[str, Any]]:
    entries: Any = await redis.xrange(keys.EVENTS)
    found = [json.loads(fields["data"]) for _id, fields in entries if fields["report_id"] == report_id]
    return [event for event in found if event["type"] == "photo"]


async def view(
    client: httpx.AsyncClient, report_id: str, language: str = "id", *, token: str | None = None
) -> dict[str, Any]:
    """The public view, or the reporter's with ``token`` (photo URLs and the timeline)."""
    headers = {"Accept-Language": language} | ({"X-Tracking-Token": token} if token else {})
    answer = await client.get(f"/api/reports/{report_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


async def sign_in_to_pages(client: httpx.AsyncClient, user: StaffUser) -> None:
    """The staff pages take the session cookie of their sign-in form, not a bearer token."""
    token = re.search(r'name="csrf_token" value="(\w+)"', (await client.get("/staff")).text)
    assert token
    form = {"username": user.username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert (await client.post("/staff/login", data=form)).status_code == 303


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


@both_backends
async def test_report_is_stored_first_and_its_photo_rendered_after(
    client: httpx.AsyncClient, redis: Redis, settings: Settings, drain: Callable[..., Any]
) -> None:
    accepted = (await submit(client, photo=png_bytes(300, 200))).json()
    report_id, token = accepted["id"], accepted["tracking_token"]
    assert (await view(client, report_id))["photo_status"] == "pending"  # the queued view says so too

    await store_only(settings, redis)
    stored = await view(client, report_id, token=token)
    assert stored["status"] == "pending" and stored["photo_status"] == "pending"
    assert stored["photo_url"] is None
    assert await photo_events(redis, report_id) == []
    assert len(list(settings.upload_dir.iterdir())) == 1  # kept until the photo is rendered

    await drain()  # the photo stage finds the pending photo in the database
    ready = await view(client, report_id, token=token)
    assert ready["photo_status"] == "ready" and ready["status"] == "pending"
    assert (await client.get(ready["photo_url"])).status_code == 200
    (event,) = await photo_events(redis, report_id)
    assert event["photo_status"] == "ready" and event["status"] == "pending"
    assert not list(settings.upload_dir.iterdir())

    await drain()  # nothing pending: no second render, no second event
    assert len(await photo_events(redis, report_id)) == 1


async def test_undecodable_photo_keeps_the_report_and_tells_the_reporter(
    client: httpx.AsyncClient, redis: Redis, drain: Callable[..., Any]
) -> None:
    broken = png_bytes(400, 400)[:300]  # the header is fine (accepted at the door), the pixels are not
    answer = await submit(client, photo=broken)
    assert answer.status_code == 202
    report_id = answer.json()["id"]
    await drain()

    stored = await view(client, report_id, "en", token=answer.json()["tracking_token"])
    assert stored["status"] == "pending"  # not rejected any more
    assert stored["photo_status"] == "unusable" and stored["photo_url"] is None
    entry = stored["timeline"][-1]
    assert entry["kind"] == "photo" and entry["note"] == "The photo is damaged and cannot be read"
    (event,) = await photo_events(redis, report_id)
    assert event["photo_status"] == "unusable" and event["note"] == "photo.unreadable"

    # The photo is the reporter's business: the page as anyone gets it by the id does not tell
    # (the reporter's browser is told with its token: tests/e2e/test_student.py).
    page = await client.get(f"/r/{report_id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "The photo is damaged and cannot be read" not in page.text


async def test_a_worker_killed_before_rendering_leaves_the_photo_to_its_successor(
    client: httpx.AsyncClient,
    admin: StaffUser,
    settings: Settings,
    redis: Redis,
    env_for: Callable[..., dict[str, str]],
) -> None:
    # The first worker can store but not render (its photo directory is a file), then dies.
    settings.photo_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.photo_dir.write_text("not a directory")
    env = env_for(LAPOR_PHOTO_POLL_SECONDS="0.2", LAPOR_PHOTO_RETRY_MAX_SECONDS="1")
    report_id = (await submit(client, photo=png_bytes(200, 100))).json()["id"]
    first = spawn("worker", env=env)
    try:

        async def tried() -> bool:
            status = (await client.get("/api/admin/status", headers=admin.headers)).json()
            return bool(status["photos"]["failures"])

        await eventually(tried, "the first worker tried to render the photo")
        assert (await view(client, report_id))["photo_status"] == "pending"
        renders = children_of(first.pid)
        assert renders, "the render process was not started"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)

    async def orphans_gone() -> bool:
        return not any(Path(f"/proc/{pid}").exists() for pid in renders)

    await eventually(orphans_gone, "the render process of the killed worker exited")

    settings.photo_dir.unlink()
    successor = spawn("worker", env=env)
    try:

        async def rendered() -> bool:
            return (await view(client, report_id))["photo_status"] == "ready"

        await eventually(rendered, "a restarted worker rendered the photo")
    finally:
        stop(successor)
    assert [e["photo_status"] for e in await photo_events(redis, report_id)] == ["ready"]


async def test_unwritable_photo_directory_is_a_visible_failed_attempt_and_heals(
    client: httpx.AsyncClient,
    admin: StaffUser,
    settings: Settings,
    env_for: Callable[..., dict[str, str]],
) -> None:
    env = env_for(LAPOR_PHOTO_POLL_SECONDS="0.2", LAPOR_PHOTO_RETRY_MAX_SECONDS="1")
    worker = spawn("worker", env=env)
    try:
        first = (await submit(client, photo=png_bytes())).json()["id"]

        async def photo_is(report_id: str, status: str) -> bool:
            answer = await client.get(f"/api/reports/{report_id}")
            return answer.status_code == 200 and answer.json()["photo_status"] == status

        await eventually(lambda: photo_is(first, "ready"), "the running worker rendered a photo")

        # Root ignores file permissions: a regular file where the directory was fails for anyone.
        shutil.rmtree(settings.photo_dir)
        settings.photo_dir.write_text("not a directory")
        with_photo = (await submit(client, photo=png_bytes(64, 64))).json()["id"]
        without_photo = (await submit(client)).json()["id"]

        async def failing() -> bool:
            status = (await client.get("/api/admin/status", headers=admin.headers)).json()
            return bool(status["photos"]["error"])

        await eventually(failing, "the failure shows in /api/admin/status")
        await eventually(lambda: photo_is(without_photo, "none"), "a report without a photo is stored")
        assert (await view(client, with_photo))["status"] == "pending"  # stored, photo pending
        assert (await view(client, with_photo))["photo_status"] == "pending"

        status = (await client.get("/api/admin/status", headers=admin.headers)).json()["photos"]
        assert str(settings.photo_dir) in status["error"] and "FileExistsError" in status["error"]
        assert status["pending"] == 1 and status["failures"] >= 1
        await sign_in_to_pages(client, admin)
        page = await client.get("/staff/system")
        assert page.status_code == 200 and str(settings.photo_dir) in page.text
        metrics = (await client.get("/metrics")).text
        assert "lapor_photo_storage_failing 1.0" in metrics
        assert "lapor_photo_failures_total" in metrics
        cli = subprocess.run(
            [sys.executable, "-m", "lapor", "status"], env=env, capture_output=True, text=True, timeout=60
        )
        assert cli.returncode == 0, cli.stderr
        assert "photo storage failing" in cli.stdout and str(settings.photo_dir) in cli.stdout

        settings.photo_dir.unlink()  # fixed: the next attempt renders it
        await eventually(lambda: photo_is(with_photo, "ready"), "the photo rendered once storage works")
        status = (await client.get("/api/admin/status", headers=admin.headers)).json()["photos"]
        assert status["error"] is None and status["pending"] == 0
    finally:
        stop(worker)


async def test_ordinary_report_is_not_delayed_behind_big_photos(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    photo = big_png()
    heavy = [(await submit(client, photo=photo)).json()["id"] for _ in range(6)]
    runner = transaction_runner(settings.resolved_database_url)
    worker = Worker(settings, redis, runner)
    running = asyncio.create_task(worker.run())
    try:

        async def stored(report_id: str) -> bool:
            return (await client.get(f"/api/reports/{report_id}")).json()["status"] != "queued"

        await eventually(lambda: stored(heavy[0]), "the reports with photos are stored")
        plain = (await submit(client)).json()["id"]
        await eventually(lambda: stored(plain), "the ordinary report is stored")
        # The order is the point: the plain report is in the database while photos queued ahead of
        # it are still waiting for the photo stage.
        statuses = [(await view(client, report_id))["photo_status"] for report_id in heavy]
        assert statuses.count("pending") >= 3, statuses

        async def all_ready() -> bool:
            return all([(await view(client, r))["photo_status"] == "ready" for r in heavy])

        await eventually(all_ready, "every photo is rendered", timeout=120)
    finally:
        worker.request_stop()
        await asyncio.wait_for(running, timeout=30)
        await runner.dispose()


def test_a_big_png_is_decoded_within_a_memory_bound(tmp_path: Path) -> None:
    """The render process's peak memory for a PNG at its pixel ceiling (5000 x 5000)."""
    source = tmp_path / "big.png"
    source.write_bytes(big_png())
    # VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would count the forking test process.
    script = (
        "import re, sys\n"
        "from lapor.media.images import render_upload\n"
        "print(render_upload(sys.argv[1], sys.argv[2] + '/d.jpg', sys.argv[2] + '/t.jpg', 40_000_000))\n"
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) // 1024)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(source), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    outcome, peak_mb = run.stdout.splitlines()
    assert outcome == "('ready', '')", run.stderr
    assert int(peak_mb) < 180  # ~100 MB for the decoded pixels, plus the interpreter and Pillow


async def test_a_png_over_its_format_ceiling_is_refused_at_the_door(client: httpx.AsyncClient) -> None:
    answer = await submit(client, photo=png_bytes(6300, 6300))  # 39.7 MP: under the JPEG limit of 40
    assert answer.status_code == 422
    assert "Resolusi foto terlalu besar" in answer.json()["error"]["fields"]["photo"]


async def test_a_render_over_its_time_limit_is_killed_and_counted(
    client: httpx.AsyncClient, redis: Redis, drain: Callable[..., Any]
) -> None:
    accepted = (await submit(client, photo=png_bytes(200, 200))).json()
    report_id = accepted["id"]
    # Every render is over a limit this short (starting the render process alone takes longer).
    await drain(photo_render_timeout_seconds=0.01, worker_max_attempts=2)
    stored = await view(client, report_id, "en", token=accepted["tracking_token"])
    assert stored["status"] == "pending" and stored["photo_status"] == "unusable"
    assert stored["timeline"][-1]["note"] == "The photo is damaged and cannot be read"
    assert [e["photo_status"] for e in await photo_events(redis, report_id)] == ["unusable"]
