"""Messages of the original project's API and pages (routes/legacy.py, ``lapor import-seed``)."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "legacy.unchanged": {
        "id": "Tidak ada yang berubah: laporan sudah berstatus ini",
        "en": "Nothing changed: the report already has this status",
    },
    "legacy.rejected": {
        "id": "Ditolak: laporan ini sudah ditolak dan ditutup; alasannya ada di halaman petugas",
        "en": "Refused: this report was rejected and is closed; open it on the staff pages to see why",
    },
    "legacy.duplicate": {
        "id": "Ditolak: laporan ini duplikat dan sudah digabung ke laporan lain; ubah status laporan itu",
        "en": "Refused: this report is a duplicate merged into another report; change that report's status",
    },
    "legacy.imported_note": {
        "id": "Diimpor dari aplikasi lama (database_laporan.json)",
        "en": "Imported from the original app (database_laporan.json)",
    },
}
