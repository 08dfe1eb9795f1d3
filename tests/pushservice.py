"""A fake Web Push service on loopback, for end-to-end tests without the internet.

This is a test double of a push service (the FCM / Mozilla autopush / Apple end of a browser's
PushSubscription). It listens on 127.0.0.1 in a background thread and checks every POST the way a
strict real service would:

* VAPID per RFC 8292: ``Authorization: vapid t=<JWT>, k=<public key>`` (the older
  ``WebPush <JWT>`` + ``Crypto-Key: p256ecdsa=<key>`` form is accepted too); the JWT must be ES256
  and its signature must verify with ``k``; ``aud`` must be the endpoint's origin, ``exp`` in the
  future and at most 24 h ahead, ``sub`` a ``mailto:`` or ``https://`` URI; when
  ``expected_vapid_key`` is set, ``k`` must equal it.
* ``TTL`` present and a non-negative integer; ``Urgency`` and ``Topic`` well formed if present.
* ``Content-Encoding: aes128gcm`` and a body that decrypts (RFC 8291) with the keys of the
  simulated :class:`Browser` registered for the endpoint.

So a test proves what a browser would actually receive, not just that a request went out::

    with PushService() as service:
        browser = Browser()
        service.register("a", browser)
        subscription = browser.subscription(service.endpoint("a"))
        ...  # the app sends to `subscription`
        [delivery] = service.wait_for_deliveries(1)
        assert delivery.json()["title"] == "..."

A failing check answers 400 (401 for a missing or invalid VAPID token, 403 for a VAPID key other
than ``expected_vapid_key``, 404 for an endpoint with no registered browser) and is recorded in
``rejected`` with the reason. A request that passes every check gets the next scripted status
(:meth:`PushService.script`, e.g. 410 Gone or 429 with ``Retry-After``), or 201 Created with a
``Location`` header when nothing is scripted; a 2xx answer records a :class:`Delivery`. Every
request, whatever its fate, is in ``attempts``. :meth:`PushService.stop` and
:meth:`PushService.start` take the service down and bring it back on the same port.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import http_ece  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

__all__ = ["Attempt", "Browser", "Delivery", "PushService", "Rejected", "b64url_decode", "b64url_encode"]

MAX_EXP_AHEAD = 24 * 60 * 60  # RFC 8292 section 2: exp no more than 24 hours from the request
EXP_LEEWAY = 5  # seconds of slack on the 24 h bound, for senders that round exp up
URGENCIES = frozenset({"very-low", "low", "normal", "high"})  # RFC 8030 section 5.3
TOPIC_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 section 5.4


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as browsers and VAPID use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on bad input."""
    text = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", text):
        raise ValueError(f"not base64url: {text[:40]!r}")
    text = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(f"not base64url: {exc}") from exc


class Browser:
    """A simulated push subscriber: a P-256 key pair and a 16-byte auth secret (RFC 8291)."""

    def __init__(self) -> None:
        self.private_key: ec.EllipticCurvePrivateKey = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret: bytes = os.urandom(16)

    @property
    def p256dh(self) -> str:
        """The public key as in PushSubscription.toJSON(): base64url of the uncompressed point."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url_encode(point)

    @property
    def auth(self) -> str:
        return b64url_encode(self.auth_secret)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """What a browser's PushSubscription.toJSON() gives for this endpoint."""
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body: bytes) -> bytes:
        """Decrypt an aes128gcm message body (RFC 8188 / RFC 8291) as the browser would."""
        plain: bytes = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return plain


@dataclass(frozen=True)
class Delivery:
    """A push message that passed every check and was answered with a 2xx status."""

    name: str
    headers: dict[str, str]  # lower-case keys
    claims: dict[str, Any]  # the verified VAPID JWT claims
    payload: bytes  # decrypted
    status: int = 201
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.payload)

    @property
    def ttl(self) -> int:
        return int(self.headers["ttl"])


