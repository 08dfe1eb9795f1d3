"""Messages of places: rooms in reports, the room page, the places page, QR labels."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "name.room": {"id": "Ruangan", "en": "Room"},
    "name.rooms": {"id": "Ruangan", "en": "Rooms"},
    "name.building": {"id": "Gedung", "en": "Building"},
    "name.place": {"id": "Tempat", "en": "Place"},
    "error.unknown_room": {
        "id": "Ruangan tidak dikenal atau tidak dipakai lagi; ketik kodenya (mis. GDA-201) atau kosongkan",
        "en": "Unknown or retired room; type a room code (e.g. GDA-201) or leave it empty",
    },
    "error.room_not_found": {
        "id": "Ruangan tidak ditemukan; periksa kode pada label",
        "en": "Room not found; check the code on the label",
    },
    "error.building_not_found": {
        "id": "Gedung {code} tidak ada; periksa kodenya",
        "en": "Building {code} does not exist; check its code",
    },
    "error.bad_code": {
        "id": "Kode tidak valid: huruf besar, angka, titik atau tanda hubung, maksimal 20 ({pattern})",
        "en": "Not a valid code: capitals, digits, dots or hyphens, at most 20 ({pattern})",
    },
    "error.labels_which": {
        "id": "Sebutkan salah satu: ?building=KODE atau ?rooms=KODE,KODE",
        "en": "Give one of ?building=CODE or ?rooms=CODE,CODE",
    },
    "error.labels_rooms": {
        "id": "Sebutkan 1 sampai {max} kode ruangan, dipisah koma",
        "en": "Give 1 to {max} room codes, separated by commas",
    },
    "error.unknown_rooms": {
        "id": "Ruangan tidak dikenal: {codes}",
        "en": "Unknown rooms: {codes}",
    },
    "error.bad_place": {"id": "Ruangan tidak valid: {reason}", "en": "Not a valid room: {reason}"},
    # The report form
    "form.room": {"id": "Ruangan (kode atau nama, jika ada)", "en": "Room (code or name, if it has one)"},
    "form.room_hint": {
        "id": "Kode ada di label QR pintu, mis. GDA-201. Kosongkan untuk lorong atau lapangan.",
        "en": "The code is on the door's QR label, e.g. GDA-201. Leave empty for a corridor or a field.",
    },
    # The room page
    "room.title": {"id": "Ruangan {code}", "en": "Room {code}"},
    "room.floor": {"id": "Lantai {floor}", "en": "Floor {floor}"},
    "room.open_reports": {"id": "Laporan yang sedang ditangani", "en": "Open reports"},
    "room.none_open": {
        "id": "Belum ada laporan terbuka untuk ruangan ini.",
        "en": "Nothing is reported for this room right now.",
    },
    "room.report_here": {"id": "Laporkan hal lain di sini", "en": "Report something else here"},
    "room.live": {"id": "Halaman ini diperbarui otomatis.", "en": "This page updates by itself."},
    "room.not_found_title": {"id": "Ruangan tidak ditemukan", "en": "Room not found"},
    "room.not_found_text": {
        "id": "Kode ruangan ini tidak dikenal atau tidak dipakai lagi. Anda tetap bisa melapor.",
        "en": "This room code is unknown or no longer in use. You can still report.",
    },
    "room.to_form": {"id": "Buka formulir laporan", "en": "Open the report form"},
    "room.ago_minutes": {"id": "{n} menit lalu", "en": "{n} min ago"},
    "room.ago_hours": {"id": "{n} jam lalu", "en": "{n} h ago"},
    "room.ago_days": {"id": "{n} hari lalu", "en": "{n} days ago"},
    "room.just_now": {"id": "baru saja", "en": "just now"},
    # Staff pages
    "staff.places": {"id": "Tempat", "en": "Places"},
    "staff.places_title": {"id": "Gedung dan ruangan", "en": "Buildings and rooms"},
    "staff.places_add": {"id": "Tambah atau ubah ruangan", "en": "Add or change a room"},
    "staff.places_save": {"id": "Simpan", "en": "Save"},
    "staff.places_retire": {"id": "Pensiunkan", "en": "Retire"},
    "staff.places_restore": {"id": "Pakai lagi", "en": "Restore"},
    "staff.places_download": {"id": "Unduh CSV", "en": "Download CSV"},
    "staff.places_labels": {"id": "Label QR (PDF)", "en": "QR labels (PDF)"},
    "staff.places_saved": {"id": "Tersimpan.", "en": "Saved."},
    "staff.places_later": {
        "id": "Diterima; akan diterapkan saat worker berjalan.",
        "en": "Accepted; it is applied once a worker runs.",
    },
    "staff.places_retired": {"id": "dipensiunkan", "en": "retired"},
    "staff.places_empty": {
        "id": "Belum ada ruangan. Impor dengan: lapor places import FILE.csv",
        "en": "No rooms yet. Import them with: lapor places import FILE.csv",
    },
    "staff.room_other_reports": {"id": "Laporan lain di ruangan ini", "en": "Other reports of this room"},
    "staff.col.floor": {"id": "Lantai", "en": "Floor"},
    "staff.col.name": {"id": "Nama", "en": "Name"},
    "staff.col.name_en": {"id": "Nama (Inggris)", "en": "Name (English)"},
    "staff.col.building_name": {"id": "Nama gedung (gedung baru)", "en": "Building name (a new building)"},
    "staff.filter_building": {"id": "Gedung", "en": "Building"},
    "staff.filter_room": {"id": "Ruangan", "en": "Room"},
}
