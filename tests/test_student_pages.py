"""The student's pages without a browser: every text in the catalogue, the form's plain POST."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from lapor.domain.enums import Priority, Status
from lapor.i18n import MESSAGES
from lapor.web.render import TEMPLATES

STUDENT_TEMPLATES = (
    "base.html",
    "report_form.html",
    "track.html",
    "_track_merged.html",
    "not_found.html",
    "forbidden.html",
)


def test_every_text_of_the_student_pages_is_in_the_catalogue_in_both_languages() -> None:
    keys: set[str] = set()
    for name in STUDENT_TEMPLATES:
        keys |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", (TEMPLATES / name).read_text()))
    # Keys the templates build from a value ("student.status." ~ status).
    keys |= {f"student.status.{s.value}" for s in Status}
    keys |= {f"student.status_hint.{s.value}" for s in Status if s != Status.REJECTED}
    keys |= {f"student.priority.{p.value}" for p in Priority}
    keys |= {f"student.priority_hint.{p.value}" for p in Priority}
    keys = {key for key in keys if not key.endswith(".")}  # prefixes, covered above
    missing = sorted(key for key in keys if key not in MESSAGES)
    assert missing == []
    untranslated = sorted(key for key in keys if set(MESSAGES[key]) != {"id", "en"})
    assert untranslated == []


def test_pages_load_only_their_own_files() -> None:
    """The strict CSP allows no inline script or style: nothing inline may creep into a template."""
    for name in STUDENT_TEMPLATES:
        text = (TEMPLATES / name).read_text()
        assert " style=" not in text and "<style" not in text, name
        for script in re.findall(r"<script\b[^>]*>", text):
            assert 'type="application/json"' in script or "src=" in script, (name, script)
    static = Path(TEMPLATES.parent / "static")
    for path in ("css/app.css", "js/report-form.js", "js/track.js", "js/my-reports.js", "img/icon.svg"):
        assert (static / path).is_file(), path


async def _form(client: httpx.AsyncClient, query: str = "") -> tuple[str, dict[str, str]]:
    page = await client.get(f"/{query}")
    assert page.status_code == 200
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return page.text, hidden


async def test_form_has_a_fresh_idempotency_key_and_the_qr_location(client: httpx.AsyncClient) -> None:
    text, hidden = await _form(client, "?location=Gedung%20A%20%3Cb%3ER101%3C%2Fb%3E")
    _, again = await _form(client)
    assert len(hidden["idempotency_key"]) >= 20
    assert hidden["idempotency_key"] != again["idempotency_key"]
    assert hidden["csrf_token"]
    assert 'value="Gedung A &lt;b&gt;R101&lt;/b&gt;"' in text
    for name in (
        "reporter_name",
        "reporter_contact",
        "category",
        "location",
        "description",
        "priority",
        "photo",
    ):
        assert f'name="{name}"' in text, name
    assert 'accept="image/*"' in text
    assert 'enctype="multipart/form-data"' in text


async def test_plain_post_without_csrf_is_refused_with_a_message(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/", data={"reporter_name": "Ani", "location": "A", "description": "Lampu mati sejak pagi"}
    )
    assert answer.status_code == 403
    assert "Formulir kedaluwarsa" in answer.text
    assert 'value="Ani"' in answer.text  # what was typed is kept


async def test_plain_post_with_the_same_key_makes_one_report(client: httpx.AsyncClient) -> None:
    _, hidden = await _form(client)
    fields = {
        **hidden,
        "reporter_name": "Ani",
        "category": "electrical",
        "location": "Gedung A",
        "description": "Lampu mati sejak pagi",
        "priority": "emergency",
    }
    first = await client.post("/", data=fields)
    second = await client.post("/", data=fields)  # a double click
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert re.fullmatch(r"/r/[0-9a-f-]{36}#token=[\w-]+", first.headers["location"])


@pytest.mark.parametrize(
    ("language", "summary"), [("id", "Ada yang perlu diperbaiki"), ("en", "There is a problem")]
)
async def test_plain_post_with_mistakes_shows_them_next_to_the_fields(
    client: httpx.AsyncClient, language: str, summary: str
) -> None:
    client.cookies.set("lang", language)
    _, hidden = await _form(client)
    answer = await client.post(
        "/",
        data={**hidden, "reporter_name": "", "location": "Gedung B", "description": "rusak"},
        files={"photo": ("foto.jpg", b"not an image at all", "image/jpeg")},
    )
    assert answer.status_code == 422
    text = answer.text
    assert summary in text
    assert '<a href="#reporter_name">' in text and '<a href="#description">' in text
    assert 'id="reporter_name" name="reporter_name"' in text
    assert re.search(r'id="reporter_name"[^>]*aria-invalid="true"', text, re.S)
    assert 'value="Gedung B"' in text
    # The browser cannot refill a file input: the page says to choose the photo again.
    photo_again = "pilih lagi" if language == "id" else "choose it again"
    assert photo_again in text


async def test_tracking_page_of_a_queued_report_and_unknown_ids(client: httpx.AsyncClient) -> None:
    _, hidden = await _form(client)
    created = await client.post(
        "/",
        data={
            **hidden,
            "reporter_name": "Ani",
            "category": "plumbing",
            "location": "Toilet lantai 1",
            "description": "Keran bocor <script>alert(1)</script>",
        },
    )
    report_path = created.headers["location"].split("#", 1)[0]
    page = await client.get(report_path)  # no worker here: still queued
    assert page.status_code == 200
    assert "Antre" in page.text and "Laporan diterima dan masuk antrean" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "Keran bocor &lt;script&gt;" in page.text
    assert 'aria-current="step"' in page.text
    missing = await client.get("/r/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert "Halaman tidak ditemukan" in missing.text
    garbage = await client.get("/r/not-a-uuid")
    assert garbage.status_code == 404
