"""Texts of Web Push notifications and of the push API's errors."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # To the reporter, on each status change of their report
    "push.reporter.title.pending": {"id": "Laporan Anda menunggu teknisi", "en": "Your report is waiting"},
    "push.reporter.title.in_progress": {
        "id": "Laporan Anda sedang diproses",
        "en": "Your report is being worked on",
    },
    "push.reporter.title.resolved": {"id": "Laporan Anda selesai ✅", "en": "Your report is resolved ✅"},
    "push.reporter.title.rejected": {"id": "Laporan Anda ditolak", "en": "Your report was rejected"},
    "push.reporter.title.comment": {"id": "Pesan baru dari petugas", "en": "A new message from staff"},
    "push.reporter.body": {"id": "{title} — {location}", "en": "{title} — {location}"},
    "push.reporter.body_note": {
        "id": "{title} — {location}\nCatatan: {note}",
        "en": "{title} — {location}\nNote: {note}",
    },
    # To staff
    "push.staff.emergency": {"id": "🔴 Laporan darurat", "en": "🔴 Emergency report"},
    "push.staff.assigned": {"id": "Laporan ditugaskan kepada Anda", "en": "A report was assigned to you"},
    "push.staff.changed": {
        "id": "Laporan Anda: {status}",
        "en": "Your assigned report: {status}",
    },
    "push.staff.comment": {"id": "Komentar baru dari {by}", "en": "New comment from {by}"},
    "push.staff.body": {"id": "{title} — {location}", "en": "{title} — {location}"},
    # Errors of the subscription endpoints
    "push.endpoint_invalid": {
        "id": "Alamat langganan notifikasi tidak sah.",
        "en": "The notification subscription's address is not valid.",
    },
    "push.endpoint_not_https": {
        "id": "Alamat langganan notifikasi harus memakai https://.",
        "en": "The notification subscription's address must use https://.",
    },
    "push.endpoint_not_public": {
        "id": "Alamat langganan notifikasi harus layanan push publik, bukan alamat jaringan internal.",
        "en": "The notification subscription must point to a public push service, not an internal address.",
    },
    "push.endpoint_unsendable": {
        "id": "Alamat langganan notifikasi tidak dapat dipakai (alamat IPv6 langsung atau port kosong).",
        "en": "The notification subscription's address cannot be used (an IPv6 literal or an empty port).",
    },
    "push.keys_invalid": {
        "id": "Kunci langganan notifikasi tidak sah (p256dh dan auth dari peramban).",
        "en": "The subscription's keys are not valid (the browser's p256dh and auth).",
    },
    "push.nothing_chosen": {
        "id": "Pilih setidaknya satu jenis notifikasi.",
        "en": "Choose at least one kind of notification.",
    },
}
