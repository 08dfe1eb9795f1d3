"""The operator's copy of the original project's pages, served same-origin under ``/lama/``.

Only when ``LAPOR_LEGACY_PAGES_DIR`` names a directory; the files are the operator's, never
shipped with Lapor. Those pages run inline ``<script>`` blocks and ``onclick`` handlers, so they
get ``'unsafe-inline'`` (here only: every other page keeps ``script-src 'self'``). On them, the
HTML escaping of ``GET /api/semua_laporan`` is the only defence against a student's script.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response

from lapor.errors import NotFound
from lapor.http.deps import SettingsDep

router = APIRouter(include_in_schema=False)

LEGACY_PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
# A file directly in the directory: no path, no dot file, nothing to traverse with.
_FILE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")
_TYPES = {".html", ".htm", ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp"}


@router.get("/lama")
async def legacy_home() -> Response:
    return RedirectResponse("/lama/", status_code=307)


@router.get("/lama/")
async def legacy_index(settings: SettingsDep) -> Response:
    return _serve(settings.legacy_pages_dir, "index.html")


@router.get("/lama/{file_name}")
async def legacy_file(file_name: str, settings: SettingsDep) -> Response:
    return _serve(settings.legacy_pages_dir, file_name)


def _serve(directory: Path | None, file_name: str) -> Response:
    if directory is None or not _FILE_NAME.fullmatch(file_name) or ".." in file_name:
        raise NotFound("error.not_found")
    suffix = Path(file_name).suffix.lower()
    if suffix not in _TYPES:
        raise NotFound("error.not_found")
    root = directory.resolve()
    path = (root / file_name).resolve()
    if path.parent != root or not path.is_file():
        raise NotFound("error.not_found")
    media_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type.endswith("javascript"):
        media_type += "; charset=utf-8"
    return FileResponse(
        path,
        media_type=media_type,
        headers={
            "Content-Security-Policy": LEGACY_PAGE_CSP,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )
