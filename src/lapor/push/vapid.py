"""The server's VAPID key pair: from ``LAPOR_VAPID_PRIVATE_KEY``, or generated once in the data dir.

Browsers bind a push subscription to the public key they were given, so the key must stay the
same across restarts and be the same for every API and worker process. Never logged.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02, b64urlencode

from lapor.config import Settings


class VapidKeyError(ValueError):
    """The configured or stored VAPID key cannot be used; the message says which and how to fix it."""


def load_vapid(settings: Settings) -> Vapid02:
    """The VAPID signer; a missing key file is created (atomically: two processes agree on one)."""
    configured = settings.vapid_private_key.get_secret_value().strip()
    if configured:
        try:
            if configured.startswith("-----BEGIN"):
                return Vapid02.from_pem(configured.encode())
            return Vapid02.from_string(configured)
        except Exception as exc:  # py_vapid raises whatever the decoder raised
            raise VapidKeyError(
                "LAPOR_VAPID_PRIVATE_KEY is not a P-256 private key (PEM, or base64url of the raw "
                "32 bytes or DER); see docs/operations.md#web-push-vapid"
            ) from exc
    path = settings.vapid_key_file
    if not path.exists():
        _create_key_file(path)
    try:
        return Vapid02.from_pem(path.read_bytes())
    except Exception as exc:
        raise VapidKeyError(f"{path} is not a VAPID private key; remove it to make a new one") from exc


def public_key(vapid: Vapid02) -> str:
    """The ``applicationServerKey`` a browser subscribes with: the raw P-256 point, base64url."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    encoded: str = b64urlencode(raw)
    return encoded


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid02()
    vapid.generate_keys()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(vapid.private_pem())
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        # link() fails if another process created the file first: theirs wins, ours is dropped.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
