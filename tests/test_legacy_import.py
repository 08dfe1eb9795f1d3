"""`lapor import-seed`: the original project's database_laporan.json, through the broker, once."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from redis.asyncio import Redis

from lapor.broker import keys
from lapor.cli import main
from lapor.config import Settings
from lapor.domain.commands import ImportLegacyReport
from lapor.i18n import translate
from lapor.services.legacy_import import import_seed_file, report_id_for
from tests.factories import StaffUser, both_backends, png_bytes

FIXTURE = Path(__file__).parent / "fixtures" / "seed_database_laporan.json"
# Where each record of the fixture starts (its "{" line): the report names records by it.
IMPORTED = {"0a1b2c3d": 2, "5e6f7a8b": 16, "9c0d1e2f": 29}


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """The original's folder as an operator has it: the JSON file and static/uploads."""
    folder = tmp_path / "original"
    uploads = folder / "static" / "uploads"
    uploads.mkdir(parents=True)
    shutil.copy(FIXTURE, folder / "database_laporan.json")
    (uploads / "1f2e3d4c_kabel.png").write_bytes(png_bytes(120, 80))
    (uploads / "secret.txt").write_text("not a photo of any record", encoding="utf-8")
    return folder


async def seed_view(client: httpx.AsyncClient, report_id: str) -> dict[str, Any]:
    answer = await client.get(f"/api/lapor/{report_id}")
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


@both_backends
async def test_import_keeps_records_times_statuses_and_old_ids_once(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    settings: Settings,
    redis: Redis,
    technician: StaffUser,
    seed_dir: Path,
) -> None:
    first = await import_seed_file(
        settings, seed_dir / "database_laporan.json", photos=seed_dir / "static" / "uploads"
    )
    assert first.sent == 3 and first.already == 0
    assert first.problems == [
        "line 40: waktu_lapor is missing or not YYYY-MM-DD HH:MM:SS; not imported",
        "line 52: prioritas 'Penting' is none of Darurat, Sedang, Biasa; not imported",
        "line 64: id '0a1b2c3d' already appears on line 2; not imported",
    ]
    assert first.warnings == [
        "line 29: foto 'aa11bb22_tidak_ada.jpg': not found in "
        f"{seed_dir / 'static' / 'uploads'}; imported without a photo"
    ]
    assert not first.ok
    await drain()

    # Old links keep working, statuses mapped back as the original's pages read them.
    done = await seed_view(client, "0a1b2c3d")
    assert done["status"] == "SELESAI" and done["deskripsi"] == "Gatau"  # no minimum length
    assert done["id_laporan"] == report_id_for("0a1b2c3d")
    assert (await seed_view(client, "5e6f7a8b"))["status"] == "DIPROSES_TEKNISI"
    assert (await seed_view(client, "9c0d1e2f"))["prioritas"] == "Biasa"  # the original's default
    assert (await client.get("/api/lapor/3a4b5c6d")).status_code == 404  # refused: not imported
    assert (await client.get("/api/lapor/..%2F..")).status_code == 404

    staff = (await client.get(f"/api/reports/{report_id_for('0a1b2c3d')}", headers=technician.headers)).json()
    assert staff["status"] == "resolved" and staff["priority"] == "emergency"
    assert staff["reporter_name"] == "Rina Kusuma" and staff["location"] == "Lab Komputer 2"
    # Campus time (Asia/Jakarta) in the file, UTC here; every move at the time the file says.
    assert staff["created_at"] == "2025-11-03T02:15:00Z"
    moves = [(e["kind"], e["from_status"], e["status"], e["at"]) for e in staff["timeline"]]
    assert moves == [
        ("created", "queued", "pending", "2025-11-03T02:15:00Z"),
        ("status", "pending", "in_progress", "2025-11-03T02:15:05Z"),  # waktu_diproses (ctime)
        ("status", "in_progress", "resolved", "2025-11-03T03:40:12Z"),  # waktu_update
    ]
    assert staff["timeline"][0]["note"] == translate("legacy.imported_note", "id")
    # The photo went through the photo stage: rendered, re-encoded, served where the page links it.
    assert staff["photo_status"] == "ready"
    rows = (await client.get("/api/semua_laporan", headers=technician.headers)).json()
    (row,) = [r for r in rows if r["id"] == report_id_for("0a1b2c3d")]
    assert row["waktu_lapor"] == "2025-11-03 09:15:00"  # as the file had it
    photo = await client.get(f"/static/uploads/{row['foto']}")
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
    (named,) = [r for r in rows if r["id"] == report_id_for("5e6f7a8b")]
    assert named["pelapor"]["nama"] == "Andi &lt;b&gt;Pratama&lt;/b&gt;" and named["lokasi"] == "-"
    assert not list(settings.upload_dir.iterdir())  # nothing left over

    # Twice imports nothing twice.
    second = await import_seed_file(
        settings, seed_dir / "database_laporan.json", photos=seed_dir / "static" / "uploads"
    )
    assert second.sent == 0 and second.already == 3
    await drain()
    rows_again = (await client.get("/api/semua_laporan", headers=technician.headers)).json()
    assert sorted(r["id"] for r in rows_again) == sorted(r["id"] for r in rows)

    # The old admin page's button works on an old id too.
    pressed = await client.put("/api/lapor/9c0d1e2f", json={"status": "SELESAI"}, headers=technician.headers)
    assert pressed.status_code == 202, pressed.text
    await drain()
    assert (await seed_view(client, "9c0d1e2f"))["status"] == "SELESAI"
    already = await client.put("/api/lapor/0a1b2c3d", json={"status": "SELESAI"}, headers=technician.headers)
    assert already.status_code == 200


