"""Screenshots of the main pages, phone and desktop, into docs/screenshots/.

    .venv/bin/python -m scripts.screenshots            # every shot
    .venv/bin/python -m scripts.screenshots tracking   # only shots whose name contains "tracking"

Starts its own `lapor api` and `lapor worker` (Redis DB 11, flushed before and after; SQLite and
uploads in a temporary directory), makes the data each shot needs through the HTTP API, and drives
Debian's Chromium with Playwright. Each shot is one `Shot(name, url, viewport, setup)` entry in
`SHOTS`: `setup` runs first (it may create reports, sign in, or seed the browser's storage) and
may fill `{placeholders}` of `url` through `scene.values`.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw
from playwright.async_api import BrowserContext, Page, async_playwright
from redis import Redis
from sqlalchemy import text
from tests.e2e.conftest import CHROMIUM, DESKTOP, PHONE
from tests.factories import PASSWORD
from tests.live import live_api, spawn, stop

from lapor.config import Settings
from lapor.store.engine import create_engine
from lapor.store.migrate import upgrade
from lapor.store.users import add_user

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "screenshots"
REDIS_URL = "redis://127.0.0.1:6379/11"


@dataclass
class Scene:
    """The running system, an HTTP client for it, and what setups made (ids, tokens, …)."""

    base_url: str
    settings: Settings
    http: httpx.AsyncClient
    values: dict[str, str] = field(default_factory=dict)
    staff_tokens: dict[str, str] = field(default_factory=dict)

    async def staff(self, username: str, role: str, display_name: str) -> dict[str, str]:
        """A staff account (created once) and the Authorization header of its token."""
        if username not in self.staff_tokens:
            await add_user(
                self.settings.resolved_database_url,
                username=username,
                role=role,
                display_name=display_name,
                password=PASSWORD,
            )
            answer = await self.http.post(
                "/api/auth/token", json={"username": username, "password": PASSWORD}
            )
            answer.raise_for_status()
            self.staff_tokens[username] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.staff_tokens[username]}"}

    async def submit_report(self, *, photo: bool, **fields: str) -> dict[str, Any]:
        """A report sent the way the form's script sends it; returns the 202 answer."""
        files = {"photo": ("lampu.jpg", sample_photo(), "image/jpeg")} if photo else None
        answer = await self.http.post("/api/reports", data=fields, files=files)
        answer.raise_for_status()
        accepted: dict[str, Any] = answer.json()
        return accepted

    async def wait_for(
        self, report_id: str, check: Callable[[dict[str, Any]], bool], *, token: str | None = None
    ) -> dict[str, Any]:
        """Poll the report's view (its reporter's with ``token``, else the public one) until
        ``check`` holds (the worker applies commands asynchronously)."""
        deadline = time.monotonic() + 20
        headers = {"X-Tracking-Token": token} if token else {}
        while True:
            answer = await self.http.get(f"/api/reports/{report_id}", headers=headers)
            if answer.status_code == 200 and check(view := answer.json()):
                return view
            if time.monotonic() > deadline:
                raise RuntimeError(f"report {report_id} did not reach the expected state")
            await asyncio.sleep(0.2)


Setup = Callable[[Scene, BrowserContext], Awaitable[None]]
AfterLoad = Callable[[Page], Awaitable[None]]


@dataclass(frozen=True)
class Shot:
    name: str  # the file docs/screenshots/<name>.png
    url: str  # may hold {placeholders} filled from scene.values
    viewport: dict[str, int]
    setup: Setup | None = None  # before the page opens: data, sign-in, browser storage
    after_load: AfterLoad | None = None  # on the loaded page, before the shot: clicks, typing
    full_page: bool = True
    in_browser: bool = True  # False: ``setup`` writes the picture itself (a PDF rendered to PNG)


