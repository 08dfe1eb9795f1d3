"""QR labels for room doors: an A4 PDF, four A6 labels a page, drawn as vectors.

segno makes the QR matrix (pure Python, no image library); reportlab draws it as filled squares,
so the code prints sharp at any printer resolution and the file stays small. Neither needs a
browser, Cairo or fonts beyond the PDF's own Helvetica (WeasyPrint would need Pango and a
headless layout engine for what is a grid of boxes).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

# A QR code scans from about ten times its width: 80 mm reads from a metre away and more, even
# with a phone's wide-angle camera. Error correction M survives a scratch or a sticker's crease.
QR_SIDE = 80 * mm
LABEL_WIDTH, LABEL_HEIGHT = A4[0] / 2, A4[1] / 2
_ROWS, _COLUMNS = 2, 2
SCAN_LINE_ID = "Pindai untuk melapor kerusakan di ruangan ini atau melihat laporannya."
SCAN_LINE_EN = "Scan to report a fault in this room or see what is already reported."


def room_url(public_url: str, code: str) -> str:
    """What a room's QR code opens: its room page."""
    return f"{public_url}/q/{code}"


def label_sheet(places: Sequence[dict[str, Any]], *, public_url: str) -> bytes:
    """A PDF with one label per room, in the order given."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle("Lapor Kampus — QR labels")
    per_page = _ROWS * _COLUMNS
    for index, place in enumerate(places):
        if index and index % per_page == 0:
            canvas.showPage()
        slot = index % per_page
        column, row = slot % _COLUMNS, slot // _COLUMNS
        x = column * LABEL_WIDTH
        y = A4[1] - (row + 1) * LABEL_HEIGHT
        _label(canvas, x, y, place, room_url(public_url, str(place["code"])))
    canvas.save()
    return out.getvalue()


def _label(canvas: Canvas, x: float, y: float, place: dict[str, Any], url: str) -> None:
    canvas.setStrokeGray(0.75)
    canvas.setDash(2, 3)
    canvas.rect(x + 2 * mm, y + 2 * mm, LABEL_WIDTH - 4 * mm, LABEL_HEIGHT - 4 * mm)  # a cutting line
    canvas.setDash()
    qr_x = x + (LABEL_WIDTH - QR_SIDE) / 2
    qr_y = y + LABEL_HEIGHT - QR_SIDE - 12 * mm
    _qr(canvas, qr_x, qr_y, url)
    centre = x + LABEL_WIDTH / 2
    canvas.setFillGray(0)
    canvas.setFont("Helvetica-Bold", 26)
    canvas.drawCentredString(centre, qr_y - 12 * mm, str(place["code"]))
    canvas.setFont("Helvetica", 12)
    canvas.drawCentredString(centre, qr_y - 19 * mm, _fit(str(place["name"]), 48))
    canvas.setFont("Helvetica", 8.5)
    canvas.drawCentredString(centre, qr_y - 26 * mm, SCAN_LINE_ID)
    canvas.drawCentredString(centre, qr_y - 30 * mm, SCAN_LINE_EN)


def _qr(canvas: Canvas, x: float, y: float, url: str) -> None:
    qr = segno.make_qr(url, error="m")
    matrix = list(qr.matrix)
    size = len(matrix)
    # The quiet zone (four modules) is part of the side, so the code needs nothing around it.
    module = QR_SIDE / (size + 8)
    canvas.setFillGray(0)
    for r, line in enumerate(matrix):
        c = 0
        while c < size:
            if not line[c]:
                c += 1
                continue
            start = c
            while c < size and line[c]:
                c += 1
            # One rectangle per run of dark modules: fewer shapes, no hairline gaps between them.
            canvas.rect(
                x + (start + 4) * module, y + (size - r - 1 + 4) * module, (c - start) * module, module, 0, 1
            )


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
