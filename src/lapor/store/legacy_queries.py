"""Reads for the original project's API and its import: old ids, kept reports' statuses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.store.models import LegacyReport, Report


async def report_id_of_alias(session: AsyncSession, *, legacy_id: str) -> str | None:
    """The report an old id of the original project was imported as."""
    found: str | None = await session.scalar(
        select(LegacyReport.report_id).where(LegacyReport.legacy_id == legacy_id)
    )
    return found


async def imported_aliases(session: AsyncSession, *, legacy_ids: set[str]) -> set[str]:
    """Which of these old ids are imported already."""
    if not legacy_ids:
        return set()
    rows = await session.scalars(select(LegacyReport.legacy_id).where(LegacyReport.legacy_id.in_(legacy_ids)))
    return set(rows)


async def statuses(session: AsyncSession, *, report_ids: set[str]) -> dict[str, str]:
    """The status of each of these reports (the kept reports of duplicates)."""
    if not report_ids:
        return {}
    rows = await session.execute(select(Report.id, Report.status).where(Report.id.in_(report_ids)))
    return {row.id: row.status for row in rows}
