"""The built package, installed the way an operator installs it, serves its pages.

An editable install (`make install-dev`) reads templates and static files from the source tree, so
every other test passes even when the wheel lacks them. Here the sdist is built, the wheel is built
from it, and both are installed with the locked dependencies into a fresh venv outside the source
tree; `lapor db upgrade` and `lapor api` then run from that venv.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from uv import find_uv_bin

from tests.live import free_port, stop

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path = ROOT) -> None:
    subprocess.run([str(a) for a in args], cwd=cwd, check=True, capture_output=True, timeout=300)


def _clean_copy(target: Path) -> Path:
    """The files a fresh clone would have (with today's edits), without build leftovers.

    setuptools reuses an existing ``*.egg-info/SOURCES.txt`` (which the editable install writes, and
    which lists every file of the source tree), so a build in the work tree passes when a build in a
    fresh clone does not.
    """
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _install_wheel(tmp_path: Path) -> Path:
    """A fresh venv holding the built wheel and the locked run-time dependencies; its bin/ folder."""
    uv = find_uv_bin()
    source = _clean_copy(tmp_path / "source")
    dist = tmp_path / "dist"
    # Without --wheel, uv builds the sdist first and the wheel from it: both must carry the pages.
    _run(uv, "build", "--quiet", "--out-dir", dist, source)
    (wheel,) = dist.glob("lapor-*.whl")
    requirements = tmp_path / "requirements.txt"
    _run(
        uv,
        "export",
        "--quiet",
        "--frozen",
        "--no-emit-project",
        "--no-hashes",
        "-o",
        requirements,
        cwd=source,
    )
    venv = tmp_path / "venv"
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    _run(uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", "-r", requirements, wheel)
    return venv / "bin"


def _wait_until_serving(process: subprocess.Popen[bytes], port: int) -> str:
    """The base URL once /healthz answers; fails if the process exits or a minute goes by."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("lapor api from the wheel did not start")
        time.sleep(0.1)


def test_the_installed_wheel_serves_the_form_and_its_stylesheet(
    tmp_path: Path, env_for: Callable[..., dict[str, str]]
) -> None:
    bin_dir = _install_wheel(tmp_path)
    # Run from an empty folder so that nothing can be read from the source tree by accident.
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    data_dir = tmp_path / "data"
    env = env_for(LAPOR_DATA_DIR=str(data_dir), LAPOR_DATABASE_URL=f"sqlite+aiosqlite:///{data_dir}/lapor.db")
    data_dir.mkdir()
    subprocess.run([bin_dir / "lapor", "db", "upgrade"], cwd=workdir, env=env, check=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [bin_dir / "lapor", "api", "--workers", "1", "--port", str(port)], cwd=workdir, env=env
    )
    try:
        base = _wait_until_serving(process, port)
        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200
        assert 'href="/static/css/app.css' in page.text
        stylesheet = httpx.get(f"{base}/static/css/app.css", timeout=10)
        assert stylesheet.status_code == 200
        assert stylesheet.headers["content-type"].startswith("text/css")
        assert (ROOT / "src/lapor/web/static/css/app.css").read_bytes() == stylesheet.content
    finally:
        stop(process)
