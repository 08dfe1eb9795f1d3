"""The key that signs staff tokens and CSRF tokens when ``LAPOR_SECRET_KEY`` is not set.

It is generated once into the data dir, like the VAPID key: every API process, worker and CLI
command on this host reads the same file, and two processes starting together agree on one
(the file is created under another name and linked into place, which fails if it exists).
A published default would let anyone forge a staff token; a generated one is known to nobody.
Never logged.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import secrets
import tempfile
from collections import Counter
from pathlib import Path

log = logging.getLogger("lapor.auth")

MIN_LENGTH = 32
MIN_DISTINCT = 8
MIN_ENTROPY_BITS = 96


class SecretKeyError(ValueError):
    """The stored key file cannot be used; the message says which file and how to fix it."""


def weakness(key: str) -> str | None:
    """Why this key is too easy to guess, or None: short, few distinct characters, a repeated
    pattern ("abcabc…"), or little entropy by character frequency (a rough but cheap upper bound)."""
    if len(key) < MIN_LENGTH:
        return f"it must be at least {MIN_LENGTH} characters"
    if len(set(key)) < MIN_DISTINCT:
        return f"it must use at least {MIN_DISTINCT} different characters"
    if (key + key).find(key, 1) < len(key):
        return "it must not be a short pattern repeated"
    counts = Counter(key).values()
    bits = -sum(n * math.log2(n / len(key)) for n in counts)
    if bits < MIN_ENTROPY_BITS:
        return "it is too predictable (too many repeated characters)"
    return None


def load_or_create(path: Path) -> str:
    """The key stored at ``path``; created (0600) if there is none yet."""
    created = False
    if not path.exists():
        created = _create(path)
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretKeyError(f"{path} cannot be read ({exc}); fix it or remove it to make a new key") from exc
    if weakness(key) is not None:
        raise SecretKeyError(f"{path} does not hold a usable secret key; remove it to make a new one")
    if created:
        log.warning(
            "LAPOR_SECRET_KEY is not set: generated a secret key in %s (every API and worker "
            "process must share it; set LAPOR_SECRET_KEY in production)",
            path,
        )
    else:
        log.info("LAPOR_SECRET_KEY is not set: using the secret key in %s", path)
    return key


def _create(path: Path) -> bool:
    """Write a new key to ``path`` unless another process got there first; True if ours won."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-key-")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)  # mkstemp makes it 0600 already; said again for the reader
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
