"""The original project's API as its own pages use it (issue 16): /api/lapor, /api/antrean,
/api/semua_laporan, /static/uploads/{foto}, its refusals as text, and its pages under /lama/."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import text

from lapor.app import create_app
from lapor.broker import keys
from lapor.config import Settings
from lapor.i18n import translate
from lapor.store.engine import create_engine
from tests.factories import PASSWORD, StaffUser, create_staff, png_bytes

SEED_KEYS = {"id_laporan", "lokasi", "deskripsi", "prioritas", "status", "foto", "waktu"}
ADMIN_KEYS = {
    "id",
    "waktu_lapor",
    "pelapor",
    "lokasi",
    "prioritas",
    "deskripsi",
    "foto",
    "status",
    "id_laporan",
    "waktu",
    "nama",
    "foto_url",
}
BASE_URL = "http://lapor.test"
EVIL = "https://evil.example"
JSON_ERRORS = {"Accept": "application/json"}


def seed_form(**overrides: str) -> dict[str, str]:
    fields = {
        "nama": "Siti Aminah",
        "lokasi": "Perpustakaan pusat, lantai 3",
        "deskripsi": "Lampu di ruang baca padam sejak pagi, ruangan gelap.",
        "prioritas": "Darurat",
    }
    fields.update(overrides)
    return fields


async def seed_submit(
    client: httpx.AsyncClient, *, headers: dict[str, str] | None = None, **overrides: str
) -> httpx.Response:
    files = {"foto": ("foto.png", png_bytes(), "image/png")}
    return await client.post("/api/lapor", data=seed_form(**overrides), files=files, headers=headers)


async def seed_report(client: httpx.AsyncClient, drain: Callable[..., Any], **overrides: str) -> str:
    response = await seed_submit(client, **overrides)
    assert response.status_code == 202, response.text
    await drain()
    report_id: str = response.json()["id_laporan"]
    return report_id


async def queue_length(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/antrean")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"jumlah_antrean"}
    return int(body["jumlah_antrean"])


async def sign_in_to_pages(client: httpx.AsyncClient, username: str) -> None:
    """The session cookie, as a staff member signed in at /staff has it."""
    found = re.search(r'name="csrf_token" value="(\w+)"', (await client.get("/staff")).text)
    assert found
    form = {"username": username, "password": PASSWORD, "csrf_token": found.group(1)}
    assert (await client.post("/staff/login", data=form)).status_code == 303
    assert "lapor_session" in client.cookies


async def timeline(client: httpx.AsyncClient, staff: StaffUser, report_id: str) -> list[dict[str, Any]]:
    view = (await client.get(f"/api/reports/{report_id}", headers=staff.headers)).json()
    entries: list[dict[str, Any]] = view["timeline"]
    return entries


async def set_columns(settings: Settings, report_id: str, **values: object) -> None:
    """Test set-up the merge issue's commands would do: a report made a duplicate."""
    engine = create_engine(settings.resolved_database_url)
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    async with engine.begin() as conn:
        await conn.execute(
            text(f"UPDATE reports SET {assignments} WHERE id = :id"), {**values, "id": report_id}
        )
    await engine.dispose()


# --- The student page: submit, poll, queue ------------------------------------------------------


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
    assert view["status"] == "PENDING"  # queued: the original's PENDING
    assert view["lokasi"] == "Perpustakaan pusat, lantai 3"
    assert "nama" not in view
    assert await queue_length(client) == 1

    await drain()
    assert await queue_length(client) == 0
    reporter = {"X-Tracking-Token": accepted["tracking_token"]}
    view = (await client.get(f"/api/lapor/{report_id}", headers=reporter)).json()
    assert set(view) == SEED_KEYS
    # Stored and waiting: the original's worker marked every stored report DIPROSES_TEKNISI.
    assert view["status"] == "DIPROSES_TEKNISI"
    assert view["prioritas"] == "Darurat"
    assert view["deskripsi"] == "Lampu di ruang baca padam sejak pagi, ruangan gelap."
    assert view["foto"], "the worker stored the photo"
    assert (await client.get(view["foto"])).status_code == 200
    assert "nama" not in view


