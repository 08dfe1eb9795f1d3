"""Messages of "me too": the button, the "already reported?" step, its errors."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # Errors of POST /api/reports/{id}/me-too and of a supporter's push subscription
    "name.supporter": {"id": "ID pendukung", "en": "Supporter id"},
    "support.bad_supporter": {
        "id": "{field} harus berupa base64url dari 16 sampai 64 byte acak (dibuat sekali oleh peramban)",
        "en": "{field} must be base64url of 16 to 64 random bytes (made once by the browser)",
    },
    "support.one_credential": {
        "id": "Kirim tracking_token (pelapor) atau supporter (yang bilang “saya juga”), salah satu saja",
        "en": "Send either tracking_token (the reporter) or supporter (someone who said “me too”), not both",
    },
    "support.closed.resolved": {
        "id": "Laporan ini sudah selesai; “saya juga” tidak dihitung lagi. Jika masalahnya muncul lagi, "
        "kirim laporan baru",
        "en": "This report is already resolved; “me too” is no longer counted. If the problem is back, "
        "send a new report",
    },
    "support.closed.rejected": {
        "id": "Laporan ini ditolak; “saya juga” tidak dihitung. Jika masalahnya nyata, kirim laporan baru",
        "en": "This report was rejected; “me too” is not counted. If the problem is real, send a new report",
    },
    "support.closed.duplicate": {
        "id": "Laporan ini digabung ke laporan {duplicate_of}; katakan “saya juga” di sana",
        "en": "This report was merged into report {duplicate_of}; say “me too” there",
    },
    "support.rate_limited": {
        "id": "Terlalu banyak “saya juga” dari jaringan Anda dalam waktu singkat; "
        "coba lagi dalam {seconds} detik",
        "en": "Too many “me too” from your network in a short time; try again in {seconds} seconds",
    },
    "support.not_supporter": {
        "id": "Notifikasi laporan ini hanya untuk pelapornya dan yang sudah bilang “saya juga”; tekan "
        "“Saya juga” dulu",
        "en": "Notifications for this report are for its reporter and those who said “me too”; press "
        "“Me too” first",
    },
    # Web Push to a follower (someone who said "me too"): not "your report"
    "push.follower.title.pending": {
        "id": "Laporan yang Anda ikuti menunggu teknisi",
        "en": "A report you follow is waiting",
    },
    "push.follower.title.in_progress": {
        "id": "Laporan yang Anda ikuti sedang diproses",
        "en": "A report you follow is being worked on",
    },
    "push.follower.title.resolved": {
        "id": "Laporan yang Anda ikuti selesai ✅",
        "en": "A report you follow is resolved ✅",
    },
    "push.follower.title.rejected": {
        "id": "Laporan yang Anda ikuti ditolak",
        "en": "A report you follow was rejected",
    },
    "push.follower.title.duplicate": {
        "id": "Laporan yang Anda ikuti digabung ke laporan lain",
        "en": "A report you follow was merged into another",
    },
    "push.follower.title.merged": {
        "id": "Laporan yang Anda ikuti digabung",
        "en": "A report you follow was merged",
    },
    "push.follower.body": {"id": "{title} — {location}", "en": "{title} — {location}"},
    # Staff: the count on the dashboard and the report page, and the dashboard's sort
    "support.staff.count": {"id": "+{n} orang juga", "en": "+{n} me too"},
    "support.staff.label": {"id": "Orang lain yang juga mengalami", "en": "Others with the same problem"},
    "support.staff.people": {"id": "{n} orang", "en": "{n} people"},
    "support.staff.sort": {"id": "Urutan", "en": "Order"},
    "support.staff.sort_priority": {"id": "Darurat dulu", "en": "Emergencies first"},
    "support.staff.sort_me_too": {"id": "Paling banyak “saya juga”", "en": "Most “me too” first"},
    "support.staff.order_me_too": {
        "id": "Urutan: yang paling banyak “saya juga” dulu, lalu yang terbaru. Tabel diperbarui otomatis.",
        "en": "Order: the most “me too” first, then the newest. The table updates by itself.",
    },
}
