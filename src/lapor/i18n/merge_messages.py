"""Messages of merging duplicates and hiding reports, and the ``duplicate`` status."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "student.status.duplicate": {"id": "Duplikat", "en": "Duplicate"},
    "staff.status.duplicate": {"id": "Duplikat", "en": "Duplicate"},
    # Every status has its action's name (tests/test_staff_pages.py); only a merge reaches this one.
    "staff.action.duplicate": {"id": "Gabungkan", "en": "Merge"},
    # Refusals (API answers and the worker's refused events)
    "merge.into_itself": {
        "id": "Laporan tidak dapat digabung ke dirinya sendiri; pilih laporan lain",
        "en": "A report cannot be merged into itself; choose another report",
    },
    "merge.unknown_target": {
        "id": "Laporan tujuan penggabungan tidak ditemukan; periksa nomornya",
        "en": "The report to merge into was not found; check its number",
    },
    "merge.loop": {
        "id": "Laporan tujuan sudah digabung ke laporan ini; gabungkan ke arah sebaliknya",
        "en": "That report was merged into this one already; merge the other way round",
    },
    "merge.into_duplicate": {
        "id": "Laporan tujuan adalah duplikat; gabungkan ke laporan yang diikutinya",
        "en": "That report is a duplicate itself; merge into the report it follows",
    },
    "merge.into_rejected": {
        "id": "Laporan tujuan ditolak; gabungkan ke laporan yang masih berjalan atau selesai",
        "en": "That report was rejected; merge into one that is open or resolved",
    },
    "merge.source_closed": {
        "id": "Laporan ini sudah ditutup (duplikat atau ditolak) dan tidak dapat digabung lagi",
        "en": "This report is closed already (a duplicate or rejected) and cannot be merged",
    },
    "merge.not_stored": {
        "id": "Laporan masih dalam antrean; coba gabungkan lagi sebentar lagi",
        "en": "A report is still queued; try the merge again in a moment",
    },
    "merge.alone": {
        "id": "merge_into (dengan catatan) dan hidden dikirim sendiri, tanpa perubahan lain",
        "en": "Send merge_into (with a note) or hidden on its own, without other changes",
    },
    # The staff report page
    "merge.staff.title": {"id": "Duplikat", "en": "Duplicates"},
    "merge.staff.candidates": {
        "id": "Laporan terbuka lain di ruangan ini dengan kategori yang sama",
        "en": "Other open reports of this room in the same category",
    },
    "merge.staff.no_candidates": {
        "id": "Tidak ada laporan terbuka lain di ruangan ini dengan kategori yang sama.",
        "en": "No other open report of this room in the same category.",
    },
    "merge.staff.no_room": {
        "id": "Laporan tanpa ruangan: gabungkan lewat API dengan nomor laporan tujuan.",
        "en": "A report without a room: merge it over the API with the number of the kept report.",
    },
    "merge.staff.merge_button": {"id": "Gabungkan ke laporan ini", "en": "Merge into this report"},
    "merge.staff.note": {"id": "Catatan penggabungan (opsional)", "en": "Merge note (optional)"},
    "merge.staff.merged_into": {"id": "Digabung ke laporan", "en": "Merged into report"},
    "merge.staff.merged_here": {"id": "Laporan yang digabung ke sini", "en": "Reports merged into this one"},
    "merge.staff.me_too": {
        "id": "Orang lain dengan masalah sama: {count}",
        "en": "Others with the same problem: {count}",
    },
    "merge.staff.visibility": {"id": "Tampilan publik", "en": "Public view"},
    "merge.staff.is_hidden": {
        "id": "Disembunyikan dari semua tampilan publik; pelapor dan petugas tetap melihatnya.",
        "en": "Hidden from every public view; the reporter and staff still see it.",
    },
    "merge.staff.is_shown": {
        "id": "Tampil di halaman ruangan dan daftar publik.",
        "en": "Shown on the room page and in public lists.",
    },
    "merge.staff.never_public": {
        "id": "Kategori ini tidak pernah publik: laporannya tidak tampil untuk umum.",
        "en": "This category is never public: its reports are not shown to the public.",
    },
    "merge.staff.hide": {"id": "Sembunyikan dari publik", "en": "Hide from the public"},
    "merge.staff.show": {"id": "Tampilkan lagi", "en": "Show again"},
    "merge.staff.hidden_badge": {"id": "Tersembunyi", "en": "Hidden"},
    "staff.timeline.merged": {"id": "Penggabungan duplikat", "en": "Duplicate merge"},
    "staff.timeline.hidden": {"id": "Disembunyikan dari publik", "en": "Hidden from the public"},
    "staff.timeline.shown": {"id": "Ditampilkan lagi untuk publik", "en": "Shown to the public again"},
    # The tracking page of a merged duplicate
    "student.status_hint.duplicate": {
        "id": "Laporan yang sama sudah ada. Anda kini mengikuti laporan itu.",
        "en": "The same problem was reported already. You now follow that report.",
    },
    "student.timeline.merged": {
        "id": "Digabung dengan laporan yang sama",
        "en": "Merged with the same report",
    },
    "student.timeline.hidden": {"id": "Disembunyikan dari publik", "en": "Hidden from the public"},
    "student.timeline.shown": {"id": "Ditampilkan untuk publik", "en": "Shown to the public"},
    "merge.track.title": {"id": "Digabung dengan laporan lain", "en": "Merged with another report"},
    "merge.track.explain": {
        "id": "Petugas menemukan laporan lain tentang masalah yang sama dan menggabungkan laporan Anda ke "
        "sana. Perkembangannya tampil di sini, dan notifikasi Anda kini untuk laporan itu.",
        "en": "Staff found another report of the same problem and merged yours into it. Its progress "
        "shows here, and your notifications now follow that report.",
    },
    "merge.track.kept": {"id": "Laporan yang Anda ikuti", "en": "The report you follow"},
    "merge.track.kept_private": {
        "id": "Laporan itu tidak ditampilkan untuk umum; petugas tetap menanganinya.",
        "en": "That report is not shown in public; staff are still working on it.",
    },
    "merge.track.kept_status": {"id": "Status", "en": "Status"},
    "merge.track.kept_steps": {"id": "Perkembangan", "en": "Progress"},
    "merge.track.already_fixed": {
        "id": "Masalah ini sudah diperbaiki.",
        "en": "This problem is fixed already.",
    },
    "merge.track.private_title": {"id": "Laporan pribadi", "en": "A private report"},
    # Push: a status push naming the status, if one ever says "duplicate" (a merge itself is not pushed)
    "push.reporter.title.duplicate": {
        "id": "Laporan Anda digabung dengan laporan yang sama",
        "en": "Your report was merged with the same report",
    },
    # The office's categories page
    "merge.office.never_public": {"id": "Tidak pernah publik", "en": "Never public"},
    "merge.office.never_public_hint": {
        "id": "Kategori yang tidak publik: laporannya tidak pernah tampil untuk umum (mis. toilet, asrama); "
        "pelapor dan petugas tetap melihatnya.",
        "en": "A category that is never public: its reports never appear in public (e.g. toilets, "
        "dormitories); their reporters and staff still see them.",
    },
    "merge.office.make_private": {"id": "Jadikan tidak publik", "en": "Make never public"},
    "merge.office.make_public": {"id": "Izinkan publik", "en": "Allow public"},
}