async def test_seed_status_change_needs_a_staff_writer(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, settings: Settings
) -> None:
    report_id = await seed_report(client, drain)

    anonymous = await client.put(f"/api/lapor/{report_id}", json={"status": "DIPROSES_TEKNISI"})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    viewer = await create_staff(settings, client, username="dekan", role="viewer")
    read_only = await client.put(
        f"/api/lapor/{report_id}", json={"status": "SELESAI"}, headers=viewer.headers
    )
    assert read_only.status_code == 403
    await drain()
    assert (await client.get(f"/api/reports/{report_id}")).json()["status"] == "pending"

    started = await client.put(
        f"/api/lapor/{report_id}", json={"status": "DIPROSES_TEKNISI"}, headers=technician.headers
    )
    assert started.status_code == 202, started.text
    await drain()
    assert (await client.get(f"/api/reports/{report_id}")).json()["status"] == "in_progress"
    assert (await client.get(f"/api/lapor/{report_id}")).json()["status"] == "DIPROSES_TEKNISI"


async def test_selesai_on_a_pending_report_starts_and_resolves_it_in_one_command(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, redis: Redis
) -> None:
    report_id = await seed_report(client, drain)
    before = await redis.xlen(keys.COMMANDS)
    change = await client.put(
        f"/api/lapor/{report_id}", json={"status": "SELESAI"}, headers=technician.headers
    )
    assert change.status_code == 202, change.text
    assert await redis.xlen(keys.COMMANDS) == before + 1  # one command, both moves
    await drain()

    assert (await client.get(f"/api/lapor/{report_id}")).json()["status"] == "SELESAI"
    moves = [
        (entry["from_status"], entry["status"], entry["by"])
        for entry in await timeline(client, technician, report_id)
        if entry["kind"] == "status"
    ]
    assert moves == [("pending", "in_progress", "Tek"), ("in_progress", "resolved", "Tek")]

    # Pressed again on the resolved report: nothing changes, nothing is sent.
    again = await client.put(
        f"/api/lapor/{report_id}", json={"status": "SELESAI"}, headers=technician.headers
    )
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "SELESAI" and again.json()["msg"]
    assert await redis.xlen(keys.COMMANDS) == before + 1


async def test_two_technicians_pressing_selesai_at_once_resolve_it_once_and_refuse_nothing(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, admin: StaffUser
) -> None:
    report_id = await seed_report(client, drain)
    for staff in (technician, admin):
        pressed = await client.put(
            f"/api/lapor/{report_id}", json={"status": "SELESAI"}, headers=staff.headers
        )
        assert pressed.status_code == 202  # both saw it pending
    await drain()
    kinds = [(e["kind"], e["status"]) for e in await timeline(client, technician, report_id)]
    assert kinds == [("created", "pending"), ("status", "in_progress"), ("status", "resolved")]


