"""Sending one Web Push: encrypt (RFC 8291, aes128gcm), sign (VAPID, RFC 8292), POST, classify."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

from lapor.config import Settings
from lapor.push.safety import PublicOnlyResolver, UnsafeEndpoint, audience, check_endpoint

_JWT_LIFETIME_SECONDS = 12 * 3600  # RFC 8292: at most 24 h
Outcome = Literal["sent", "gone", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where one push goes: a stored subscription."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome  # sent; gone (404/410: forget it); retry (429, 5xx, network); failed (other)
    status: int | None = None
    retry_after: float | None = None
    detail: str = ""


class PushSender:
    """One HTTP client for all pushes of a process; close it with ``aclose``."""

    def __init__(self, settings: Settings, vapid: Vapid02) -> None:
        self._settings = settings
        self._vapid = vapid
        resolver = None if settings.push_allow_insecure else PublicOnlyResolver()
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=resolver, limit=50),
            timeout=aiohttp.ClientTimeout(total=settings.push_timeout_seconds),
        )

    async def aclose(self) -> None:
        await self._session.close()

    async def send(self, target: Target, payload: dict[str, Any], *, urgency: str = "normal") -> Result:
        try:
            check_endpoint(target.endpoint, allow_insecure=self._settings.push_allow_insecure)
            body, headers = self._prepare(target, payload, urgency)
        except UnsafeEndpoint as exc:
            return Result("failed", detail=exc.code)
        except (WebPushException, ValueError) as exc:  # keys that are not base64url P-256 / 16 bytes
            return Result("gone", detail=f"unusable subscription keys: {exc}")
        try:
            # No redirects: they would lead the server somewhere the endpoint check never saw.
            async with self._session.post(
                target.endpoint, data=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
                detail = "" if status < 300 else (await response.text())[:300]
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Result("retry", detail=f"{type(exc).__name__}: {exc}")
        if status in (200, 201, 202):
            return Result("sent", status=status)
        if status in (404, 410):
            return Result("gone", status=status)
        if status == 429 or status >= 500:
            return Result("retry", status=status, retry_after=retry_after, detail=detail)
        return Result("failed", status=status, detail=detail)

    def _prepare(self, target: Target, payload: dict[str, Any], urgency: str) -> tuple[bytes, dict[str, str]]:
        """The encrypted body (pywebpush: aes128gcm, RFC 8188/8291) and the request headers."""
        pusher = WebPusher(
            {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
        )
        encoded = pusher.encode(json.dumps(payload, ensure_ascii=False).encode(), "aes128gcm")
        claims = {
            "sub": self._settings.vapid_subject,
            "aud": audience(target.endpoint),  # the same origin the endpoint check accepted
            "exp": int(time.time()) + _JWT_LIFETIME_SECONDS,
        }
        headers: dict[str, str] = {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(self._settings.push_ttl_seconds),
            "Urgency": urgency,
            **self._vapid.sign(claims),
        }
        body: bytes = encoded["body"]
        return body, headers


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
