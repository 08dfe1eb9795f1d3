"""Where photo bytes live: raw uploads (API writes) and rendered photos (worker writes).

On one host this is the data dir; scaled out, the data dir is shared storage.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

_UPLOAD_SUFFIX = ".upload"


def save_upload(upload_dir: Path, data: bytes, *, fsync: bool = False) -> str:
    """Store raw bytes under a fresh random name; returns the name, never a client-given one.

    Written straight to its final name: nothing refers to the file until its command is in
    Redis, after this returns, so a half-written file (a crash mid-write) is only an orphan.
    ``fsync`` makes the bytes and the name survive a power loss before the 202 is sent, at the
    price of two disk flushes per report; it goes with LAPOR_REDIS_WAIT_AOF (the same guarantee
    for the command). Without it they survive any crash of the process, like Redis's everysec AOF.
    """
    name = secrets.token_hex(16) + _UPLOAD_SUFFIX
    try:
        _write_new(upload_dir / name, data, fsync=fsync)
    except FileNotFoundError:  # the directory went away (made at start-up): make it again
        upload_dir.mkdir(parents=True, exist_ok=True)
        _write_new(upload_dir / name, data, fsync=fsync)
    if fsync:
        directory = os.open(upload_dir, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return name


def _write_new(path: Path, data: bytes, *, fsync: bool) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())


def upload_path(upload_dir: Path, name: str) -> Path:
    """The path of a stored upload; refuses names we could not have made (no traversal)."""
    if not is_upload_name(name):
        raise ValueError(f"not an upload name: {name!r}")
    return upload_dir / name


def is_upload_name(name: str) -> bool:
    stem = name.removesuffix(_UPLOAD_SUFFIX)
    return name.endswith(_UPLOAD_SUFFIX) and len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)


def photo_name(secret_key: str, command_id: str) -> str:
    """An unguessable, deterministic name: re-processing a redelivered command rewrites the same files."""
    digest = hmac.new(secret_key.encode(), command_id.encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def display_path_name(name: str) -> str:
    return f"{name}.jpg"


def thumbnail_path_name(name: str) -> str:
    return f"{name}_thumb.jpg"


def display_path(photo_dir: Path, name: str) -> Path:
    return photo_dir / display_path_name(name)


def thumbnail_path(photo_dir: Path, name: str) -> Path:
    return photo_dir / thumbnail_path_name(name)


def is_photo_file_name(file_name: str) -> bool:
    """Whether ``file_name`` is one of the names ``display_path``/``thumbnail_path`` produce."""
    stem = file_name.removesuffix(".jpg").removesuffix("_thumb")
    return file_name.endswith(".jpg") and len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