async def test_selesai_on_a_report_the_worker_has_not_stored_yet_still_takes_both_moves(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    report_id = (await seed_submit(client)).json()["id_laporan"]
    change = await client.put(
        f"/api/lapor/{report_id}", json={"status": "SELESAI"}, headers=technician.headers
    )
    assert change.status_code == 202, change.text
    await drain()
    assert (await client.get(f"/api/reports/{report_id}")).json()["status"] == "resolved"


async def test_selesai_on_a_rejected_or_duplicate_report_is_refused_with_a_reason(
    client: httpx.AsyncClient,
    drain: Callable[..., Any],
    technician: StaffUser,
    redis: Redis,
    settings: Settings,
) -> None:
    rejected = await seed_report(client, drain)
    refusal = {"status": "rejected", "note": "Bukan fasilitas kampus"}
    assert (
        await client.patch(f"/api/reports/{rejected}", json=refusal, headers=technician.headers)
    ).status_code == 202
    await drain()
    before = await redis.xlen(keys.COMMANDS)
    for language in ("id", "en"):
        answer = await client.put(
            f"/api/lapor/{rejected}",
            json={"status": "SELESAI"},
            headers={**technician.headers, "Accept-Language": language},
        )
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["message"] == translate("legacy.rejected", language)
    assert (await client.get(f"/api/lapor/{rejected}")).json()["status"] == "DITOLAK"

    kept = await seed_report(client, drain)
    duplicate = await seed_report(client, drain)
    await set_columns(settings, duplicate, status="duplicate", duplicate_of=kept)
    before = await redis.xlen(keys.COMMANDS)
    answer = await client.put(
        f"/api/lapor/{duplicate}", json={"status": "SELESAI"}, headers=technician.headers
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == translate("legacy.duplicate", "id")
    assert await redis.xlen(keys.COMMANDS) == before


async def test_a_duplicate_shows_its_kept_reports_status(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, settings: Settings
) -> None:
    kept = await seed_report(client, drain)
    duplicate = await seed_report(client, drain, deskripsi="Lampu ruang baca mati juga, sama seperti tadi.")
    await set_columns(settings, duplicate, status="duplicate", duplicate_of=kept)

    async def shown() -> tuple[str, str]:
        one = (await client.get(f"/api/lapor/{duplicate}")).json()["status"]
        rows = (await client.get("/api/semua_laporan", headers=technician.headers)).json()
        (row,) = [row for row in rows if row["id"] == duplicate]
        return one, row["status"]

    assert await shown() == ("DIPROSES_TEKNISI", "DIPROSES_TEKNISI")
    await client.put(f"/api/lapor/{kept}", json={"status": "SELESAI"}, headers=technician.headers)
    await drain()
    assert await shown() == ("SELESAI", "SELESAI")


async def test_seed_unknown_status_is_refused(client: httpx.AsyncClient, technician: StaffUser) -> None:
    report_id = (await seed_submit(client)).json()["id_laporan"]
    response = await client.put(
        f"/api/lapor/{report_id}", json={"status": "HILANG"}, headers=technician.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


# --- The admin page: the list, its photo links, its escaping -------------------------------------


async def test_all_reports_in_the_admin_pages_shape_for_staff_only(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, settings: Settings
) -> None:
    report_id = await seed_report(client, drain)

    anonymous = await client.get("/api/semua_laporan")
    assert anonymous.status_code == 401
    assert "Siti Aminah" not in anonymous.text

    staff = await client.get("/api/semua_laporan", headers=technician.headers)
    assert staff.status_code == 200
    (row,) = staff.json()
    assert set(row) == ADMIN_KEYS
    assert row["id"] == row["id_laporan"] == report_id
    assert row["pelapor"] == {"nama": "Siti Aminah"} and row["nama"] == "Siti Aminah"
    assert row["prioritas"] == "Darurat"
    assert row["status"] == "DIPROSES_TEKNISI"
    assert row["lokasi"] == "Perpustakaan pusat, lantai 3"
    # The campus clock (Asia/Jakarta, UTC+7), as the page splits it: "YYYY-MM-DD HH:MM:SS".
    created = datetime.fromisoformat(row["waktu"].replace("Z", "+00:00"))
    assert row["waktu_lapor"] == (created + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M:%S")
    # The photo by its bare file name, served where the page links it.
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", row["foto"])
    photo = await client.get(f"/static/uploads/{row['foto']}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8")  # re-encoded: a JPEG, though a PNG was sent
    assert photo.content == (await client.get(row["foto_url"])).content


async def test_the_admin_list_follows_the_campus_time_zone(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis, drain: Callable[..., Any]
) -> None:
    settings = make_settings(database_url, campus_timezone="Asia/Jayapura")  # UTC+9
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        technician = await create_staff(settings, client, username="tek", role="technician")
        await seed_report(client, drain)
        (row,) = (await client.get("/api/semua_laporan", headers=technician.headers)).json()
    created = datetime.fromisoformat(row["waktu"].replace("Z", "+00:00"))
    assert row["waktu_lapor"] == (created + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M:%S")


async def test_text_in_the_admin_list_is_escaped(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    attack = "<img src=x onerror=alert(document.cookie)> AC bocor"
    await seed_report(
        client, drain, nama="<script>x()</script>", lokasi='R1" onmouseover="y()', deskripsi=attack
    )
    (row,) = (await client.get("/api/semua_laporan", headers=technician.headers)).json()
    assert row["deskripsi"] == "&lt;img src=x onerror=alert(document.cookie)&gt; AC bocor"
    assert row["pelapor"]["nama"] == row["nama"] == "&lt;script&gt;x()&lt;/script&gt;"
    assert row["lokasi"] == "R1&quot; onmouseover=&quot;y()"
    assert "<" not in staff_text(row) and '"' not in staff_text(row)


def staff_text(row: dict[str, Any]) -> str:
    return row["deskripsi"] + row["lokasi"] + row["pelapor"]["nama"] + row["nama"]


async def test_static_uploads_serves_rendered_photos_only(
    client: httpx.AsyncClient, drain: Callable[..., Any], settings: Settings
) -> None:
    assert (await seed_submit(client)).status_code == 202
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    (upload,) = [path.name for path in settings.upload_dir.iterdir()]
    assert (await client.get(f"/static/uploads/{upload}")).status_code == 404  # never an original
    await drain()
    (name,) = [path.name for path in settings.photo_dir.iterdir() if not path.name.endswith("_thumb.jpg")]
    assert (await client.get(f"/static/uploads/{name}")).status_code == 200
    for bad in (
        name.replace(".jpg", "_thumb.jpg"),
        "0" * 32 + ".jpg",  # well formed, no such photo
        "..%2F..%2Fsecret_key",
        "%2E%2E%2Fuploads%2F" + upload,
        name.upper(),
        "x.jpg",
    ):
        assert (await client.get(f"/static/uploads/{bad}")).status_code == 404, bad
    assert (await client.get("/static/uploads/../secret_key")).status_code == 404


# --- The cookie exception --------------------------------------------------------------------------


async def test_the_admin_page_works_with_the_session_cookie_from_our_origin_only(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser, redis: Redis
) -> None:
    report_id = await seed_report(client, drain)
    await sign_in_to_pages(client, "tek")
    listing = await client.get("/api/semua_laporan")  # the page's fetch: no Origin, no token
    assert listing.status_code == 200 and listing.json()[0]["id"] == report_id

    url = f"/api/lapor/{report_id}"
    body = {"status": "SELESAI"}
    before = await redis.xlen(keys.COMMANDS)
    for headers in (
        {},  # neither header: nothing says it is ours
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.lapor.test"},
    ):
        refused = await client.put(url, json=body, headers=headers)
        assert refused.status_code == 403, headers
    as_form = await client.put(url, data=body, headers={"Origin": BASE_URL})
    assert as_form.status_code == 403
    as_text = await client.put(
        url, content=b'{"status": "SELESAI"}', headers={"Origin": BASE_URL, "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 403
    assert await redis.xlen(keys.COMMANDS) == before

    ours = await client.put(url, json=body, headers={"Sec-Fetch-Site": "same-origin"})
    assert ours.status_code == 202, ours.text
    await drain()
    assert (await client.get(url)).json()["status"] == "SELESAI"


async def test_a_viewers_cookie_reads_the_list_but_cannot_press_selesai(
    client: httpx.AsyncClient, drain: Callable[..., Any], settings: Settings
) -> None:
    report_id = await seed_report(client, drain)
    await create_staff(settings, client, username="dekan", role="viewer")
    await sign_in_to_pages(client, "dekan")
    assert (await client.get("/api/semua_laporan")).status_code == 200
    refused = await client.put(
        f"/api/lapor/{report_id}", json={"status": "SELESAI"}, headers={"Origin": BASE_URL}
    )
    assert refused.status_code == 403


# --- Refusals of POST /api/lapor as text ----------------------------------------------------------


async def test_a_refused_submission_is_text_unless_json_is_asked_for(client: httpx.AsyncClient) -> None:
    for language, words in (("id", "Lokasi wajib diisi"), ("en", "Location is required")):
        refused = await client.post(
            "/api/lapor", data={"nama": "Sari", "deskripsi": "Gatau"}, headers={"Accept-Language": language}
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "text/plain; charset=utf-8"
        assert words in refused.text
        assert not refused.text.lstrip().startswith("{")  # the page's res.json() fails: it alerts
    as_json = await client.post(
        "/api/lapor", data={"nama": "Sari", "deskripsi": "Gatau"}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 422 and as_json.json()["error"]["code"] == "validation_error"
    browsers_default = await client.post("/api/lapor", json={"nama": "Sari"}, headers={"Accept": "*/*"})
    assert browsers_default.headers["content-type"].startswith("text/plain")
    refused_json = await client.post("/api/lapor", json={}, headers={"Accept": "application/json;q=0"})
    assert refused_json.headers["content-type"].startswith("text/plain")


async def test_middleware_refusals_are_text_too(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis
) -> None:
    settings = make_settings(database_url, intake_rate_limit=2, intake_max_backlog=100)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        too_large = await client.post(
            "/api/lapor",
            content=b"x" * 100,
            headers={"Content-Length": str(50 * 1024 * 1024), "Accept-Language": "en"},
        )
        assert too_large.status_code == 413
        assert too_large.headers["content-type"].startswith("text/plain")
        assert "too large" in too_large.text.lower()
        assert "content-security-policy" in too_large.headers  # the security headers stay

        for _ in range(2):
            assert (await seed_submit(client)).status_code == 202
        limited = await seed_submit(client, headers={"Accept-Language": "en"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert limited.headers["content-type"].startswith("text/plain")
        assert "send it again in" in limited.text
        assert (await seed_submit(client, headers=JSON_ERRORS)).json()["error"]["code"] == "too_many_requests"

    settings = make_settings(database_url, intake_max_backlog=2)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        busy = await seed_submit(client, headers={"Accept-Language": "en"})
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
        assert busy.headers["content-type"].startswith("text/plain")
        assert "waiting to be processed" in busy.text


async def test_the_text_refusals_are_declared_in_openapi(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    answers = schema["paths"]["/api/lapor"]["post"]["responses"]
    for status in ("413", "422", "429", "503"):
        assert set(answers[status]["content"]) == {"application/json", "text/plain"}, status
    put = schema["paths"]["/api/lapor/{report_id}"]["put"]["responses"]
    assert {"200", "202", "409"} <= set(put)


# --- The operator's copy of the old pages under /lama/ ---------------------------------------------


async def test_the_old_pages_are_served_under_lama_with_their_own_csp(
    make_settings: Callable[..., Settings], database_url: str, redis: Redis, tmp_path: Path
) -> None:
    pages = tmp_path / "lama"
    pages.mkdir()
    (pages / "index.html").write_text('<button onclick="go()">Kirim</button>', encoding="utf-8")
    (pages / "admin.html").write_text("<h2>Dashboard</h2>", encoding="utf-8")
    (pages / ".env").write_text("SECRET=1", encoding="utf-8")
    (tmp_path / "outside.html").write_text("outside", encoding="utf-8")
    (pages / "link.html").symlink_to(tmp_path / "outside.html")

    settings = make_settings(database_url, legacy_pages_dir=pages)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        index = await client.get("/lama/")
        assert index.status_code == 200 and "Kirim" in index.text
        csp = index.headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline'" in csp and "frame-ancestors 'none'" in csp
        admin = await client.get("/lama/admin.html")
        assert admin.status_code == 200 and admin.headers["content-type"].startswith("text/html")
        for bad in ("/lama/.env", "/lama/link.html", "/lama/..%2Foutside.html", "/lama/nope.html"):
            assert (await client.get(bad)).status_code == 404, bad
        # Every other page keeps its strict policy.
        student = await client.get("/")
        assert "'unsafe-inline'" not in student.headers["content-security-policy"]

    app = create_app(make_settings(database_url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        assert (await client.get("/lama/admin.html")).status_code == 404  # not configured: not served


# --- Priorities --------------------------------------------------------------------------------------


async def test_unknown_priority_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await seed_submit(client, prioritas="Penting", headers=JSON_ERRORS)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert isinstance(error["message"], str) and error["message"]
    assert "prioritas" in error.get("fields", {})
    assert "Darurat" in error["message"]
    assert await queue_length(client) == 0