@dataclass(frozen=True)
class Rejected:
    """A request that failed a check, with the status answered and why."""

    name: str
    status: int
    reason: str
    headers: dict[str, str]  # lower-case keys
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Attempt:
    """Any request the service answered. ``outcome`` is "delivered", "rejected" or "scripted"."""

    name: str
    status: int
    outcome: str
    reason: str
    headers: dict[str, str]  # lower-case keys
    at: float = field(default_factory=time.time)


class _Reject(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class _Script:
    statuses: deque[int]
    retry_after: int | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: PushService) -> None:
        super().__init__(address, _Handler)
        self.service = service


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers after stop()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; everything is in PushService.attempts

    def do_POST(self) -> None:
        self.server.service._handle(self)

    def _not_allowed(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "only POST"}, {"Allow": "POST"})

    do_GET = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client went away; nothing to tell it


class PushService:
    """A Web Push service on 127.0.0.1 in a background thread; a context manager.

    ``endpoint(name)`` gives a push endpoint; ``register(name, browser)`` says which browser owns it.
    Records (``delivered``, ``rejected``, ``attempts``) are lists appended under a lock; read them
    directly or take a consistent copy with :meth:`snapshot`.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._port = port
        self.expected_vapid_key: str | None = None
        self.delivered: list[Delivery] = []
        self.rejected: list[Rejected] = []
        self.attempts: list[Attempt] = []
        self._browsers: dict[str, Browser] = {}
        self._scripts: dict[str, _Script] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen (again): the first start picks a free port, later starts reuse that port."""
        if self._server is not None:
            return self
        server = _Server((self.host, self._port), self)
        self._port = server.server_address[1]
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-push-service", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Close the listening socket: connections are refused until :meth:`start`."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses and set-up ----------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("PushService has no port yet: call start() (or use it as a context manager)")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def endpoint(self, name: str) -> str:
        return f"{self.base_url}/push/{name}"

    def register(self, name: str, browser: Browser) -> None:
        with self._lock:
            self._browsers[name] = browser

    def unregister(self, name: str) -> None:
        """Forget the browser: later requests to the endpoint get 404 (rejected)."""
        with self._lock:
            self._browsers.pop(name, None)

    def script(self, name: str, *statuses: int, retry_after: int | None = None) -> None:
        """The next answers to valid requests for ``name``, in order; then 201 again.

        Replaces what was left of an earlier script for ``name``.

        Requests that fail a check are rejected without using up the script. ``retry_after`` is
        sent as ``Retry-After`` with every scripted 429 and 503.
        """
        with self._lock:
            self._scripts[name] = _Script(deque(statuses), retry_after)

    def clear(self) -> None:
        """Forget all records and scripts (registrations and the expected key stay)."""
        with self._lock:
            self.delivered.clear()
            self.rejected.clear()
            self.attempts.clear()
            self._scripts.clear()

    def snapshot(self) -> tuple[list[Delivery], list[Rejected], list[Attempt]]:
        with self._lock:
            return list(self.delivered), list(self.rejected), list(self.attempts)

    def deliveries(self, name: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.delivered if d.name == name]

    # --- waiting -----------------------------------------------------------------------------

    def wait_for_deliveries(self, count: int, timeout: float = 10) -> list[Delivery]:
        """Poll until at least ``count`` deliveries; return them all, or fail saying what came."""
        deadline = time.monotonic() + timeout
        while True:
            delivered = self._enough(count)
            if delivered is not None:
                return delivered
            if time.monotonic() >= deadline:
                raise AssertionError(self._describe_shortfall(count, timeout))
            time.sleep(0.02)

    async def async_wait_for_deliveries(self, count: int, timeout: float = 10) -> list[Delivery]:
        """Like :meth:`wait_for_deliveries`, sleeping with asyncio so the event loop keeps going."""
        deadline = time.monotonic() + timeout
        while True:
            delivered = self._enough(count)
            if delivered is not None:
                return delivered
            if time.monotonic() >= deadline:
                raise AssertionError(self._describe_shortfall(count, timeout))
            await asyncio.sleep(0.02)

    def _enough(self, count: int) -> list[Delivery] | None:
        with self._lock:
            return list(self.delivered) if len(self.delivered) >= count else None

    def _describe_shortfall(self, count: int, timeout: float) -> str:
        delivered, rejected, attempts = self.snapshot()
        lines = [f"expected {count} push deliveries within {timeout}s, got {len(delivered)}"]
        lines.append(f"attempts ({len(attempts)}):")
        lines += [f"  {a.name}: {a.status} {a.outcome} {a.reason}".rstrip() for a in attempts] or ["  none"]
        lines.append(f"rejected ({len(rejected)}):")
        lines += [f"  {r.name}: {r.status} {r.reason}" for r in rejected] or ["  none"]
        if not self.running:
            lines.append("(the service is stopped)")
        return "\n".join(lines)

    # --- the request path --------------------------------------------------------------------

    def _handle(self, request: _Handler) -> None:
        headers = {key.lower(): value for key, value in request.headers.items()}
        path = urlsplit(request.path).path
        name = path.removeprefix("/push/") if path.startswith("/push/") else ""
        try:
            body = request._read_body()
        except (OSError, ValueError) as exc:
            self._reject(request, name, headers, _Reject(400, f"unreadable body: {exc}"))
            return
        if not name or "/" in name:
            self._reject(request, name or path, headers, _Reject(404, f"no push endpoint at {path}"))
            return
        try:
            with self._lock:
                browser = self._browsers.get(name)
                expected_key = self.expected_vapid_key
            if browser is None:
                raise _Reject(404, f"unknown subscription {name!r} (no Browser registered for it)")
            claims = self._check_vapid(headers, expected_key)
            self._check_headers(headers)
            try:
                payload = browser.decrypt(body)
            except Exception as exc:
                raise _Reject(400, f"body does not decrypt with the browser's keys: {exc!r}") from exc
        except _Reject as rejection:
            self._reject(request, name, headers, rejection)
            return

        with self._lock:
            script = self._scripts.get(name)
            scripted = script is not None and bool(script.statuses)
            status = script.statuses.popleft() if script is not None and script.statuses else 201
            retry_after = script.retry_after if script is not None else None
            if 200 <= status < 300:
                self.delivered.append(Delivery(name, headers, claims, payload, status))
                outcome = "delivered"
            else:
                outcome = "scripted"
            reason = f"scripted {status}" if scripted else ""
            self.attempts.append(Attempt(name, status, outcome, reason, headers))

        extra: dict[str, str] = {}
        if 200 <= status < 300:
            extra["Location"] = f"{self.base_url}/message/{uuid.uuid4().hex}"
            request._send(status, {}, extra)
            return
        if status in (429, 503) and retry_after is not None:
            extra["Retry-After"] = str(retry_after)
        request._send(status, {"code": status, "error": HTTPStatus(status).phrase, "message": reason}, extra)

    def _reject(self, request: _Handler, name: str, headers: dict[str, str], rejection: _Reject) -> None:
        with self._lock:
            self.rejected.append(Rejected(name, rejection.status, rejection.reason, headers))
            self.attempts.append(Attempt(name, rejection.status, "rejected", rejection.reason, headers))
        request._send(
            rejection.status,
            {
                "code": rejection.status,
                "error": HTTPStatus(rejection.status).phrase,
                "message": rejection.reason,
            },
        )

    def _check_headers(self, headers: dict[str, str]) -> None:
        ttl = headers.get("ttl")
        if ttl is None:
            raise _Reject(400, "missing TTL header")
        if not re.fullmatch(r"[0-9]+", ttl.strip()):
            raise _Reject(400, f"TTL must be a non-negative integer, got {ttl!r}")
        urgency = headers.get("urgency")
        if urgency is not None and urgency.strip().lower() not in URGENCIES:
            raise _Reject(400, f"Urgency must be one of {sorted(URGENCIES)}, got {urgency!r}")
        topic = headers.get("topic")
        if topic is not None and not TOPIC_RE.fullmatch(topic.strip()):
            raise _Reject(400, f"Topic must be 1-32 base64url characters, got {topic!r}")
        encoding = headers.get("content-encoding")
        if encoding is None or encoding.strip().lower() != "aes128gcm":
            raise _Reject(400, f"Content-Encoding must be aes128gcm, got {encoding!r}")

    def _check_vapid(self, headers: dict[str, str], expected_key: str | None) -> dict[str, Any]:
        token, key = _parse_authorization(headers)
        if expected_key is not None and key.rstrip("=") != expected_key.rstrip("="):
            raise _Reject(403, f"VAPID key {key!r} is not the expected {expected_key!r}")
        try:
            point = b64url_decode(key)
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        except ValueError as exc:
            raise _Reject(401, f"VAPID k is not a P-256 public key: {exc}") from exc
        return _verify_jwt(token, public_key, audience=self.base_url)


