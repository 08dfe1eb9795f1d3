"""Events carry their audience: the one table and the one projection, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lapor.domain.enums import Role, Status
from lapor.domain.events import ReportEvent, can_see, for_audience, visibility_of


def event(event_type: str, **fields: object) -> ReportEvent:
    values: dict[str, object] = {
        "event_id": "c:0",
        "type": event_type,
        "report_id": "r",
        "at": datetime(2026, 12, 2, tzinfo=UTC),
        "status": Status.IN_PROGRESS,
        "note": "Teknisi menuju lokasi",
        "by": "Tek",
        **fields,
    }
    return ReportEvent.model_validate(values)


@pytest.mark.parametrize(
    ("event_type", "role", "expected"),
    [
        ("status", Role.TECHNICIAN, "public"),
        ("priority", Role.ADMIN, "public"),
        ("comment", Role.TECHNICIAN, "reporter"),
        ("photo", Role.SYSTEM, "reporter"),
        ("assignment", Role.ADMIN, "staff"),
        ("refused", Role.REPORTER, "reporter"),  # the reporter's own reopen, refused
        ("refused", Role.TECHNICIAN, "staff"),
        ("something_new", Role.ADMIN, "staff"),  # never public by accident
    ],
)
def test_each_event_type_has_its_audience(event_type: str, role: Role, expected: str) -> None:
    assert visibility_of(event_type, role) == expected


def test_a_public_listener_gets_the_public_projection() -> None:
    status = event("status", visibility="public")
    public = for_audience(status, "public")
    assert public is not None and (public.note, public.by) == (None, None)
    assert public.status == Status.IN_PROGRESS
    assert for_audience(status, "reporter") == status == for_audience(status, "staff")


def test_private_events_reach_only_their_audiences() -> None:
    comment = event("comment", visibility="reporter")
    assignment = event("assignment", visibility="staff")
    assert for_audience(comment, "public") is None
    assert for_audience(comment, "reporter") == comment
    assert for_audience(assignment, "reporter") is None
    assert for_audience(assignment, "staff") == assignment
    assert not can_see("reporter", "staff") and can_see("staff", "reporter")


def test_an_event_stored_before_visibility_existed_gets_it_from_its_type() -> None:
    assert event("comment").visibility == "reporter"
    assert event("refused").visibility == "staff"  # its requester is unknown: the safe audience


def test_an_unlisted_event_reaches_no_public_listener_but_the_hidden_event_does() -> None:
    from datetime import UTC, datetime

    from lapor.domain.enums import Status
    from lapor.domain.events import ReportEvent, for_audience

    def event(kind: str) -> ReportEvent:
        return ReportEvent.model_validate(
            {
                "event_id": f"c:{kind}",
                "type": kind,
                "report_id": "r",
                "at": datetime.now(UTC),
                "status": Status.PENDING,
                "visibility": "public",
                "unlisted": True,
            }
        )

    for kind in ("status", "priority", "merged", "shown", "me_too"):
        assert for_audience(event(kind), "public") is None
        assert for_audience(event(kind), "reporter") is not None
        assert for_audience(event(kind), "staff") is not None
    assert for_audience(event("hidden"), "public") is not None
