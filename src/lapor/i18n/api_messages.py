"""Messages of the HTTP API: errors, field names, timeline notes."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # Request validation
    "error.validation": {
        "id": "Isian tidak valid: {details}",
        "en": "Some fields are not valid: {details}",
    },
    "field.required": {"id": "{field} wajib diisi", "en": "{field} is required"},
    "field.too_short": {
        "id": "{field} minimal {min} karakter",
        "en": "{field} must be at least {min} characters",
    },
    "field.too_long": {
        "id": "{field} maksimal {max} karakter",
        "en": "{field} must be at most {max} characters",
    },
    "field.invalid_choice": {
        "id": "{field} harus salah satu dari: {choices}",
        "en": "{field} must be one of: {choices}",
    },
    "field.invalid": {"id": "{field} tidak valid", "en": "{field} is not valid"},
    "field.nul_character": {
        "id": "{field} berisi karakter NUL (kode 0) yang tidak dapat disimpan; hapus karakter itu",
        "en": "{field} contains a NUL character (code 0), which cannot be stored; remove it",
    },
    "error.bad_json": {
        "id": "Isi permintaan bukan JSON yang valid",
        "en": "The request body is not valid JSON",
    },
    "error.json_too_deep": {
        "id": "Isi permintaan JSON bersarang terlalu dalam; kirim kolom-kolom biasa",
        "en": "The JSON request body is nested too deeply; send plain fields",
    },
    "error.json_number_too_long": {
        "id": "Sebuah angka dalam isi permintaan JSON terlalu panjang (maksimal {digits} digit)",
        "en": "A number in the JSON request body is too long (at most {digits} digits)",
    },
    "error.unsupported_media_type": {
        "id": "Kirim formulir (multipart/form-data atau x-www-form-urlencoded) atau JSON",
        "en": "Send a form (multipart/form-data or x-www-form-urlencoded) or JSON",
    },
    "error.too_large": {
        "id": "Kiriman terlalu besar: maksimal {max_mb} MB",
        "en": "The request is too large: at most {max_mb} MB",
    },
    "error.not_found": {"id": "Halaman atau data tidak ditemukan", "en": "Not found"},
    "error.method_not_allowed": {
        "id": "Metode ini tidak diizinkan di alamat ini",
        "en": "This method is not allowed here",
    },
    "error.report_not_found": {
        "id": "Laporan tidak ditemukan; periksa nomor laporan",
        "en": "Report not found; check the report number",
    },
    "error.unknown_category": {
        "id": "Kategori tidak dikenal; pilih salah satu dari: {choices}",
        "en": "Unknown category; choose one of: {choices}",
    },
    "error.idempotency_key": {
        "id": "Idempotency-Key harus 1–200 karakter yang terlihat",
        "en": "Idempotency-Key must be 1–200 visible characters",
    },
    "error.broker_unavailable": {
        "id": "Layanan sedang sibuk; laporan belum diterima. Coba lagi sebentar lagi",
        "en": "The service is busy; the report was not accepted. Please try again shortly",
    },
    "error.database_unavailable": {
        "id": "Basis data sedang tidak dapat dihubungi; coba lagi sebentar lagi. Laporan baru tetap diterima",
        "en": "The database cannot be reached right now; try again shortly. New reports are still accepted",
    },
    # Pool exhaustion, slow and greedy clients
    "error.redis_unavailable": {
        "id": "Layanan sedang sibuk atau tidak dapat dihubungi; coba lagi dalam {seconds} detik",
        "en": "The service is busy or cannot be reached; try again in {seconds} seconds",
    },
    "error.too_many_streams": {
        "id": (
            "Terlalu banyak pembaruan langsung yang terbuka dari jaringan ini; tutup tab yang tidak "
            "dipakai, lalu coba lagi dalam {seconds} detik"
        ),
        "en": (
            "Too many live updates are open from this network; close tabs you are not using and "
            "try again in {seconds} seconds"
        ),
    },
    "error.request_timeout": {
        "id": "Kiriman datang terlalu lambat dan dihentikan; periksa koneksi lalu kirim ulang",
        "en": "The request arrived too slowly and was stopped; check the connection and send it again",
    },
    "error.bad_request": {
        "id": "Permintaan tidak dapat dibaca; periksa isinya lalu kirim lagi",
        "en": "The request could not be read; check it and send it again",
    },
    "error.durability_unconfirmed": {
        "id": "Laporan mungkin sudah tercatat, tetapi penyimpanannya belum terkonfirmasi. Kirim ulang "
        "dengan Idempotency-Key yang sama: Anda akan mendapat laporan yang sama, bukan laporan kedua",
        "en": "The report may already be recorded, but its storage was not confirmed. Send it again "
        "with the same Idempotency-Key: you will get the same report back, not a second one",
    },
    "error.internal": {
        "id": "Terjadi kesalahan di server; coba lagi. Jika berulang, hubungi pengelola",
        "en": "Something went wrong on the server; try again. If it persists, contact the operator",
    },
    "error.nothing_to_change": {
        "id": "Tidak ada perubahan: kirim status, priority, assignee atau note",
        "en": "Nothing to change: send status, priority, assignee or note",
    },
    "error.tracking_token": {
        "id": "Token pelacakan salah untuk laporan ini",
        "en": "The tracking token does not match this report",
    },
    "error.dead_letter_not_found": {
        "id": "Pesan gagal tersebut tidak ditemukan",
        "en": "That dead letter was not found",
    },
    # Authentication and authorisation
    "auth.invalid_credentials": {
        "id": "Nama pengguna atau kata sandi salah",
        "en": "Wrong username or password",
    },
    "auth.required": {
        "id": "Silakan masuk sebagai staf terlebih dahulu",
        "en": "Please sign in as staff first",
    },
    "auth.expired": {
        "id": "Sesi Anda sudah berakhir; silakan masuk lagi",
        "en": "Your session has expired; please sign in again",
    },
    "auth.forbidden": {
        "id": "Hanya admin yang boleh melakukan ini",
        "en": "Only an admin may do this",
    },
    "auth.too_many_attempts": {
        "id": "Terlalu banyak percobaan masuk; coba lagi dalam {seconds} detik",
        "en": "Too many sign-in attempts; try again in {seconds} seconds",
    },
    "error.csrf": {
        "id": "Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi",
        "en": "The form has expired or is not valid; reload the page and try again",
    },
    "auth.signed_out": {
        "id": "Sesi ini sudah dikeluarkan; silakan masuk lagi",
        "en": "This session was signed out; please sign in again",
    },
    "auth.unavailable": {
        "id": "Sesi tidak dapat diperiksa saat ini; coba lagi sebentar lagi",
        "en": "Sessions cannot be checked right now; try again shortly",
    },
    "error.cross_site": {
        "id": "Ditolak: permintaan ini dikirim dari situs lain; buka halaman Lapor Kampus lalu coba lagi",
        "en": "Refused: this request was sent from another site; open the Lapor Kampus page and try again",
    },
    "error.original_api_write": {
        "id": "Dengan cookie sesi, perubahan lewat API lama harus dikirim sebagai JSON dari halaman "
        "situs ini sendiri; atau pakai token bearer",
        "en": "With the session cookie, changes through the original API must be sent as JSON from "
        "this site's own pages; or use a bearer token",
    },
    # Photos
    "photo.too_large": {
        "id": "Foto terlalu besar: maksimal {max_mb} MB",
        "en": "The photo is too large: at most {max_mb} MB",
    },
    "photo.not_an_image": {
        "id": "Berkas foto bukan gambar; kirim JPEG, PNG, WebP atau HEIC",
        "en": "The photo file is not an image; send a JPEG, PNG, WebP or HEIC",
    },
    "photo.unsupported_format": {
        "id": "Format foto tidak didukung; kirim JPEG, PNG, WebP atau HEIC",
        "en": "This photo format is not supported; send a JPEG, PNG, WebP or HEIC",
    },
    "photo.too_many_pixels": {
        "id": "Resolusi foto terlalu besar; kirim foto biasa dari kamera",
        "en": "The photo's resolution is too large; send an ordinary camera photo",
    },
    "photo.unreadable": {
        "id": "Foto rusak dan tidak dapat dibaca",
        "en": "The photo is damaged and cannot be read",
    },
    # Timeline notes written by the worker
    "transition.same_status": {
        "id": "Ditolak: laporan sudah berstatus itu",
        "en": "Refused: the report already has that status",
    },
    "transition.not_allowed": {
        "id": "Ditolak: perubahan status ini tidak diizinkan",
        "en": "Refused: this status change is not allowed",
    },
    "transition.forbidden_role": {
        "id": "Ditolak: Anda tidak berwenang melakukan perubahan ini",
        "en": "Refused: you may not make this change",
    },
    "transition.note_required": {
        "id": "Ditolak: penolakan laporan harus disertai alasan",
        "en": "Refused: rejecting a report needs a reason",
    },
    "assignment.unknown_user": {
        "id": "Ditolak: petugas tidak dikenal atau tidak aktif",
        "en": "Refused: unknown or inactive staff member",
    },
    # Seed compatibility
    "seed.accepted": {
        "id": "Laporan diterima dan masuk antrean",
        "en": "Report accepted and queued",
    },
    # Field names, as a person reads them
    "name.reporter_name": {"id": "Nama", "en": "Name"},
    "name.reporter_contact": {"id": "Kontak", "en": "Contact"},
    "name.category": {"id": "Kategori", "en": "Category"},
    "name.location": {"id": "Lokasi", "en": "Location"},
    "name.description": {"id": "Deskripsi", "en": "Description"},
    "name.title": {"id": "Judul", "en": "Title"},
    "name.priority": {"id": "Tingkat urgensi", "en": "Urgency"},
    "name.photo": {"id": "Foto", "en": "Photo"},
    "name.status": {"id": "Status", "en": "Status"},
    "name.note": {"id": "Catatan", "en": "Note"},
    "name.body": {"id": "Komentar", "en": "Comment"},
    "name.assignee": {"id": "Petugas", "en": "Assignee"},
    "name.username": {"id": "Nama pengguna", "en": "Username"},
    "name.password": {"id": "Kata sandi", "en": "Password"},
    "name.tracking_token": {"id": "Token pelacakan", "en": "Tracking token"},
    "name.request": {"id": "Isi permintaan", "en": "The request"},
    "name.cursor": {"id": "Penanda halaman (cursor)", "en": "Page cursor"},
    "name.last_event_id": {"id": "Last-Event-ID", "en": "Last-Event-ID"},
    "name.Idempotency-Key": {"id": "Idempotency-Key", "en": "Idempotency-Key"},
    "name.limit": {"id": "Batas jumlah (limit)", "en": "Limit"},
    "name.sort": {"id": "Urutan (sort)", "en": "Sort order"},
    "name.q": {"id": "Kata kunci pencarian", "en": "Search text"},
    "name.dead_id": {"id": "Nomor pesan gagal", "en": "Dead-letter id"},
    "name.nama": {"id": "Nama", "en": "Name"},
    "name.lokasi": {"id": "Lokasi", "en": "Location"},
    "name.deskripsi": {"id": "Deskripsi", "en": "Description"},
    "name.prioritas": {"id": "Prioritas", "en": "Priority"},
    "name.foto": {"id": "Foto", "en": "Photo"},
    # Intake: idempotency and floods
    "error.idempotency_key_reused": {
        "id": "Idempotency-Key ini sudah dipakai untuk laporan lain (isian atau foto berbeda). Untuk laporan "
        "baru, muat ulang formulir atau pakai kunci baru",
        "en": "This Idempotency-Key was already used for a different report (other fields or photo). For a "
        "new report, reload the form or use a new key",
    },
    "error.intake_rate_limited": {
        "id": "Terlalu banyak laporan dari jaringan Anda dalam waktu singkat. Laporan Anda belum diterima; "
        "kirim lagi dalam {seconds} detik",
        "en": "Too many reports from your network in a short time. Your report was not accepted yet; "
        "send it again in {seconds} seconds",
    },
    "error.intake_backlog_full": {
        "id": "Terlalu banyak laporan menunggu diproses. Laporan Anda belum diterima; kirim lagi dalam "
        "{seconds} detik",
        "en": "Too many reports are waiting to be processed. Your report was not accepted yet; send it "
        "again in {seconds} seconds",
    },
    "error.upload_disk_full": {
        "id": "Penyimpanan foto sedang penuh. Kirim laporan tanpa foto sekarang, atau coba lagi dalam "
        "{seconds} detik",
        "en": "Photo storage is full right now. Send the report without a photo, or try again in "
        "{seconds} seconds",
    },
}