async def test_a_record_sent_twice_before_a_worker_ran_is_stored_once(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    settings: Settings,
    redis: Redis,
    technician: StaffUser,
    seed_dir: Path,
) -> None:
    path = seed_dir / "database_laporan.json"
    first = await import_seed_file(settings, path)
    second = await import_seed_file(settings, path)  # no worker yet: nothing stored to skip
    assert first.sent == second.sent == 3
    entries: Any = await redis.xrange(keys.COMMANDS)
    ids = [json.loads(fields["data"])["command_id"] for _id, fields in entries]
    assert len(ids) == 6 and len(set(ids)) == 3  # the same command ids: applied once
    await drain()
    rows = (await client.get("/api/semua_laporan", headers=technician.headers)).json()
    assert len(rows) == 3
    assert not any(entry for entry in await redis.xrange(keys.DEAD_LETTERS))
    # Without --photos the record keeps its report and says the photo was left out.
    assert any("no --photos directory given" in warning for warning in first.warnings)


async def test_a_file_that_is_not_a_json_list_imports_nothing(
    settings: Settings, redis: Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "database_laporan.json"
    broken.write_text('[\n  {"id": "a1"},\n  {"id": "b2",\n]\n', encoding="utf-8")
    for name, value in {
        "LAPOR_ENV": "test",
        "LAPOR_DATABASE_URL": settings.resolved_database_url,
        "LAPOR_REDIS_URL": settings.redis_url,
        "LAPOR_DATA_DIR": str(settings.data_dir),
    }.items():
        monkeypatch.setenv(name, value)
    result = await _invoke(CliRunner(), ["import-seed", str(broken), "--wait", "0"])
    assert result.exit_code == 1
    assert "line 4: not valid JSON" in result.output and "nothing was imported" in result.output


async def test_the_command_line_reports_by_line_and_fails_when_a_record_is_refused(
    settings: Settings, redis: Redis, seed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "LAPOR_ENV": "test",
        "LAPOR_DATABASE_URL": settings.resolved_database_url,
        "LAPOR_REDIS_URL": settings.redis_url,
        "LAPOR_DATA_DIR": str(settings.data_dir),
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    result = await _invoke(runner, ["import-seed", str(seed_dir / "database_laporan.json"), "--wait", "0"])
    assert result.exit_code == 1, result.output
    assert "line 52: prioritas 'Penting'" in result.output
    assert "3 records sent to the workers, 0 imported before" in result.output
    assert await redis.xlen(keys.COMMANDS) == 3
    commands = [
        ImportLegacyReport.model_validate_json(f["data"]) for _i, f in await redis.xrange(keys.COMMANDS)
    ]
    assert {c.legacy_id for c in commands} == set(IMPORTED)


async def _invoke(runner: CliRunner, args: list[str]) -> Any:
    # The command runs its own event loop (asyncio.run): off this test's loop.
    return await asyncio.to_thread(runner.invoke, main, args)