def sample_photo() -> bytes:
    """A plausible photo of the problem: a ceiling with one dead light panel."""
    image = Image.new("RGB", (1200, 900), (214, 210, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1200, 150):
        draw.line([(x, 0), (x, 900)], fill=(170, 166, 158), width=4)
    for y in range(0, 900, 150):
        draw.line([(0, y), (1200, y)], fill=(170, 166, 158), width=4)
    draw.rectangle([150, 300, 600, 450], fill=(245, 245, 235), outline=(120, 120, 120), width=6)
    draw.rectangle([750, 300, 1050, 450], fill=(72, 74, 78), outline=(40, 40, 40), width=6)
    draw.line([(760, 310), (900, 440), (1040, 330)], fill=(30, 30, 30), width=5)
    draw.ellipse([820, 520, 980, 600], fill=(150, 120, 80))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def remember_reports(context: BrowserContext, reports: list[dict[str, str]]) -> None:
    """Put reports into the browser's "my reports" list, as the report form does after a submit
    (the form moves a list kept in localStorage, as older versions did, into IndexedDB)."""
    script = f"window.localStorage.setItem('lapor.myReports', {json.dumps(json.dumps(reports))});"
    await context.add_init_script(script)


async def student_form(scene: Scene, context: BrowserContext) -> None:
    """A returning student: two earlier reports in "my reports"."""
    if "earlier_id" not in scene.values:
        earlier = await scene.submit_report(
            photo=False,
            reporter_name="Dewi",
            location="Perpustakaan, lantai 3",
            category="ac-ventilation",
            priority="medium",
            description="AC di ruang baca lantai 3 tidak dingin sejak kemarin",
        )
        scene.values["earlier_id"] = earlier["id"]
        scene.values["earlier_token"] = earlier["tracking_token"]
    await remember_reports(
        context,
        [
            {
                "id": scene.values["earlier_id"],
                "token": scene.values["earlier_token"],
                "title": "AC di ruang baca lantai 3 tidak dingin sejak kemarin",
                "at": "2026-11-24T02:15:00Z",
            }
        ],
    )


async def submit_empty(page: Page) -> None:
    """The form sent empty: the error summary and the messages next to the fields."""
    await page.locator("#submit-button").click()
    await page.locator("#error-summary").wait_for(state="visible")
    await page.evaluate("window.scrollTo(0, 0)")


async def submit_without_signal(page: Page) -> None:
    """A report sent from a basement without signal: kept on the phone, waiting to be sent."""
    # The whole context, the service worker's requests too (Background Sync would send it at once).
    await page.context.route("**/api/reports", lambda route: route.abort("internetdisconnected"))
    await page.locator("#reporter_name").fill("Sari")
    await page.locator("#category").select_option("electrical")
    await page.locator("#location").fill("Gedung Teknik, basement, lab mesin")
    await page.locator("#description").fill("Stopkontak dekat mesin bubut berasap saat dipakai")
    await page.locator("label[for=priority-emergency]").click()
    await page.locator("#photo").set_input_files(
        files=[{"name": "stopkontak.jpg", "mimeType": "image/jpeg", "buffer": sample_photo()}]
    )
    await page.locator("#submit-button").click()
    await page.locator("#my-reports-waiting > li").first.wait_for(state="visible")
    await page.evaluate("window.scrollTo(0, 0)")


async def tracking(scene: Scene, context: BrowserContext) -> None:
    """A report with a photo, assigned and in progress, with a technician's note."""
    if "report_id" not in scene.values:
        accepted = await scene.submit_report(
            photo=True,
            reporter_name="Rina",
            reporter_contact="rina@student.kampus.ac.id",
            location="Gedung A, lantai 2, ruang 201",
            category="electrical",
            priority="emergency",
            description="Lampu panel kanan di ruang 201 mati dan berkedip sejak pagi; "
            "ada bau hangus dekat saklar.\nKuliah jam 10 memakai ruang ini.",
        )
        report_id = accepted["id"]
        await scene.wait_for(
            report_id,
            lambda view: view["status"] == "pending" and bool(view.get("photo_url")),
            token=accepted["tracking_token"],
        )
        admin = await scene.staff("admin", "admin", "Admin Fasilitas")
        await scene.staff("budi", "technician", "Budi Santoso")
        changes: list[dict[str, str]] = [
            {"assignee": "budi"},
            {"status": "in_progress", "note": "Teknisi menuju lokasi; listrik panel kanan dimatikan dulu."},
        ]
        for change in changes:
            answer = await scene.http.patch(f"/api/reports/{report_id}", json=change, headers=admin)
            answer.raise_for_status()
        await scene.wait_for(report_id, lambda view: view["status"] == "in_progress")
        scene.values["report_id"] = report_id
        scene.values["token"] = accepted["tracking_token"]
    await remember_reports(
        context,
        [{"id": scene.values["report_id"], "token": scene.values["token"], "title": "Lampu panel kanan"}],
    )


# The staff's side: a morning's queue as a technician finds it.
STAFF_QUEUE = [
    # (priority, category, location, description, hours ago, assignee)
    (
        "emergency",
        "safety",
        "Gedung C, lantai 1, lorong timur",
        "Air menggenang di lorong dekat panel listrik; lantai licin",
        6.0,
        None,
    ),
    (
        "medium",
        "plumbing",
        "Gedung B, lantai 2, toilet wanita",
        "Wastafel toilet wanita tersumbat, air meluap ke lantai",
        3.0,
        "budi",
    ),
    (
        "medium",
        "it-network",
        "Gedung D, ruang 305",
        "Proyektor ruang 305 tidak menyala sama sekali",
        20.0,
        None,
    ),
    ("normal", "furniture", "Gedung A, ruang 112", "Dua kursi kuliah di barisan belakang patah", 50.0, None),
    ("normal", "cleanliness", "Kantin pusat", "Tempat sampah dekat pintu kantin penuh dan berbau", 0.7, None),
]


async def staff_queue(scene: Scene, context: BrowserContext) -> None:
    """The reports a technician works through (made once), then a technician signed in."""
    await tracking(scene, context)  # the emergency in progress, with a photo
    if "queue_ready" not in scene.values:
        admin = await scene.staff("admin", "admin", "Admin Fasilitas")
        ages: dict[str, float] = {}
        for priority, category, location, description, hours, assignee in STAFF_QUEUE:
            accepted = await scene.submit_report(
                photo=False,
                reporter_name="Mahasiswa",
                reporter_contact="0812 3456 7890",
                priority=priority,
                category=category,
                location=location,
                description=description,
            )
            await scene.wait_for(accepted["id"], lambda view: view["status"] == "pending")
            if assignee:
                answer = await scene.http.patch(
                    f"/api/reports/{accepted['id']}", json={"assignee": assignee}, headers=admin
                )
                answer.raise_for_status()
            ages[accepted["id"]] = hours
        # Reports arrive over a morning, not within a second: date them back, as if they had.
        engine = create_engine(scene.settings.resolved_database_url)
        now = datetime.now(UTC)
        async with engine.begin() as connection:
            for report_id, hours in ages.items():
                await connection.execute(
                    text("UPDATE reports SET created_at = :at WHERE id = :id"),
                    {"at": now - timedelta(hours=hours), "id": report_id},
                )
        await engine.dispose()
        scene.values["queue_ready"] = "yes"
    await sign_in_staff(context, "budi")


async def sign_in_staff(context: BrowserContext, username: str) -> None:
    """Sign in through the staff form (the context keeps the session cookie)."""
    page = await context.request.get("/staff")
    token = re.search(r'name="csrf_token" value="(\w+)"', await page.text())
    assert token, "no CSRF token on the sign-in page"
    answer = await context.request.post(
        "/staff/login",
        form={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        max_redirects=0,
    )
    assert answer.status == 303, await answer.text()


GEDUNG_A = {"building": "GDA", "building_name": "Gedung A"}
ROOMS = [
    {**GEDUNG_A, "code": "GDA-201", "floor": "2", "name": "Ruang Kuliah 201", "name_en": "Lecture Room 201"},
    {**GEDUNG_A, "code": "GDA-202", "floor": "2", "name": "Ruang Kuliah 202"},
    {**GEDUNG_A, "code": "GDA-LAB1", "floor": "1", "name": "Laboratorium Komputer 1"},
    {**GEDUNG_A, "code": "GDA-TOILET2", "floor": "2", "name": "Toilet Lantai 2"},
]
ROOM_REPORTS = [
    ("electrical", "Proyektor tidak mau menyala, lampu indikatornya berkedip merah.", "medium"),
    ("ac-ventilation", "AC bocor dan menetes ke meja dosen di depan kelas.", "emergency"),
    ("furniture", "Dua kursi di baris belakang patah sandarannya.", "normal"),
]


async def places(scene: Scene, context: BrowserContext) -> None:
    """Gedung A's rooms (through the admin API, which waits for the worker) and reports of GDA-201."""
    if "places_ready" in scene.values:
        return
    admin = await scene.staff("admin", "admin", "Admin Fasilitas")
    for room in ROOMS:
        answer = await scene.http.post("/api/admin/places", json=room, headers=admin)
        answer.raise_for_status()
    for category, description, priority in ROOM_REPORTS:
        accepted = await scene.submit_report(
            photo=False,
            reporter_name="Mahasiswa",
            category=category,
            location="Gedung A lantai 2",
            description=description,
            priority=priority,
            room="GDA-201",
        )
        await scene.wait_for(accepted["id"], lambda view: view["status"] == "pending")
    scene.values["places_ready"] = "yes"


async def already_reported(scene: Scene, context: BrowserContext) -> None:
    """GDA-201's reports, and three people who said "me too" on its AC report."""
    await places(scene, context)
    if "me_too_ready" in scene.values:
        return
    found = await scene.http.get("/api/places/GDA-201/reports", params={"category": "ac-ventilation"})
    found.raise_for_status()
    report_id = found.json()["items"][0]["id"]
    for _ in range(3):
        supporter = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        answer = await scene.http.post(f"/api/reports/{report_id}/me-too", json={"supporter": supporter})
        answer.raise_for_status()
    await scene.wait_for(report_id, lambda view: view["me_too"] == 3)
    scene.values["me_too_ready"] = "yes"


async def choose_ac(page: Page) -> None:
    """The student at GDA-201's door picks "AC": the form shows what is already reported there."""
    await page.get_by_label("Kategori").select_option("ac-ventilation")
    await page.get_by_role("region", name="Sudah dilaporkan?").wait_for()
    await page.locator("#already").scroll_into_view_if_needed()


async def choose_ac_and_say_me_too(page: Page) -> None:
    await choose_ac(page)
    await page.locator("#already").get_by_role("button", name="Saya juga").click()
    await page.locator("#already .me-too__status").get_by_text("tercatat", exact=False).wait_for()


async def say_me_too(page: Page) -> None:
    report = page.locator(".room-report").filter(has_text="AC bocor")
    await report.get_by_role("button", name="Saya juga").click()
    await report.locator(".me-too__status").get_by_text("tercatat", exact=False).wait_for()


async def duplicate_in_room(scene: Scene, context: BrowserContext) -> None:
    """A second report of GDA-201's leaking AC: its staff page offers the first as the report to
    merge into; a technician signed in."""
    await already_reported(scene, context)
    if "duplicate_id" not in scene.values:
        accepted = await scene.submit_report(
            photo=False,
            reporter_name="Sari",
            category="ac-ventilation",
            location="Gedung A lantai 2",
            description="AC ruang 201 meneteskan air ke meja dosen, lantainya licin",
            priority="medium",
            room="GDA-201",
        )
        await scene.wait_for(accepted["id"], lambda view: view["status"] == "pending")
        scene.values["duplicate_id"] = accepted["id"]
        scene.values["duplicate_token"] = accepted["tracking_token"]
    await scene.staff("budi", "technician", "Budi Santoso")
    await sign_in_staff(context, "budi")


async def merged_duplicate(scene: Scene, context: BrowserContext) -> None:
    """That second report merged into the first: its reporter's tracking page follows the kept one."""
    await duplicate_in_room(scene, context)
    if "merged" not in scene.values:
        technician = await scene.staff("budi", "technician", "Budi Santoso")
        found = await scene.http.get("/api/places/GDA-201/reports", params={"category": "ac-ventilation"})
        found.raise_for_status()
        kept = next(
            item["id"] for item in found.json()["items"] if item["id"] != scene.values["duplicate_id"]
        )
        answer = await scene.http.patch(
            f"/api/reports/{scene.values['duplicate_id']}",
            json={"merge_into": kept, "note": "Laporan yang sama: AC ruang 201"},
            headers=technician,
        )
        answer.raise_for_status()
        await scene.wait_for(scene.values["duplicate_id"], lambda view: view["status"] == "duplicate")
        scene.values["merged"] = "yes"


async def label_sheet(scene: Scene, context: BrowserContext) -> None:
    """The A4 label sheet of Gedung A, rendered to PNG as it prints."""
    import pypdfium2

    await places(scene, context)
    admin = await scene.staff("admin", "admin", "Admin Fasilitas")
    pdf = await scene.http.get("/api/admin/places/labels.pdf", params={"building": "GDA"}, headers=admin)
    pdf.raise_for_status()
    image = pypdfium2.PdfDocument(io.BytesIO(pdf.content))[0].render(scale=1.5).to_pil()
    image.save(OUTPUT / "labels-sheet.png", optimize=True)


async def staff_login(page: Page) -> None:
    await page.locator("#username").fill("budi")


async def office_admin(scene: Scene, context: BrowserContext) -> None:
    """The admin's own pages: the staff (one invited, not joined yet), a retired category, the log."""
    if "office_ready" not in scene.values:
        admin = await scene.staff("admin", "admin", "Admin Fasilitas")
        await scene.staff("budi", "technician", "Budi Santoso")
        invited = {"username": "rina", "display_name": "Rina Dekan", "role": "viewer"}
        (await scene.http.post("/api/admin/users", json=invited, headers=admin)).raise_for_status()
        retire = {"active": False}
        (await scene.http.patch("/api/admin/categories/other", json=retire, headers=admin)).raise_for_status()
        scene.values["office_ready"] = "yes"
    await sign_in_staff(context, "admin")


async def join_link(scene: Scene, context: BrowserContext) -> None:
    """A fresh one-time link, opened by its new member."""
    admin = await scene.staff("admin", "admin", "Admin Fasilitas")
    invited = {"username": "sari", "display_name": "Sari Teknisi", "role": "technician"}
    answer = await scene.http.post("/api/admin/users", json=invited, headers=admin)
    answer.raise_for_status()
    link = answer.json()["link"]
    scene.values["join_query"] = link.split("?", 1)[1]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # until the worker has stored the invitation
        listed = (await scene.http.get("/api/admin/users", headers=admin)).json()["items"]
        if any(u["username"] == "sari" for u in listed):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the invitation was not stored")


FORM_AT_GDA_201 = "/?room=GDA-201&location=GDA-201%20%C2%B7%20Ruang%20Kuliah%20201%2C%20Gedung%20A"
SHOTS: list[Shot] = [
    Shot("student-form-phone", "/?location=Gedung%20A%2C%20lantai%202%2C%20ruang%20201", PHONE, student_form),
    Shot(
        "student-form-desktop",
        "/?location=Gedung%20A%2C%20lantai%202%2C%20ruang%20201",
        DESKTOP,
        student_form,
    ),
    Shot("student-form-errors-phone", "/", PHONE, after_load=submit_empty),
    Shot("student-form-waiting-phone", "/", PHONE, student_form, after_load=submit_without_signal),
    Shot("tracking-phone", "/r/{report_id}", PHONE, tracking),
    Shot("tracking-desktop", "/r/{report_id}", DESKTOP, tracking),
    Shot("staff-login", "/staff", PHONE, after_load=staff_login),
    Shot("staff-dashboard-desktop", "/staff", DESKTOP, staff_queue),
    Shot("staff-dashboard-phone", "/staff", PHONE, staff_queue),
    Shot("staff-report-desktop", "/staff/reports/{report_id}", DESKTOP, staff_queue),
    Shot("staff-report-phone", "/staff/reports/{report_id}", PHONE, staff_queue),
    Shot("room-page-phone", "/q/GDA-201", PHONE, places),
    Shot(
        "student-form-room-phone",
        "/?room=GDA-201&location=GDA-201%20%C2%B7%20Ruang%20Kuliah%20201%2C%20Gedung%20A",
        PHONE,
        places,
    ),
    Shot(
        "student-form-already-reported-phone", FORM_AT_GDA_201, PHONE, already_reported, after_load=choose_ac
    ),
    Shot(
        "student-form-already-reported-desktop",
        FORM_AT_GDA_201,
        DESKTOP,
        already_reported,
        after_load=choose_ac,
    ),
    Shot(
        "student-form-me-too-phone",
        FORM_AT_GDA_201,
        PHONE,
        already_reported,
        after_load=choose_ac_and_say_me_too,
    ),
    Shot("room-page-me-too-phone", "/q/GDA-201", PHONE, already_reported, after_load=say_me_too),
    Shot("staff-report-merge-desktop", "/staff/reports/{duplicate_id}", DESKTOP, duplicate_in_room),
    Shot("tracking-merged-phone", "/r/{duplicate_id}#token={duplicate_token}", PHONE, merged_duplicate),
    Shot("labels-sheet", "", DESKTOP, label_sheet, in_browser=False),
    Shot("staff-users-desktop", "/staff/users", DESKTOP, office_admin),
    Shot("staff-categories-desktop", "/staff/categories", DESKTOP, office_admin),
    Shot("staff-audit-desktop", "/staff/audit", DESKTOP, office_admin),
    Shot("staff-join-phone", "/staff/join?{join_query}", PHONE, join_link),
]


async def take(base_url: str, settings: Settings, shots: list[Shot]) -> list[Path]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    written = []
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
        async_playwright() as playwright,
    ):
        scene = Scene(base_url, settings, http)
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            for shot in shots:
                context = await browser.new_context(
                    base_url=scene.base_url,
                    viewport=shot.viewport,
                    locale="id-ID",
                    timezone_id="Asia/Jakarta",
                    device_scale_factor=1,
                )
                if shot.setup is not None:
                    await shot.setup(scene, context)
                if not shot.in_browser:
                    await context.close()
                    written.append(OUTPUT / f"{shot.name}.png")
                    print(f"wrote {written[-1].relative_to(ROOT)}")
                    continue
                page = await context.new_page()
                problems: list[str] = []
                page.on("pageerror", lambda error, problems=problems: problems.append(str(error)))
                page.on(
                    "console",
                    lambda message, problems=problems: (
                        # The waiting shot cuts the network on purpose: that failure is the scene.
                        problems.append(message.text)
                        if message.type == "error" and "ERR_INTERNET_DISCONNECTED" not in message.text
                        else None
                    ),
                )
                await page.goto(shot.url.format(**scene.values))
                await page.wait_for_load_state("load")
                if shot.after_load is not None:
                    await shot.after_load(page)
                await page.wait_for_timeout(800)  # the live stream connects, times are localised
                path = OUTPUT / f"{shot.name}.png"
                await page.screenshot(path=str(path), full_page=shot.full_page)
                await context.close()
                if problems:
                    raise RuntimeError(f"{shot.name}: errors in the page: {problems}")
                written.append(path)
                print(f"wrote {path.relative_to(ROOT)}")
        finally:
            await browser.close()
    return written


def main(argv: list[str]) -> int:
    wanted = [shot for shot in SHOTS if not argv or any(word in shot.name for word in argv)]
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    with tempfile.TemporaryDirectory(prefix="lapor-shots-") as scratch:
        settings = Settings(
            env="test",
            redis_url=REDIS_URL,
            data_dir=Path(scratch),
            database_url=f"sqlite+aiosqlite:///{Path(scratch) / 'lapor.db'}",
        )
        upgrade(settings.resolved_database_url)
        env = {key: value for key, value in os.environ.items() if not key.startswith("LAPOR_")}
        env.update(
            LAPOR_ENV="test",
            LAPOR_DATABASE_URL=settings.resolved_database_url,
            LAPOR_REDIS_URL=REDIS_URL,
            LAPOR_DATA_DIR=scratch,
            LAPOR_WORKER_BLOCK_MS="100",
        )
        worker = spawn("worker", env=env)
        try:
            with live_api(env) as base_url:
                asyncio.run(take(base_url, settings, wanted))
        finally:
            stop(worker)
            redis.flushdb()
            redis.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
