"""Where a push may go: public ``https://`` push services only.

A push subscription is a URL the browser hands us and the server later calls. Unchecked, it would
let anyone make the server send requests into the campus network (SSRF). So: https only, on the
default port, and the host must resolve to public addresses only. The check runs twice: when a
subscription arrives (a clear 422 for the obvious cases) and when the connection is made (the
resolver below), so a name that later resolves to a private address is refused too.

It also refuses what the sender cannot sign for: the VAPID ``aud`` claim is the endpoint's origin,
built by ``audience`` for both the check and the sender, and py_vapid signs only an origin of the
form ``https://host[:digits]`` (no IPv6 literal, no empty port).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

MAX_ENDPOINT_LENGTH = 1000

# The pattern py_vapid's Vapid01._base_sign demands of ``aud`` (py_vapid 1.9), or it raises
# VapidException: checked here so that what the API accepts is exactly what the sender can sign.
_SIGNABLE_AUDIENCE = re.compile(r"https?://[^/:]+(:\d+)?", re.IGNORECASE)


class UnsafeEndpoint(ValueError):
    """The endpoint is not a public https:// push service; ``code`` is a message key."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_endpoint(url: str, *, allow_insecure: bool) -> str:
    """The endpoint if a push may be sent there; raises ``UnsafeEndpoint`` otherwise."""
    if len(url) > MAX_ENDPOINT_LENGTH or any(c.isspace() for c in url):
        raise UnsafeEndpoint("push.endpoint_invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeEndpoint("push.endpoint_invalid") from exc
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise UnsafeEndpoint("push.endpoint_invalid")
    if allow_insecure:
        if parts.scheme not in ("https", "http"):
            raise UnsafeEndpoint("push.endpoint_not_https")
        audience(url)
        return url
    if parts.scheme != "https":
        raise UnsafeEndpoint("push.endpoint_not_https")
    if port not in (None, 443):
        raise UnsafeEndpoint("push.endpoint_not_public")
    host = parts.hostname
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise UnsafeEndpoint("push.endpoint_not_public")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None  # a name: its addresses are checked when the connection is made
    if address is not None and not is_public(address):
        raise UnsafeEndpoint("push.endpoint_not_public")
    audience(url)  # last: an internal address is refused as such, whatever its form
    return url


def audience(url: str) -> str:
    """The VAPID ``aud`` claim for a push to ``url`` (its origin); raises ``UnsafeEndpoint`` when
    py_vapid could not sign it (an IPv6 literal such as ``https://[2001:db8::1]/x``, an empty port
    such as ``https://host:/x``)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if not _SIGNABLE_AUDIENCE.fullmatch(origin):
        raise UnsafeEndpoint("push.endpoint_unsendable")
    return origin


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for a globally routable unicast address (an IPv4-mapped IPv6 address by its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class PublicOnlyResolver(AbstractResolver):
    """Resolves like aiohttp's default resolver, then drops every non-public address; with none
    left the connection fails. The connection uses the addresses checked here (no second lookup
    that a hostile DNS server could answer differently)."""

    def __init__(self) -> None:
        self._resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results: list[ResolveResult] = await self._resolver.resolve(host, port, family)
        public = [r for r in results if is_public(ipaddress.ip_address(r["host"]))]
        if not public:
            raise OSError(f"push endpoint host {host!r} has no public address")
        return public

    async def close(self) -> None:
        await self._resolver.close()
