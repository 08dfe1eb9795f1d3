"""The original project's vocabulary mapped onto ours, and its JSON file read with line numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from lapor.domain.enums import Role, Status
from lapor.domain.legacy import SeedChange, plan_seed_change, seed_status
from lapor.domain.legacy_records import SeedFileError, read_seed_file, records_with_lines
from lapor.domain.transitions import check_transition

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_statuses_read_as_the_original_pages_expect() -> None:
    assert seed_status(Status.QUEUED) == "PENDING"
    assert seed_status(Status.PENDING) == seed_status(Status.IN_PROGRESS) == "DIPROSES_TEKNISI"
    assert seed_status(Status.RESOLVED) == "SELESAI"
    assert seed_status(Status.REJECTED) == "DITOLAK"
    assert seed_status(Status.DUPLICATE, kept_status=Status.RESOLVED) == "SELESAI"
    assert seed_status(Status.DUPLICATE, kept_status=Status.IN_PROGRESS) == "DIPROSES_TEKNISI"
    assert seed_status(Status.DUPLICATE) == "PENDING"  # its kept report not known


@pytest.mark.parametrize(
    ("current", "wanted", "plan"),
    [
        (Status.PENDING, "SELESAI", SeedChange(status=Status.RESOLVED, via=Status.IN_PROGRESS)),
        (Status.IN_PROGRESS, "SELESAI", SeedChange(status=Status.RESOLVED, via=Status.IN_PROGRESS)),
        (None, "SELESAI", SeedChange(status=Status.RESOLVED, via=Status.IN_PROGRESS)),
        (Status.RESOLVED, "SELESAI", SeedChange(nothing=True)),
        (Status.REJECTED, "SELESAI", SeedChange(refusal="legacy.rejected")),
        (Status.DUPLICATE, "SELESAI", SeedChange(refusal="legacy.duplicate")),
        (Status.PENDING, "DIPROSES_TEKNISI", SeedChange(status=Status.IN_PROGRESS)),
        (Status.IN_PROGRESS, "DIPROSES_TEKNISI", SeedChange(nothing=True)),
        (Status.RESOLVED, "DIPROSES_TEKNISI", SeedChange(status=Status.IN_PROGRESS, via=Status.PENDING)),
        (Status.PENDING, "PENDING", SeedChange(nothing=True)),
    ],
)
def test_the_admin_pages_button_plans_moves_the_state_machine_allows(
    current: Status | None, wanted: str, plan: SeedChange
) -> None:
    assert plan_seed_change(current, wanted) == plan
    if plan.status is not None and current is not None:
        steps = [current, *([plan.via] if plan.via and plan.via != current else []), plan.status]
        for frm, to in pairwise(steps):
            assert check_transition(frm, to, Role.TECHNICIAN, None).allowed, (frm, to)


def test_records_are_numbered_by_the_line_they_start_on() -> None:
    text = '\n[\n  {"id": "a"},\n\n  {\n    "id": "b"\n  }, 3\n]\n'
    assert [(line, item) for line, item in records_with_lines(text)] == [
        (3, {"id": "a"}),
        (5, {"id": "b"}),
        (7, 3),
    ]
    assert records_with_lines("[]") == []
    for bad, words in (
        ('{"id": "a"}', "line 1: the file is not a JSON list"),
        ('[\n{"id": "a"}\n{"id": "b"}]', "line 3: expected , or ]"),
        ('[{"id": "a"}] [', "text after the end of the list"),
        ("[\n{", "line 2: not valid JSON"),
        ("[\n" + "[" * 100_000 + "]" * 100_000 + "]", "line 2: a record that cannot be read"),
        ('[\n{"id": ' + "7" * 5000 + "}]", "line 2: a record that cannot be read"),
    ):
        with pytest.raises(SeedFileError, match=words):
            records_with_lines(bad)


def test_odd_records_are_kept_and_bad_ones_named() -> None:
    text = """[
{"id": "x1", "waktu_lapor": "2025-12-27 16:45:05", "pelapor": {"nama": "J"}, "lokasi": "Test",
 "prioritas": "Darurat", "foto": null, "deskripsi": "Gatau", "status": "SELESAI",
 "waktu_diproses": "Sat Dec 27 16:45:10 2025", "waktu_update": "2025-12-27 16:45:24"},
{"id": "x2", "waktu_lapor": "2025-12-27 16:45:05", "pelapor": {}, "deskripsi": "Rusak"},
{"id": "x/3", "waktu_lapor": "2025-12-27 16:45:05", "pelapor": {"nama": "J"}, "deskripsi": "R"},
{"id": "x4", "waktu_lapor": "2025-12-27 16:45:05", "pelapor": {"nama": "J"}, "status": "HILANG",
 "deskripsi": "R"},
{"id": "x5", "waktu_lapor": "2025-12-27 16:45:05", "pelapor": {"nama": "J"}, "deskripsi": "R",
 "status": "DITOLAK", "waktu_update": "besok"},
"just text"
]"""
    seed = read_seed_file(text, JAKARTA)
    assert [r.legacy_id for r in seed.records] == ["x1", "x5"]
    first = seed.records[0]
    assert first.description == "Gatau" and first.status == Status.RESOLVED
    assert first.created_at == datetime(2025, 12, 27, 9, 45, 5, tzinfo=UTC)
    assert first.processed_at == datetime(2025, 12, 27, 9, 45, 10, tzinfo=UTC)
    assert first.updated_at == datetime(2025, 12, 27, 9, 45, 24, tzinfo=UTC)
    assert seed.records[1].status == Status.REJECTED and seed.records[1].updated_at is None
    assert seed.problems == [
        "line 5: pelapor.nama is missing or empty; not imported",
        "line 6: id is missing or not a short id (letters, digits, - and _, at most 64); not imported",
        "line 7: status 'HILANG' is none of PENDING, DIPROSES_TEKNISI, SELESAI, DITOLAK; not imported",
        "line 11: not a record (an object with id, waktu_lapor, pelapor, …); not imported",
    ]
    assert seed.warnings == ["line 9: waktu_update 'besok' is not a time; left out of the timeline"]
