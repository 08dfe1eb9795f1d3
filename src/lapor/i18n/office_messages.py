"""Texts of the office's own set-up: accounts, one-time links, passwords, categories, audit."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    # API errors
    "auth.read_only": {
        "id": "Peran Anda hanya boleh membaca (pemantau); minta admin jika Anda perlu mengubah laporan",
        "en": "Your role is read-only (viewer); ask an admin if you need to change reports",
    },
    "account.username_rule": {
        "id": "Nama pengguna: 2–64 huruf kecil, angka, titik, garis bawah atau tanda hubung",
        "en": "Username: 2–64 lowercase letters, digits, dots, underscores or hyphens",
    },
    "account.username_taken": {
        "id": "Nama pengguna {username} sudah dipakai; pilih nama lain",
        "en": "The username {username} is taken; choose another",
    },
    "account.not_found": {
        "id": "Akun staf tersebut tidak ditemukan",
        "en": "That staff account was not found",
    },
    "account.last_admin": {
        "id": "Ini admin aktif terakhir: jadikan orang lain admin dulu, baru ubah atau nonaktifkan akun ini",
        "en": "This is the last active admin: make someone else an admin first, then change or deactivate it",
    },
    "account.link_unknown": {
        "id": "Tautan ini tidak berlaku (salah ketik atau sudah diganti tautan baru); "
        "minta tautan baru ke admin",
        "en": "This link is not valid (mistyped or replaced by a newer one); ask an admin for a new link",
    },
    "account.link_used": {
        "id": "Tautan ini sudah dipakai; masuk dengan kata sandi Anda, atau minta tautan baru ke admin",
        "en": "This link was used already; sign in with your password, or ask an admin for a new link",
    },
    "account.link_expired": {
        "id": "Tautan ini sudah kedaluwarsa (berlaku 48 jam); minta tautan baru ke admin",
        "en": "This link has expired (links last 48 hours); ask an admin for a new link",
    },
    "account.inactive": {
        "id": "Akun ini dinonaktifkan; hubungi admin",
        "en": "This account is deactivated; contact an admin",
    },
    "account.password_length": {
        "id": "Kata sandi minimal {min} karakter (kalimat pendek mudah diingat)",
        "en": "The password needs at least {min} characters (a short sentence is easy to remember)",
    },
    "account.password_repetitive": {
        "id": "Kata sandi harus memakai minimal {distinct} karakter berbeda",
        "en": "The password must use at least {distinct} different characters",
    },
    "account.password_username": {
        "id": "Kata sandi tidak boleh memuat nama pengguna Anda",
        "en": "The password must not contain your username",
    },
    "account.wrong_password": {
        "id": "Kata sandi lama salah",
        "en": "The old password is wrong",
    },
    "account.nothing_to_change": {"id": "Tidak ada yang diubah", "en": "Nothing to change"},
    "category.slug_rule": {
        "id": "Kode kategori: 1–40 huruf kecil, angka atau tanda hubung",
        "en": "Category code: 1–40 lowercase letters, digits or hyphens",
    },
    "category.slug_taken": {
        "id": "Kode kategori {slug} sudah ada (mungkin sebagai kategori yang dipensiunkan)",
        "en": "The category code {slug} exists already (perhaps as a retired category)",
    },
    "category.not_found": {"id": "Kategori tersebut tidak ditemukan", "en": "That category was not found"},
    # Pages
    "staff.role.viewer": {"id": "Pemantau", "en": "Viewer"},
    "staff.nav.users": {"id": "Staf", "en": "Staff"},
    "staff.nav.categories": {"id": "Kategori", "en": "Categories"},
    "staff.nav.audit": {"id": "Log audit", "en": "Audit log"},
    "office.users.title": {"id": "Akun staf", "en": "Staff accounts"},
    "office.users.invite": {"id": "Undang anggota staf", "en": "Invite a staff member"},
    "office.users.username": {"id": "Nama pengguna", "en": "Username"},
    "office.users.display_name": {"id": "Nama tampilan", "en": "Display name"},
    "office.users.role": {"id": "Peran", "en": "Role"},
    "office.users.state": {"id": "Status", "en": "State"},
    "office.users.active": {"id": "Aktif", "en": "Active"},
    "office.users.inactive": {"id": "Nonaktif", "en": "Deactivated"},
    "office.users.no_password": {"id": "Belum memilih kata sandi", "en": "No password chosen yet"},
    "office.users.send_invite": {"id": "Buat tautan undangan", "en": "Make an invitation link"},
    "office.users.save": {"id": "Simpan", "en": "Save"},
    "office.users.deactivate": {"id": "Nonaktifkan", "en": "Deactivate"},
    "office.users.reactivate": {"id": "Aktifkan lagi", "en": "Reactivate"},
    "office.users.reset": {"id": "Tautan kata sandi baru", "en": "New password link"},
    "office.users.actions": {"id": "Tindakan", "en": "Actions"},
    "office.users.link_lead": {
        "id": "Berikan tautan sekali pakai ini kepada {name}; berlaku sampai {expires}. "
        "Tautan hanya ditampilkan sekarang.",
        "en": "Hand this one-time link to {name}; it works until {expires}. It is shown only now.",
    },
    "office.users.link_label": {"id": "Tautan sekali pakai", "en": "One-time link"},
    "office.done": {
        "id": "Perubahan dikirim; halaman ini menampilkannya begitu tersimpan.",
        "en": "Change sent; this page shows it as soon as it is stored.",
    },
    "office.join.title": {"id": "Pilih kata sandi Anda", "en": "Choose your password"},
    "office.join.lead": {
        "id": "Halo {name}. Nama pengguna Anda: {username}. Kata sandi minimal 10 karakter, "
        "minimal 5 karakter berbeda, tanpa nama pengguna.",
        "en": "Hello {name}. Your username: {username}. The password needs at least 10 characters, "
        "at least 5 different ones, and not your username.",
    },
    "office.join.password": {"id": "Kata sandi baru", "en": "New password"},
    "office.join.submit": {"id": "Simpan kata sandi", "en": "Save the password"},
    "office.join.done": {
        "id": "Kata sandi tersimpan. Silakan masuk.",
        "en": "Password saved. Please sign in.",
    },
    "office.join.sign_in": {"id": "Masuk", "en": "Sign in"},
    "staff.nav.password": {"id": "Kata sandi", "en": "Password"},
    "office.password.title": {"id": "Ganti kata sandi", "en": "Change your password"},
    "office.password.lead": {
        "id": "Minimal 10 karakter, minimal 5 karakter berbeda, tanpa nama pengguna. Sesi Anda di "
        "perangkat lain akan berakhir; di sini Anda tetap masuk.",
        "en": "At least 10 characters, at least 5 different ones, not your username. Your sessions on "
        "other devices end; here you stay signed in.",
    },
    "office.password.old": {"id": "Kata sandi lama", "en": "Old password"},
    "office.password.submit": {"id": "Ganti kata sandi", "en": "Change the password"},
    "office.password.done": {
        "id": "Kata sandi diganti. Sesi lain sudah diakhiri.",
        "en": "Password changed. Your other sessions have ended.",
    },
    "office.categories.title": {"id": "Kategori laporan", "en": "Report categories"},
    "office.categories.add": {"id": "Tambah kategori", "en": "Add a category"},
    "office.categories.slug": {"id": "Kode", "en": "Code"},
    "office.categories.name_id": {"id": "Nama (Indonesia)", "en": "Name (Indonesian)"},
    "office.categories.name_en": {"id": "Nama (Inggris)", "en": "Name (English)"},
    "office.categories.priority": {"id": "Prioritas bawaan", "en": "Default priority"},
    "office.categories.position": {"id": "Urutan", "en": "Order"},
    "office.categories.retire": {"id": "Pensiunkan", "en": "Retire"},
    "office.categories.restore": {"id": "Pakai lagi", "en": "Bring back"},
    "office.categories.retired": {"id": "Dipensiunkan", "en": "Retired"},
    "office.audit.title": {"id": "Log audit", "en": "Audit log"},
    "office.audit.when": {"id": "Waktu", "en": "When"},
    "office.audit.who": {"id": "Oleh", "en": "Who"},
    "office.audit.what": {"id": "Tindakan", "en": "Action"},
    "office.audit.target": {"id": "Sasaran", "en": "Target"},
    "office.audit.change": {"id": "Sebelum → sesudah", "en": "Before → after"},
    "office.audit.filter": {"id": "Saring", "en": "Filter"},
    "office.audit.empty": {"id": "Belum ada catatan.", "en": "Nothing recorded yet."},
    "office.audit.older": {"id": "Lebih lama", "en": "Older"},
}
