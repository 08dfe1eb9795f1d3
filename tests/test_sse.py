"""Server-Sent Events over a real socket: every change, in order, resumable by id."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.factories import StaffUser, both_backends, report_fields
from tests.live import live_api


class EventReader:
    """Reads SSE frames from one streaming response, across several calls."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def read(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        return await read_events(self.lines, count, timeout)


async def read_events(lines: Any, count: int, timeout: float = 20) -> list[dict[str, Any]]:
    """Parse SSE frames until ``count`` events arrived."""
    if isinstance(lines, httpx.Response):
        lines = lines.aiter_lines()
    events: list[dict[str, Any]] = []
    frame: dict[str, Any] = {}

    async def collect() -> None:
        async for line in lines:
            if line == "":
                if "data" in frame:
                    events.append(dict(frame))
                    if len(events) == count:
                        return
                frame.clear()
            elif not line.startswith(":"):
                field, _, value = line.partition(": ")
                frame[field] = json.loads(value) if field == "data" else value

    await asyncio.wait_for(collect(), timeout)
    return events


@both_backends
async def test_sse_client_sees_every_change_in_order_and_resumes(
    env_for: Callable[..., dict[str, str]], drain: Callable[..., Any], technician: StaffUser
) -> None:
    with live_api(env_for()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            accepted = (await http.post("/api/reports", data=report_fields())).json()
            reporter = {"token": accepted["tracking_token"]}  # the reporter hears who changed it
            async with http.stream("GET", accepted["links"]["events"], params=reporter) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                reader = EventReader(stream)
                first = await reader.read(1)
                assert first[0]["event"] == "status" and first[0]["data"]["status"] == "queued"
                await drain()
                for status in ("in_progress", "resolved"):
                    await http.patch(
                        f"/api/reports/{accepted['id']}", json={"status": status}, headers=technician.headers
                    )
                    await drain()
                changes = await reader.read(3)
            assert [(e["event"], e["data"]["status"]) for e in changes] == [
                ("status", "pending"),
                ("status", "in_progress"),
                ("status", "resolved"),
            ]
            assert all(e["data"]["id"] == accepted["id"] for e in changes)
            assert changes[2]["data"]["by"] == "Tek"
            assert len({e["data"]["event_id"] for e in changes}) == 3  # lets a client drop repeats

            # A browser that saw only the first change reconnects with Last-Event-ID: it gets the rest.
            headers = {"Last-Event-ID": changes[0]["id"]}
            async with http.stream(
                "GET", accepted["links"]["events"], headers=headers, params=reporter
            ) as resumed:
                rest = await read_events(resumed, 2)
            assert [e["id"] for e in rest] == [changes[1]["id"], changes[2]["id"]]

            # Without a cursor, a late visitor starts from the current state.
            async with http.stream("GET", accepted["links"]["events"]) as late:
                (snapshot,) = await read_events(late, 1)
            assert snapshot["data"]["status"] == "resolved"
            assert "T" in snapshot["data"]["at"]  # ISO 8601, like every other timestamp
            assert snapshot["id"] == changes[2]["id"]


async def test_staff_stream_needs_staff_and_carries_all_reports(
    env_for: Callable[..., dict[str, str]], drain: Callable[..., Any], technician: StaffUser
) -> None:
    with live_api(env_for()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            assert (await http.get("/api/events")).status_code == 401
            async with http.stream("GET", "/api/events", headers=technician.headers) as stream:
                await http.post("/api/reports", json=report_fields(location="Gedung B"))
                await http.post("/api/reports", json=report_fields(location="Gedung C"))
                await drain()
                events = await read_events(stream, 2)
            assert {e["data"]["status"] for e in events} == {"pending"}
            assert len({e["data"]["id"] for e in events}) == 2


async def test_events_of_unknown_report_and_bad_cursor(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/reports/6f1d2c3b-0000-4000-8000-000000000000/events")).status_code == 404
    report_id = (await client.post("/api/reports", json=report_fields())).json()["id"]
    bad = await client.get(f"/api/reports/{report_id}/events", headers={"Last-Event-ID": "yesterday"})
    assert bad.status_code == 422


async def test_each_listener_hears_its_audience_live_and_on_resume(
    env_for: Callable[..., dict[str, str]],
    drain: Callable[..., Any],
    technician: StaffUser,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Public events as their public projection to anyone; comments and notes with the report's
    tracking token only; assignments to staff only: live, and the same on a resume by id."""
    with live_api(env_for()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            accepted = (await http.post("/api/reports", json=report_fields())).json()
            await drain()
            url = accepted["links"]["events"]
            listeners = {
                "anonymous": {},
                "wrong token": {"params": {"token": "LSW_not-the-token"}},
                "reporter": {"params": {"token": accepted["tracking_token"]}},
                "reporter (header)": {"headers": {"X-Tracking-Token": accepted["tracking_token"]}},
                "staff": {"headers": technician.headers},
            }
            async with contextlib.AsyncExitStack() as stack:
                readers = {}
                for name, options in listeners.items():
                    stream = await stack.enter_async_context(http.stream("GET", url, **options))
                    readers[name] = EventReader(stream)
                    (snapshot,) = await readers[name].read(1)  # subscribed: nothing can be missed
                    assert snapshot["data"]["status"] == "pending"
                    assert snapshot["data"]["visibility"] == "public"
                staff_change = {"assignee": "tek", "status": "in_progress", "note": "Teknisi menuju lokasi"}
                report_url = f"/api/reports/{accepted['id']}"
                await http.patch(report_url, json=staff_change, headers=technician.headers)
                await http.post(
                    f"{report_url}/comments", json={"body": "Perlu suku cadang"}, headers=technician.headers
                )
                await http.patch(report_url, json={"status": "resolved"}, headers=technician.headers)
                await drain()
                heard = {
                    "anonymous": await readers["anonymous"].read(2),
                    "wrong token": await readers["wrong token"].read(2),
                    "reporter": await readers["reporter"].read(3),
                    "reporter (header)": await readers["reporter (header)"].read(3),
                    "staff": await readers["staff"].read(4),
                }
            resume_from = snapshot["id"]  # the report's creation, the newest event when it was taken
            for name, options in listeners.items():
                headers = {**options.get("headers", {}), "Last-Event-ID": resume_from}
                params = options.get("params", {})
                async with http.stream("GET", url, headers=headers, params=params) as resumed:
                    replayed = await read_events(resumed, len(heard[name]))
                assert [e["data"] for e in replayed] == [e["data"] for e in heard[name]], name

    def kinds(events: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str | None]]:
        return [(e["event"], e["data"]["visibility"], e["data"]["note"], e["data"]["by"]) for e in events]

    public = [("status", "public", None, None), ("status", "public", None, None)]
    assert kinds(heard["anonymous"]) == kinds(heard["wrong token"]) == public
    reporter = [
        ("status", "public", "Teknisi menuju lokasi", "Tek"),
        ("comment", "reporter", "Perlu suku cadang", "Tek"),
        ("status", "public", None, "Tek"),
    ]
    assert kinds(heard["reporter"]) == kinds(heard["reporter (header)"]) == reporter
    assert kinds(heard["staff"]) == [("assignment", "staff", "Tek", "Tek"), *reporter]
    out, err = capfd.readouterr()
    assert accepted["tracking_token"] not in out + err  # the token in the query is never logged


async def test_the_first_status_event_carries_the_public_view(
    env_for: Callable[..., dict[str, str]], drain: Callable[..., Any], technician: StaffUser
) -> None:
    with live_api(env_for()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            accepted = (await http.post("/api/reports", json=report_fields(title="AC bocor"))).json()
            await drain()
            # A public listener replaying the whole stream (a room page) learns of the new report.
            headers = {"Last-Event-ID": "0-0"}
            async with http.stream("GET", accepted["links"]["events"], headers=headers) as stream:
                (created,) = await read_events(stream, 1)
    report = created["data"]["report"]
    assert created["data"]["previous_status"] == "queued"
    assert report["id"] == accepted["id"] and report["title"] == "AC bocor"
    assert set(report) == {
        "id", "title", "category", "location", "room", "status", "priority", "created_at", "updated_at",
        "photo_status", "me_too",
    }  # fmt: skip
