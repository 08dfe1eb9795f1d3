"""Texts of the pages students see (and of the layout every page shares: `site.*`)."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # The layout and the generic pages (staff pages use them too)
    "site.name": {"id": "Lapor Kampus", "en": "Lapor Kampus"},
    "site.language": {"id": "Bahasa", "en": "Language"},
    "site.tagline": {
        "id": "Laporan kerusakan fasilitas kampus",
        "en": "Campus facility reports",
    },
    "site.skip": {"id": "Langsung ke isi halaman", "en": "Skip to main content"},
    "site.staff_link": {"id": "Masuk petugas", "en": "Staff sign-in"},
    "site.new_report": {"id": "Buat laporan", "en": "Make a report"},
    "site.home": {"id": "Kembali ke halaman utama", "en": "Back to the home page"},
    "site.not_found.title": {"id": "Halaman tidak ditemukan", "en": "Page not found"},
    "site.not_found.body": {
        "id": "Alamat ini tidak ada, atau laporannya tidak ditemukan. Periksa tautan yang Anda buka.",
        "en": "This address does not exist, or the report was not found. Check the link you opened.",
    },
    "site.forbidden.title": {"id": "Akses ditolak", "en": "Access denied"},
    "site.forbidden.body": {
        "id": "Anda tidak memiliki izin untuk membuka halaman ini.",
        "en": "You do not have permission to open this page.",
    },
    "site.error_prefix": {"id": "Kesalahan:", "en": "Error:"},
    "site.title_error": {"id": "Kesalahan: {title}", "en": "Error: {title}"},
    # Status words (the student's view; the staff pages keep their own)
    "student.status.queued": {"id": "Antre", "en": "Queued"},
    "student.status.pending": {"id": "Menunggu", "en": "Pending"},
    "student.status.in_progress": {"id": "Diproses", "en": "In progress"},
    "student.status.resolved": {"id": "Selesai", "en": "Resolved"},
    "student.status.rejected": {"id": "Ditolak", "en": "Rejected"},
    "student.status_hint.queued": {
        "id": "Laporan diterima dan sedang dicatat",
        "en": "Received and being recorded",
    },
    "student.status_hint.pending": {
        "id": "Tercatat, menunggu petugas",
        "en": "Recorded, waiting for a technician",
    },
    "student.status_hint.in_progress": {
        "id": "Petugas sedang menanganinya",
        "en": "A technician is on it",
    },
    "student.status_hint.resolved": {"id": "Sudah diperbaiki", "en": "Fixed"},
    # Priorities
    "student.priority.emergency": {"id": "Darurat", "en": "Emergency"},
    "student.priority.medium": {"id": "Sedang", "en": "Medium"},
    "student.priority.normal": {"id": "Biasa", "en": "Normal"},
    "student.priority_hint.emergency": {
        "id": "Berbahaya atau menghentikan kegiatan: korsleting, air menggenang, bau gas",
        "en": "Dangerous or stops activities: a short circuit, flooding, a gas smell",
    },
    "student.priority_hint.medium": {
        "id": "Mengganggu, tetapi masih bisa ditunggu: AC mati, proyektor rusak",
        "en": "A nuisance that can wait a little: AC off, a broken projector",
    },
    "student.priority_hint.normal": {
        "id": "Perlu diperbaiki, tidak mendesak: kursi goyang, lampu redup",
        "en": "Needs fixing, not urgent: a wobbly chair, a dim light",
    },
    # The report form
    "student.form.title": {"id": "Laporkan kerusakan fasilitas", "en": "Report a broken facility"},
    "student.form.lead": {
        "id": "Ceritakan apa yang rusak dan di mana. Anda bisa memantau penanganannya langsung di halaman "
        "laporan.",
        "en": "Tell us what is broken and where. You can follow the repair live on the report's page.",
    },
    "student.form.error_summary": {"id": "Ada yang perlu diperbaiki", "en": "There is a problem"},
    "student.form.reporter_name": {"id": "Nama Anda", "en": "Your name"},
    "student.form.reporter_contact": {"id": "Kontak (opsional)", "en": "Contact (optional)"},
    "student.form.reporter_contact_hint": {
        "id": "Nomor WhatsApp atau email, kalau petugas perlu bertanya. Hanya petugas yang melihatnya.",
        "en": "A WhatsApp number or email, in case a technician has a question. Only staff see it.",
    },
    "student.form.category": {"id": "Kategori", "en": "Category"},
    "student.form.category_choose": {"id": "Pilih kategori", "en": "Choose a category"},
    "student.form.location": {"id": "Lokasi", "en": "Location"},
    "student.form.location_hint": {
        "id": "Gedung, lantai dan ruang. Contoh: Gedung A, lantai 2, ruang 201",
        "en": "Building, floor and room. For example: Building A, floor 2, room 201",
    },
    "student.form.description": {"id": "Apa yang rusak?", "en": "What is wrong?"},
    "student.form.description_hint": {
        "id": "Apa masalahnya, sejak kapan, dan seberapa parah. Minimal 10 karakter.",
        "en": "What the problem is, since when, and how bad. At least 10 characters.",
    },
    "student.form.description_count": {
        "id": "{count} dari {max} karakter",
        "en": "{count} of {max} characters",
    },
    "student.form.priority": {"id": "Seberapa mendesak?", "en": "How urgent is it?"},
    "student.form.photo": {"id": "Foto (opsional)", "en": "Photo (optional)"},
    "student.form.photo_hint": {
        "id": "Ambil foto dengan kamera atau pilih dari galeri. JPEG, PNG, WebP atau HEIC, "
        "maksimal {max_mb} MB.",
        "en": "Take a photo with the camera or pick one from the gallery. JPEG, PNG, WebP or HEIC, "
        "at most {max_mb} MB.",
    },
    "student.form.photo_again": {
        "id": "Foto yang tadi dipilih belum terkirim: pilih lagi.",
        "en": "The photo you chose was not sent: choose it again.",
    },
    "student.form.photo_choose": {"id": "Ambil atau pilih foto", "en": "Take or choose a photo"},
    "student.form.photo_change": {"id": "Ganti foto", "en": "Change photo"},
    "student.form.photo_preview": {"id": "Pratinjau foto yang dipilih", "en": "Preview of the chosen photo"},
    "student.form.photo_remove": {"id": "Hapus foto", "en": "Remove photo"},
    "student.form.privacy": {
        "id": "Publik (siapa pun, juga tanpa tautan): judul singkat (awal deskripsi jika tidak diisi), "
        "kategori, lokasi, urgensi, status dan waktunya. Hanya Anda (peramban ini atau tautan pribadi "
        "laporan) dan petugas yang melihat deskripsi, foto, catatan dan komentar. Nama dan kontak "
        "Anda hanya dilihat petugas.",
        "en": "Public (anyone, even without the link): a short title (the start of the description "
        "unless you write one), category, location, urgency, status and times. Only you (this browser "
        "or the report's private link) and staff see the description, photo, notes and comments. "
        "Only staff see your name and contact.",
    },
    "student.form.submit": {"id": "Kirim laporan", "en": "Send report"},
    "student.form.sending": {"id": "Mengirim…", "en": "Sending…"},
    "student.form.network_error": {
        "id": "Tidak dapat terhubung ke server; laporan belum terkirim. Periksa koneksi lalu kirim lagi.",
        "en": "Could not reach the server; the report was not sent. Check your connection and send it again.",
    },
    # "My reports" (kept in the browser)
    "student.mine.title": {"id": "Laporan saya", "en": "My reports"},
    "student.mine.hint": {
        "id": "Disimpan di peramban ini saja.",
        "en": "Kept in this browser only.",
    },
    "student.mine.untitled": {"id": "Laporan", "en": "Report"},
    # The tracking page
    "student.track.title": {"id": "Laporan: {title}", "en": "Report: {title}"},
    "student.track.heading": {"id": "Status laporan", "en": "Report status"},
    "student.track.number": {"id": "Nomor laporan", "en": "Report number"},
    "student.track.progress": {"id": "Tahap penanganan", "en": "Progress"},
    "student.track.step_done": {"id": "selesai", "en": "done"},
    "student.track.step_current": {"id": "tahap sekarang", "en": "current step"},
    "student.track.details": {"id": "Rincian", "en": "Details"},
    "student.track.category": {"id": "Kategori", "en": "Category"},
    "student.track.location": {"id": "Lokasi", "en": "Location"},
    "student.track.priority": {"id": "Urgensi", "en": "Urgency"},
    "student.track.reported_at": {"id": "Dilaporkan", "en": "Reported"},
    "student.track.assignee": {"id": "Petugas", "en": "Technician"},
    "student.track.description": {"id": "Deskripsi", "en": "Description"},
    "student.track.photo": {"id": "Foto", "en": "Photo"},
    "student.track.photo_alt": {
        "id": "Foto kerusakan yang dilaporkan",
        "en": "Photo of the reported problem",
    },
    "student.track.photo_open": {"id": "Buka foto ukuran penuh", "en": "Open the full-size photo"},
    "student.track.photo_pending": {
        "id": "Foto sedang diproses dan akan muncul sebentar lagi.",
        "en": "The photo is being processed and will appear shortly.",
    },
    "student.track.photo_unusable": {
        "id": "Foto Anda tidak dapat dipakai ({reason}). Laporan tetap tersimpan dan akan ditangani.",
        "en": "Your photo could not be used ({reason}). The report is still stored and will be handled.",
    },
    "student.track.photo_unusable_plain": {
        "id": "Foto Anda tidak dapat dipakai. Laporan tetap tersimpan dan akan ditangani.",
        "en": "Your photo could not be used. The report is still stored and will be handled.",
    },
    "student.track.timeline": {"id": "Riwayat", "en": "History"},
    "student.track.rejected_title": {"id": "Laporan ditolak", "en": "This report was rejected"},
    "student.track.rejected_reason": {"id": "Alasan: {reason}", "en": "Reason: {reason}"},
    "student.track.rejected_no_reason": {
        "id": "Petugas tidak menuliskan alasan.",
        "en": "Staff gave no reason.",
    },
    "student.track.resolved_banner": {
        "id": "Kabar baik: laporan Anda sudah selesai ditangani.",
        "en": "Good news: your report has been resolved.",
    },
    "student.track.notification_title": {"id": "Laporan selesai", "en": "Report resolved"},
    "student.track.keep_link": {
        "id": "Peramban ini mengingat laporan ini di “Laporan saya”. Untuk memantaunya dari perangkat lain, "
        "pakai tautan pribadi Anda.",
        "en": "This browser remembers the report under “My reports”. To follow it on another device, use "
        "your private link.",
    },
    "student.track.public_only": {
        "id": "Ini tampilan publik laporan. Deskripsi, foto, catatan dan komentar hanya terlihat di "
        "peramban yang mengirim laporan atau lewat tautan pribadinya.",
        "en": "This is the report's public view. The description, photo, notes and comments are shown "
        "only in the browser that sent the report, or through its private link.",
    },
    # The private link: the report's address with its tracking token
    "student.private_link.title": {"id": "Tautan pribadi Anda", "en": "Your private link"},
    "student.private_link.allows": {
        "id": "Siapa pun yang memegang tautan ini dapat melihat foto dan riwayat laporan, membukanya lagi "
        "kalau belum beres, dan menyalakan notifikasi. Buka di perangkat lain untuk memantau dari sana.",
        "en": "Whoever has this link can see the report's photos and timeline, reopen it if it was not "
        "fixed, and turn on notifications. Open it on another device to follow the report there.",
    },
    "student.private_link.keep_private": {
        "id": "Jaga kerahasiaannya: jangan bagikan di grup percakapan atau media sosial.",
        "en": "Keep it private: do not share it in a group chat or on social media.",
    },
    "student.private_link.copy": {"id": "Salin tautan pribadi saya", "en": "Copy my private link"},
    "student.private_link.copied": {
        "id": "Tautan pribadi tersalin. Simpan di tempat yang hanya Anda bisa buka.",
        "en": "Private link copied. Keep it somewhere only you can open.",
    },
    "student.private_link.manual": {"id": "Salin tautan ini", "en": "Copy this link"},
    "student.track.another": {"id": "Laporkan kerusakan lain", "en": "Report another problem"},
    # Live connection and notifications
    "student.live.connecting": {"id": "Menghubungkan…", "en": "Connecting…"},
    "student.live.open": {"id": "Terhubung: status diperbarui langsung", "en": "Live: updates appear here"},
    "student.live.lost": {
        "id": "Koneksi terputus; mencoba lagi…",
        "en": "Connection lost; trying again…",
    },
    "student.notify.button": {"id": "Beri tahu saya", "en": "Notify me"},
    "student.notify.hint": {
        "id": "Dapatkan notifikasi saat laporan selesai (selama halaman ini terbuka).",
        "en": "Get a notification when the report is resolved (while this page is open).",
    },
    "student.notify.on": {
        "id": "Notifikasi aktif: Anda akan diberi tahu saat laporan selesai.",
        "en": "Notifications are on: you will be told when the report is resolved.",
    },
    "student.notify.push_hint": {
        "id": "Dapatkan notifikasi di perangkat ini setiap kali status laporan berubah, "
        "juga saat halaman ini ditutup.",
        "en": "Get a notification on this device whenever the report's status changes, "
        "even with this page closed.",
    },
    "student.notify.push_on": {
        "id": "Notifikasi aktif: Anda akan diberi tahu setiap kali status berubah, "
        "juga saat halaman ini ditutup.",
        "en": "Notifications are on: you will be told of every status change, even with this page closed.",
    },
    "student.notify.denied": {
        "id": "Notifikasi diblokir di peramban ini. Kabar tetap muncul di halaman ini.",
        "en": "Notifications are blocked in this browser. News still appears on this page.",
    },
    "student.notify.unsupported": {
        "id": "Peramban ini tidak mendukung notifikasi. Kabar tetap muncul di halaman ini.",
        "en": "This browser does not support notifications. News still appears on this page.",
    },
    # Timeline entries
    "student.timeline.queued": {
        "id": "Laporan diterima dan masuk antrean",
        "en": "Report received and queued",
    },
    "student.timeline.created": {
        "id": "Laporan tercatat; menunggu petugas",
        "en": "Report recorded; waiting for a technician",
    },
    "student.timeline.status": {"id": "Status menjadi {status}", "en": "Status changed to {status}"},
    "student.timeline.priority": {"id": "Urgensi diubah: {change}", "en": "Urgency changed: {change}"},
    "student.timeline.assignment": {"id": "Ditangani oleh {name}", "en": "Assigned to {name}"},
    "student.timeline.unassigned": {"id": "Petugas dilepas dari laporan", "en": "Technician unassigned"},
    "student.timeline.comment": {"id": "Komentar petugas", "en": "Comment from staff"},
    "student.timeline.photo": {"id": "Foto tidak dapat dipakai", "en": "The photo could not be used"},
    "student.timeline.reopened": {
        "id": "Dibuka lagi oleh pelapor: belum beres",
        "en": "Reopened by the reporter: not fixed",
    },
    "student.timeline.by": {"id": "oleh {name}", "en": "by {name}"},
    "student.timeline.by_reporter": {"id": "oleh pelapor", "en": "by the reporter"},
    # Reopen ("not fixed")
    "student.reopen.title": {"id": "Belum beres?", "en": "Not fixed?"},
    "student.reopen.hint": {
        "id": "Jika masalahnya masih ada, buka lagi laporan ini. Petugas akan melihatnya kembali.",
        "en": "If the problem is still there, reopen this report. Staff will see it again.",
    },
    "student.reopen.note": {
        "id": "Apa yang masih salah? (opsional)",
        "en": "What is still wrong? (optional)",
    },
    "student.reopen.button": {"id": "Buka lagi laporan", "en": "Reopen the report"},
    "student.reopen.sent": {
        "id": "Permintaan terkirim; status akan kembali ke Menunggu.",
        "en": "Request sent; the status will go back to Pending.",
    },
    "student.reopen.failed": {
        "id": "Laporan belum bisa dibuka lagi; coba lagi sebentar lagi.",
        "en": "The report could not be reopened; try again shortly.",
    },
    # Reports kept on the phone when the server cannot be reached (issue 17)
    "student.offline.saved_title": {
        "id": "Laporan disimpan di ponsel ini",
        "en": "Report saved on this phone",
    },
    "student.offline.saved_body": {
        "id": "server belum dapat dihubungi. Laporan akan terkirim otomatis begitu jaringan kembali; "
        "halaman ini boleh ditutup.",
        "en": "the server could not be reached. It will be sent automatically as soon as the network is "
        "back; you may close this page.",
    },
    "student.offline.saved_link": {
        "id": "Lihat laporan yang menunggu",
        "en": "See the reports waiting to be sent",
    },
    "student.offline.sent_title": {"id": "Laporan terkirim", "en": "Report sent"},
    "student.offline.sent_body": {
        "id": "“{title}” sudah diterima. Ketuk untuk melihat statusnya.",
        "en": "“{title}” has been received. Tap to follow it.",
    },
    "student.offline.limits_title": {
        "id": "Tentang laporan yang disimpan di ponsel",
        "en": "About reports kept on this phone",
    },
    "student.offline.limits_wait": {
        "id": "Laporan yang belum terkirim menunggu di peramban ini, di ponsel ini saja, sampai terkirim "
        "atau Anda hapus. Laporan dicoba lagi otomatis, makin jarang (paling lama tiap 15 menit) dan setiap "
        "kali Anda membuka situs ini. Jika setelah sehari masih menunggu, buka situs ini saat ada sinyal.",
        "en": "A report that could not be sent waits in this browser, on this phone only, until it is sent "
        "or you delete it. It is tried again by itself, less and less often (at least every 15 minutes) "
        "and whenever you open this site. If it is still waiting after a day, open this site when you "
        "have a signal.",
    },
    "student.offline.limits_evict": {
        "id": "Peramban dapat menghapusnya jika Anda menghapus data situs, jika ruang penyimpanan ponsel "
        "hampir penuh (kami meminta agar disimpan), atau setelah tujuh hari tanpa kunjungan (Safari).",
        "en": "The browser may delete it if you clear the site's data, if the phone runs short of space "
        "(we ask it to keep it), or after seven days without a visit (Safari).",
    },
    "student.offline.limits_private": {
        "id": "Jendela pribadi (incognito) melupakannya saat ditutup: kirim sebelum menutupnya.",
        "en": "A private (incognito) window forgets it when it is closed: send it before you close it.",
    },
    "student.mine.waiting_title": {"id": "Menunggu dikirim", "en": "Waiting to be sent"},
    "student.mine.waiting": {"id": "Menunggu sinyal", "en": "Waiting for a signal"},
    "student.mine.refused": {"id": "Ditolak server", "en": "Refused by the server"},
    "student.mine.refused_hint": {
        "id": "Server menolak laporan ini; perbaiki lalu kirim lagi.",
        "en": "The server refused this report; correct it and send it again.",
    },
    "student.mine.saved_age": {"id": "disimpan {age}", "en": "saved {age}"},
    "student.mine.saved_just_now": {"id": "disimpan baru saja", "en": "saved just now"},
    "student.mine.send_now": {"id": "Kirim sekarang", "en": "Send now"},
    "student.mine.delete": {"id": "Hapus", "en": "Delete"},
    "student.mine.delete_confirm": {
        "id": "Hapus laporan ini dari ponsel? Laporan ini belum terkirim dan akan hilang.",
        "en": "Delete this report from the phone? It has not been sent and will be lost.",
    },
    "student.mine.edit": {"id": "Perbaiki", "en": "Edit"},
}