def _parse_authorization(headers: dict[str, str]) -> tuple[str, str]:
    """(JWT, base64url public key) from ``vapid t=, k=`` or ``WebPush <jwt>`` + ``Crypto-Key``."""
    authorization = headers.get("authorization")
    if not authorization:
        raise _Reject(401, "missing Authorization header (VAPID, RFC 8292)")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "vapid":
        params: dict[str, str] = {}
        for part in rest.split(","):
            key, sep, value = part.strip().partition("=")
            if sep:
                params[key.strip().lower()] = value.strip().strip('"')
        if not params.get("t") or not params.get("k"):
            raise _Reject(401, f"Authorization vapid needs t= and k=, got {authorization!r}")
        return params["t"], params["k"]
    if scheme.lower() == "webpush":
        crypto_key = headers.get("crypto-key", "")
        for item in re.split(r"[;,]", crypto_key):
            key, _, value = item.strip().partition("=")
            if key.strip().lower() == "p256ecdsa" and value:
                return rest.strip(), value.strip().strip('"')
        raise _Reject(401, f"Authorization WebPush without Crypto-Key p256ecdsa=, got {crypto_key!r}")
    raise _Reject(401, f"Authorization scheme must be vapid, got {authorization[:40]!r}")


def _verify_jwt(token: str, public_key: ec.EllipticCurvePublicKey, audience: str) -> dict[str, Any]:
    """Verify an ES256 JWT and the VAPID claims; return the claims."""
    parts = token.split(".")
    if len(parts) != 3:
        raise _Reject(401, f"VAPID t is not a JWT (need 3 parts, got {len(parts)})")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _Reject(401, f"VAPID JWT is malformed: {exc}") from exc
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise _Reject(401, f"VAPID JWT alg must be ES256, header {header!r}")
    if "typ" in header and str(header["typ"]).upper() != "JWT":
        raise _Reject(401, f"VAPID JWT typ must be JWT, header {header!r}")
    if len(signature) != 64:
        raise _Reject(401, f"ES256 signature must be 64 bytes (r||s), got {len(signature)}")
    der = utils.encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise _Reject(401, "VAPID JWT signature does not verify with k") from exc
    if not isinstance(claims, dict):
        raise _Reject(401, f"VAPID JWT claims must be an object, got {claims!r}")
    if claims.get("aud") != audience:
        raise _Reject(401, f"VAPID aud must be the endpoint origin {audience!r}, got {claims.get('aud')!r}")
    exp = claims.get("exp")
    now = time.time()
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise _Reject(401, f"VAPID exp must be an integer, got {exp!r}")
    if exp <= now:
        raise _Reject(401, f"VAPID exp {exp} is in the past (now {int(now)})")
    if exp > now + MAX_EXP_AHEAD + EXP_LEEWAY:
        raise _Reject(401, f"VAPID exp {exp} is more than 24 h ahead (now {int(now)})")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https://")):
        raise _Reject(401, f"VAPID sub must be a mailto: or https: URI, got {sub!r}")
    return claims
