"""Who sees what: the public, reporter and staff views of the same report, side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.factories import StaffUser, as_reporter, jpeg_with_exif, png_bytes, submit

PUBLIC = {
    "id", "title", "category", "location", "room", "status", "priority", "created_at", "updated_at", "links",
    "photo_status", "me_too", "duplicate_of",
}  # fmt: skip
REPORTER = PUBLIC | {"description", "photo_url", "thumbnail_url", "timeline"}
STAFF_ONLY = {"assignee", "reporter_name", "reporter_contact", "language", "hidden"}
SECRET = "kuncinya di pos satpam"  # in the description only
WRONG_TOKEN = {"X-Tracking-Token": "LSW_not-the-token-of-this-report"}


async def worked_on(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> dict[str, Any]:
    """A stored report with a photo, assigned, in progress with a note, and commented on."""
    description = f"AC di ruang 204 bocor dan menetes ke meja dosen; {SECRET}."
    accepted: dict[str, Any] = (
        await submit(client, photo=jpeg_with_exif(), title="AC bocor", description=description)
    ).json()
    await drain()
    url = accepted["links"]["self"]
    change = {"assignee": "tek", "status": "in_progress", "note": "Teknisi menuju lokasi"}
    assert (await client.patch(url, json=change, headers=technician.headers)).status_code == 202
    comment = {"body": "Perlu suku cadang"}
    assert (await client.post(f"{url}/comments", json=comment, headers=technician.headers)).status_code == 202
    await drain()
    return accepted


async def test_anonymous_wrong_token_reporter_and_staff_views_of_one_report(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    accepted = await worked_on(client, drain, technician)
    url = accepted["links"]["self"]
    anonymous = await client.get(url)
    wrong = await client.get(url, headers=WRONG_TOKEN)
    reporter = (await client.get(url, headers=as_reporter(accepted))).json()
    staff = (await client.get(url, headers=technician.headers)).json()

    assert set(anonymous.json()) == PUBLIC
    assert wrong.json() == anonymous.json()  # a wrong token is no token
    for private in (SECRET, "Budi", "budi@kampus", "/media/photos", "Teknisi menuju", "suku cadang", "Tek"):
        assert private not in anonymous.text, private
    assert anonymous.json()["title"] == "AC bocor" and anonymous.json()["status"] == "in_progress"

    assert set(reporter) == REPORTER
    assert SECRET in reporter["description"] and reporter["photo_url"].startswith("/media/photos/")
    assert [(e["kind"], e["note"]) for e in reporter["timeline"]] == [
        ("created", None),
        ("status", "Teknisi menuju lokasi"),
        ("comment", "Perlu suku cadang"),
    ]  # the assignment is staff's business

    assert set(staff) == REPORTER | STAFF_ONLY
    assert (staff["reporter_name"], staff["reporter_contact"], staff["assignee"]) == (
        "Budi Santoso",
        "budi@kampus.ac.id",
        "Tek",
    )
    assert [e["kind"] for e in staff["timeline"]] == ["created", "assignment", "status", "comment"]
    assert all("visibility" not in e for e in staff["timeline"])


async def test_a_queued_report_has_the_same_three_views(
    client: httpx.AsyncClient, technician: StaffUser
) -> None:
    accepted = (await submit(client, photo=png_bytes())).json()
    url = accepted["links"]["self"]
    anonymous = (await client.get(url)).json()
    reporter = (await client.get(url, headers=as_reporter(accepted))).json()
    staff = (await client.get(url, headers=technician.headers)).json()
    assert anonymous["status"] == reporter["status"] == staff["status"] == "queued"
    assert set(anonymous) == PUBLIC | {"photo_pending"}
    assert set(reporter) == REPORTER | {"photo_pending"}
    assert "tracking_token_hash" not in staff and "description" in staff
    assert (await client.get(url, headers=WRONG_TOKEN)).json() == anonymous


async def test_the_list_is_public_to_anonymous_and_whole_to_staff(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    await worked_on(client, drain, technician)
    anonymous = await client.get("/api/reports")
    staff = (await client.get("/api/reports", headers=technician.headers)).json()
    (item,) = anonymous.json()["items"]
    assert set(item) == PUBLIC
    assert SECRET not in anonymous.text and "Budi" not in anonymous.text
    (staff_item,) = staff["items"]
    assert set(staff_item) == (REPORTER - {"timeline"}) | STAFF_ONLY
    # Searching reads descriptions: staff only, or the public could probe them word by word.
    probe = await client.get("/api/reports", params={"q": "satpam"})
    assert probe.status_code == 401 and probe.json()["error"]["message"]
    found = await client.get("/api/reports", params={"q": "satpam"}, headers=technician.headers)
    assert [i["id"] for i in found.json()["items"]] == [staff_item["id"]]


async def test_the_seed_read_gives_the_public_view_without_a_token(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    # No title in the seed's form: the public title is the description's start (near 80 characters).
    start = "Lampu ruang baca padam sejak pagi, ruangan gelap sekali dan tidak bisa dipakai belajar"
    fields = {"nama": "Siti", "lokasi": "Perpustakaan", "deskripsi": f"{start}; {SECRET}."}
    files = {"foto": ("foto.png", png_bytes(), "image/png")}
    accepted = (await client.post("/api/lapor", data=fields, files=files)).json()
    await drain()
    url = f"/api/lapor/{accepted['id_laporan']}"
    anonymous = await client.get(url)
    reporter = (await client.get(url, headers=as_reporter(accepted))).json()
    staff = (await client.get(url, headers=technician.headers)).json()
    shape = {"id_laporan", "lokasi", "deskripsi", "prioritas", "status", "foto", "waktu"}
    assert set(anonymous.json()) == set(reporter) == set(staff) == shape  # the seed's shape kept
    assert SECRET not in anonymous.text and "Siti" not in anonymous.text
    assert (
        anonymous.json()["deskripsi"]
        == "Lampu ruang baca padam sejak pagi, ruangan gelap sekali dan tidak bisa dipakai…"
    )
    assert anonymous.json()["foto"] is None
    assert SECRET in reporter["deskripsi"] and reporter["foto"]
    assert SECRET in staff["deskripsi"] and staff["foto"]


async def test_the_tracking_page_renders_only_the_public_view(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    accepted = await worked_on(client, drain, technician)
    page = await client.get(f"/r/{accepted['id']}")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    for private in (SECRET, "Budi", "budi@kampus", "/media/photos", "Teknisi menuju", "suku cadang"):
        assert private not in page.text, private
    assert "AC bocor" in page.text
    assert 'id="public-only"' in page.text  # says what this view leaves out
    form = await client.get("/")
    assert form.headers["referrer-policy"] == "no-referrer"
    assert "Publik (siapa pun, juga tanpa tautan)" in form.text


async def test_a_refusal_is_seen_by_the_audience_of_whoever_asked(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    accepted = await worked_on(client, drain, technician)
    url = accepted["links"]["self"]
    # The reporter asks to reopen a report that is not resolved; staff assign an unknown user.
    reopen = {"tracking_token": accepted["tracking_token"], "note": "Masih bocor"}
    assert (await client.post(f"{url}/reopen", json=reopen)).status_code == 202
    assert (
        await client.patch(url, json={"assignee": "nobody"}, headers=technician.headers)
    ).status_code == 202
    await drain()
    reporter = (await client.get(url, headers=as_reporter(accepted))).json()
    staff = (await client.get(url, headers=technician.headers)).json()
    refused_by_reporter = [e for e in reporter["timeline"] if e["kind"] == "refused"]
    assert [e["by"] for e in refused_by_reporter] == [None]  # the reporter's own, and only that one
    assert [e["by"] for e in staff["timeline"] if e["kind"] == "refused"] == [None, "Tek"]
