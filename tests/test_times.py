"""Every time in every JSON answer and event is RFC 3339 in UTC with ``Z`` (one format)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from tests.factories import StaffUser, as_reporter, png_bytes, report_fields, submit
from tests.live import live_api
from tests.test_sse import read_events

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
TIME_KEYS = re.compile(r"^(at|waktu|.*_at)$")


def times(value: Any) -> Iterator[str]:
    """Every value under a time key (``at``, ``…_at``, ``waktu``), however deep."""
    if isinstance(value, dict):
        for key, item in value.items():
            if TIME_KEYS.match(key) and item is not None:
                yield item
            else:
                yield from times(item)
    elif isinstance(value, list):
        for item in value:
            yield from times(item)


def assert_rfc3339_z(answer: Any, *, at_least: int) -> None:
    found = list(times(answer))
    assert len(found) >= at_least, answer
    for value in found:
        assert isinstance(value, str) and RFC3339_Z.match(value), value


async def test_times_in_the_json_answers(
    client: httpx.AsyncClient, drain: Callable[..., Any], technician: StaffUser
) -> None:
    accepted = (await submit(client, photo=png_bytes())).json()
    url = accepted["links"]["self"]
    assert_rfc3339_z((await client.get(url, headers=as_reporter(accepted))).json(), at_least=3)  # queued
    seed = (
        await client.post("/api/lapor", data={"nama": "A", "lokasi": "B", "deskripsi": "Lampu padam."})
    ).json()
    await drain()
    await client.patch(url, json={"status": "in_progress", "note": "OK"}, headers=technician.headers)
    await drain()
    for headers in ({}, as_reporter(accepted), technician.headers):
        assert_rfc3339_z((await client.get(url, headers=headers)).json(), at_least=2)
        assert_rfc3339_z((await client.get("/api/reports", headers=headers)).json(), at_least=4)
    staff_view = (await client.get(url, headers=technician.headers)).json()
    assert_rfc3339_z(staff_view["timeline"], at_least=2)
    assert_rfc3339_z((await client.get(f"/api/lapor/{seed['id_laporan']}")).json(), at_least=1)
    all_seed = (await client.get("/api/semua_laporan", headers=technician.headers)).json()
    assert_rfc3339_z(all_seed, at_least=2)


async def test_times_in_events_and_the_snapshot(
    env_for: Callable[..., dict[str, str]], drain: Callable[..., Any], technician: StaffUser
) -> None:
    with live_api(env_for()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            accepted = (await http.post("/api/reports", json=report_fields())).json()
            await drain()
            await http.patch(
                accepted["links"]["self"], json={"status": "in_progress"}, headers=technician.headers
            )
            await drain()
            async with http.stream("GET", accepted["links"]["events"]) as stream:
                (snapshot,) = await read_events(stream, 1)
            async with http.stream(
                "GET", "/api/events?last_event_id=0-0", headers=technician.headers
            ) as stream:
                events = await read_events(stream, 2)
    assert_rfc3339_z(snapshot["data"], at_least=1)
    assert_rfc3339_z([e["data"] for e in events], at_least=4)  # each event's, and the new report's
