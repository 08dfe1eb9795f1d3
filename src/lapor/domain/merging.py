"""Whether a report may be merged into another: one pure rule for the API and the worker.

The API asks it before queueing a merge (an answer at once); the worker asks it again in the
transaction that applies it, since either report may have changed in between."""

from __future__ import annotations

from dataclasses import dataclass

from lapor.domain.enums import Status


@dataclass(frozen=True, slots=True)
class MergeSide:
    """What the rule needs to know of one report."""

    id: str
    status: Status
    duplicate_of: str | None = None


# A refusal's catalogue key and the HTTP status the API answers it with.
REFUSALS: dict[str, int] = {
    "merge.into_itself": 422,
    "merge.loop": 409,
    "merge.into_duplicate": 409,
    "merge.into_rejected": 409,
    "merge.source_closed": 409,
    "merge.not_stored": 409,
}


def merge_refusal(source: MergeSide, target: MergeSide) -> str | None:
    """Why ``source`` may not be merged into ``target`` (a key of ``REFUSALS``), or None.

    A merge into a resolved report is allowed: its followers learn that it is fixed already."""
    if source.id == target.id:
        return "merge.into_itself"
    if target.duplicate_of == source.id:
        return "merge.loop"
    if source.status in (Status.DUPLICATE, Status.REJECTED):
        return "merge.source_closed"
    if target.status == Status.DUPLICATE:
        return "merge.into_duplicate"
    if target.status == Status.REJECTED:
        return "merge.into_rejected"
    if Status.QUEUED in (source.status, target.status):
        return "merge.not_stored"
    return None
