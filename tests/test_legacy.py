"""The seed project's API (/api/lapor, /api/antrean, /api/semua_laporan) keeps working, holes closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.factories import StaffUser, png_bytes

SEED_KEYS = {"id_laporan", "lokasi", "deskripsi", "prioritas", "status", "foto", "waktu"}


def seed_form(**overrides: str) -> dict[str, str]:
    fields = {
        "nama": "Siti Aminah",
        "lokasi": "Perpustakaan pusat, lantai 3",
        "deskripsi": "Lampu di ruang baca padam sejak pagi, ruangan gelap.",
        "prioritas": "Darurat",
    }
    fields.update(overrides)
    return fields


async def seed_submit(client: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    files = {"foto": ("foto.png", png_bytes(), "image/png")}
    return await client.post("/api/lapor", data=seed_form(**overrides), files=files)


async def queue_length(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/antrean")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"jumlah_antrean"}
    return int(body["jumlah_antrean"])


async def test_seed_submit_and_read_in_the_seed_shape(
    client: httpx.AsyncClient, drain: Callable[..., Any]
) -> None:
    response = await seed_submit(client)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert {"message", "id_laporan", "status"} <= set(accepted)
    assert accepted["status"] == "PENDING"
    assert accepted["message"]
    report_id = accepted["id_laporan"]

    queued = await client.get(f"/api/lapor/{report_id}")
    assert queued.status_code == 200
    view = queued.json()
    assert set(view) == SEED_KEYS
    assert view["id_laporan"] == report_id
    assert view["status"] == "PENDING"
    assert view["lokasi"] == "Perpustakaan pusat, lantai 3"
    assert "nama" not in view
    assert await queue_length(client) == 1

    await drain()
    assert await queue_length(client) == 0
    reporter = {"X-Tracking-Token": accepted["tracking_token"]}
    view = (await client.get(f"/api/lapor/{report_id}", headers=reporter)).json()
    assert set(view) == SEED_KEYS
    assert view["status"] == "PENDING"
    assert view["prioritas"] == "Darurat"
    assert view["deskripsi"] == "Lampu di ruang baca padam sejak pagi, ruangan gelap."
    assert view["foto"], "the worker stored the photo"
    assert (await client.get(view["foto"])).status_code == 200
    assert "nama" not in view


async def test_seed_status_change_needs_staff(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    report_id = (await seed_submit(client)).json()["id_laporan"]
    await drain()

    anonymous = await client.put(f"/api/lapor/{report_id}", json={"status": "DIPROSES_TEKNISI"})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    await drain()
    assert (await client.get(f"/api/lapor/{report_id}")).json()["status"] == "PENDING"

    for seed_status in ("DIPROSES_TEKNISI", "SELESAI"):
        change = await client.put(
            f"/api/lapor/{report_id}", json={"status": seed_status}, headers=technician.headers
        )
        assert change.status_code == 202, change.text
        assert change.json()["command_id"]
        await drain()
        view = (await client.get(f"/api/lapor/{report_id}")).json()
        assert view["status"] == seed_status

    # The modern API agrees with the seed view.
    modern = (await client.get(f"/api/reports/{report_id}")).json()
    assert modern["status"] == "resolved"


async def test_seed_unknown_status_is_refused(client: httpx.AsyncClient, technician: StaffUser) -> None:
    report_id = (await seed_submit(client)).json()["id_laporan"]
    response = await client.put(
        f"/api/lapor/{report_id}", json={"status": "HILANG"}, headers=technician.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_all_reports_are_for_staff_only(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    report_id = (await seed_submit(client)).json()["id_laporan"]
    await drain()

    anonymous = await client.get("/api/semua_laporan")
    assert anonymous.status_code == 401
    assert "Siti Aminah" not in anonymous.text

    staff = await client.get("/api/semua_laporan", headers=technician.headers)
    assert staff.status_code == 200
    (row,) = staff.json()
    assert row["id_laporan"] == report_id
    assert row["nama"] == "Siti Aminah"
    assert row["prioritas"] == "Darurat"
    assert row["status"] == "PENDING"


async def test_unknown_priority_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await seed_submit(client, prioritas="Penting")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert isinstance(error["message"], str) and error["message"]
    assert await queue_length(client) == 0


async def test_unknown_priority_error_speaks_the_seed_vocabulary(client: httpx.AsyncClient) -> None:
    response = await seed_submit(client, prioritas="Penting")
    assert response.status_code == 422
    error = response.json()["error"]
    assert "prioritas" in error.get("fields", {})
    assert "Darurat" in error["message"]
