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
    "push.follower.title.merged_here": {
        "id": "Laporan yang sama digabung ke laporan yang Anda ikuti",
        "en": "A report of the same problem joined the one you follow",
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
    # The button (room page, the form's "already reported?")
    "support.button": {"id": "Saya juga", "en": "Me too"},
    "support.pressed": {"id": "✓ Saya juga (tercatat)", "en": "✓ Me too (counted)"},
    "support.sending": {"id": "Mengirim…", "en": "Sending…"},
    "support.counted": {
        "id": "Terima kasih, Anda sudah tercatat. Tidak perlu mengirim laporan baru untuk masalah ini.",
        "en": "Thank you, you are counted. No need to send a new report for this problem.",
    },
    "support.failed": {
        "id": "Belum terkirim; periksa koneksi lalu coba lagi.",
        "en": "Not sent yet; check your connection and try again.",
    },
    "support.see_kept": {"id": "Lihat laporan utamanya", "en": "See the report it was merged into"},
    "support.count_none": {"id": "Belum ada yang bilang “saya juga”", "en": "Nobody has said “me too” yet"},
    "support.count_one": {"id": "1 orang lain juga mengalami", "en": "1 other person has this too"},
    "support.count_many": {"id": "{n} orang lain juga mengalami", "en": "{n} other people have this too"},
    "support.notify": {"id": "Beri tahu saya perkembangannya", "en": "Notify me of its progress"},
    "support.push_on": {
        "id": "Notifikasi aktif: Anda akan diberi tahu saat status laporan ini berubah.",
        "en": "Notifications are on: you will be told when this report's status changes.",
    },
    "support.push_denied": {
        "id": "Notifikasi diblokir di peramban ini; lihat perkembangannya di “Laporan saya”.",
        "en": "Notifications are blocked in this browser; follow its progress in “My reports”.",
    },
    "support.push_failed": {
        "id": "Notifikasi belum bisa dinyalakan; coba lagi nanti.",
        "en": "Notifications could not be turned on; try again later.",
    },
    "support.noscript": {
        "id": "Tombol “Saya juga” memerlukan JavaScript.",
        "en": "The “Me too” button needs JavaScript.",
    },
    # The report form: "already reported?"
    "support.already.title": {"id": "Sudah dilaporkan?", "en": "Already reported?"},
    "support.already.lead": {
        "id": "Laporan terbuka di ruangan ini untuk kategori yang sama. Jika masalah Anda sama, "
        "tekan “Saya juga” saja: Anda ikut tercatat dan bisa diberi tahu perkembangannya.",
        "en": "Open reports in this room in the same category. If yours is the same problem, just "
        "press “Me too”: you are counted and can be told of its progress.",
    },
    "support.already.different": {
        "id": "Masalah Anda berbeda? Lanjutkan mengisi formulir di bawah.",
        "en": "A different problem? Go on filling in the form below.",
    },
    "support.followed": {"id": "Diikuti", "en": "Followed"},
}
