"""The categories a campus starts with; the admin can edit them later (they live in the database)."""

from __future__ import annotations

DEFAULT_CATEGORIES: list[tuple[str, str, str]] = [
    # slug, Indonesian name, English name
    ("electrical", "Listrik", "Electrical"),
    ("plumbing", "Air & Sanitasi", "Plumbing"),
    ("ac-ventilation", "AC & Ventilasi", "AC & ventilation"),
    ("furniture", "Mebel", "Furniture"),
    ("it-network", "IT & Jaringan", "IT & network"),
    ("cleanliness", "Kebersihan", "Cleanliness"),
    ("safety", "Keselamatan", "Safety"),
    ("building", "Bangunan", "Building"),
    ("other", "Lainnya", "Other"),
]
