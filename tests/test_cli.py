"""The ``lapor`` console script, run for real as subprocesses against this test's Redis and database."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from tests.factories import PASSWORD, report_fields, submit

_SCRIPT = Path(sys.executable).with_name("lapor")
LAPOR = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "lapor"]

EnvFor = Callable[..., dict[str, str]]


def lapor(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LAPOR, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid``, read from /proc (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def kill_if_ours(pid: int) -> None:
    """SIGKILL a leftover child of ``lapor up`` (checked by its command line, against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"lapor" in cmdline or b"redis-server" in cmdline:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A background process that is always stopped (and reaped) when the block ends."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


# ---------------------------------------------------------------------------------------------------
# lapor user add


async def test_user_add_creates_an_account_that_can_sign_in(
    client: httpx.AsyncClient, env_for: EnvFor
) -> None:
    env = env_for(LAPOR_PASSWORD=PASSWORD)
    created = lapor(env, "user", "add", "alice", "--role", "technician", "--name", "Alice")
    assert created.returncode == 0, created.stderr
    assert "alice" in created.stdout

    signed_in = await client.post("/api/auth/token", json={"username": "alice", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    me = (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me == {"username": "alice", "display_name": "Alice", "role": "technician"}

    again = lapor(env, "user", "add", "alice", "--role", "admin")
    assert again.returncode != 0
    message = again.stderr.strip()
    assert len(message.splitlines()) == 1, again.stderr
    assert "already exists" in message
    assert "Traceback" not in again.stderr + again.stdout
    # Nothing changed: still a technician.
    me = (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me["role"] == "technician"


async def test_user_add_update_changes_the_password(client: httpx.AsyncClient, env_for: EnvFor) -> None:
    assert (
        lapor(env_for(LAPOR_PASSWORD=PASSWORD), "user", "add", "bob", "--role", "technician").returncode == 0
    )
    new_password = "a different long passphrase"
    updated = lapor(env_for(LAPOR_PASSWORD=new_password), "user", "add", "bob", "--role", "admin", "--update")
    assert updated.returncode == 0, updated.stderr

    old = await client.post("/api/auth/token", json={"username": "bob", "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post("/api/auth/token", json={"username": "bob", "password": new_password})
    assert new.status_code == 200
    headers = {"Authorization": f"Bearer {new.json()['access_token']}"}
    assert (await client.get("/api/auth/me", headers=headers)).json()["role"] == "admin"


async def test_user_add_refuses_a_short_password(client: httpx.AsyncClient, env_for: EnvFor) -> None:
    result = lapor(env_for(LAPOR_PASSWORD="short"), "user", "add", "carol", "--role", "admin")
    assert result.returncode != 0
    assert "at least 10" in result.stderr
    assert "Traceback" not in result.stderr
    refused = await client.post("/api/auth/token", json={"username": "carol", "password": "short"})
    assert refused.status_code == 401


# ---------------------------------------------------------------------------------------------------
# lapor worker / worker --check


async def test_worker_check_sees_a_running_worker_and_warm_shutdown(
    client: httpx.AsyncClient, env_for: EnvFor, tmp_path: Path
) -> None:
    env = env_for()
    nobody = lapor(env, "worker", "--check")
    assert nobody.returncode == 1, nobody.stdout + nobody.stderr
    assert "no live worker" in nobody.stdout

    report_id = (await submit(client)).json()["id"]

    with running([*LAPOR, "worker"], env, tmp_path / "worker.log") as worker:
        assert wait_for(lambda: lapor(env, "worker", "--check").returncode == 0, timeout=10), (
            tmp_path / "worker.log"
        ).read_text()
        seen = lapor(env, "worker", "--check")
        assert seen.returncode == 0
        assert "live workers:" in seen.stdout

        # The worker really works: the queued report becomes pending.
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            status = (await client.get(f"/api/reports/{report_id}")).json()["status"]
            if status == "pending":
                break
            time.sleep(0.1)
        assert status == "pending"

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0, (tmp_path / "worker.log").read_text()

    # A stopped worker removes its heartbeat at once.
    after = lapor(env, "worker", "--check")
    assert after.returncode == 1


# ---------------------------------------------------------------------------------------------------
# lapor status / dlq list


async def test_status_prints_the_broker_counts(client: httpx.AsyncClient, env_for: EnvFor) -> None:
    assert (await submit(client)).status_code == 202
    result = lapor(env_for(), "status")
    assert result.returncode == 0, result.stderr
    counts = {
        name: int(value)
        for name, value in re.findall(
            r"^(waiting|pending|dead letters)\b[^:]*:\s*(\d+)\s*$", result.stdout, re.M
        )
    }
    assert counts == {"waiting": 1, "pending": 0, "dead letters": 0}, result.stdout
    assert re.search(r"^live workers:\s*0\s*$", result.stdout, re.M), result.stdout


async def test_dlq_list_on_an_empty_stream(redis: Redis, env_for: EnvFor) -> None:
    result = lapor(env_for(), "dlq", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no dead letters"


async def test_dlq_replay_of_an_unknown_id_fails_cleanly(redis: Redis, env_for: EnvFor) -> None:
    result = lapor(env_for(), "dlq", "replay", "1-1")
    assert result.returncode != 0
    assert "no dead letter 1-1" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------------------------
# lapor up


def up_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_")}
    env.update(LAPOR_ENV="test", LAPOR_DATA_DIR=str(tmp_path / "data"), LAPOR_WORKER_BLOCK_MS="100")
    env.update(extra)
    return env


def test_up_without_redis_server_explains_the_fix(tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    port = free_port()
    env = up_env(
        tmp_path,
        LAPOR_REDIS_URL=f"redis://127.0.0.1:{port}/0",
        LAPOR_PORT=str(free_port()),
        PATH=os.pathsep.join([str(empty_bin), str(Path(sys.executable).parent)]),
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "lapor", "up"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    assert time.monotonic() - started < 15
    assert result.returncode != 0
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert "redis-server" in lines[0]
    assert "LAPOR_REDIS_URL" in lines[0] or "install" in lines[0]
    assert not answers(port)


def test_up_stops_its_private_redis_when_the_database_fails(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis_port = free_port()
    env = up_env(
        tmp_path,
        LAPOR_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        LAPOR_PORT=str(free_port()),
        LAPOR_DATABASE_URL=f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/nothing",
    )
    log = tmp_path / "up.log"
    try:
        with running([*LAPOR, "up"], env, log) as up:
            assert up.wait(timeout=30) != 0
        output = log.read_text()
        assert "Traceback" not in output, output
        assert "LAPOR_DATABASE_URL" in output, output
        assert not answers(redis_port), "the private Redis was left running"
    finally:
        if answers(redis_port):
            leftover = SyncRedis(host="127.0.0.1", port=redis_port)
            with contextlib.suppress(Exception):
                leftover.shutdown(nosave=True)
            leftover.close()


@pytest.mark.timeout(90)
def test_up_starts_a_private_redis_and_stops_everything(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis_port, api_port = free_port(), free_port()
    while api_port == redis_port:
        api_port = free_port()
    assert not answers(redis_port)
    env = up_env(tmp_path, LAPOR_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", LAPOR_PORT=str(api_port))
    base = f"http://127.0.0.1:{api_port}"
    log = tmp_path / "up.log"

    children: set[int] = set()
    with log.open("wb") as out:
        up = subprocess.Popen([*LAPOR, "up"], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        try:

            def healthy() -> bool:
                children.update(children_of(up.pid))
                assert up.poll() is None, log.read_text()
                try:
                    return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False

            assert wait_for(healthy, timeout=30, interval=0.3), log.read_text()
            children.update(children_of(up.pid))
            assert answers(redis_port), "the private Redis listens on the configured port"

            fields: dict[str, Any] = report_fields()
            accepted = httpx.post(f"{base}/api/reports", json=fields, timeout=5)
            assert accepted.status_code == 202, accepted.text
            report_id = accepted.json()["id"]

            def applied() -> bool:
                view = httpx.get(f"{base}/api/reports/{report_id}", timeout=5)
                return view.status_code == 200 and view.json()["status"] == "pending"

            assert wait_for(applied, timeout=15), log.read_text()

            # The worker yields the cores to the API on a shared host; the API keeps its priority.
            niceness = {
                Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").strip(): os.getpriority(
                    os.PRIO_PROCESS, pid
                )
                for pid in children_of(up.pid)
                if Path(f"/proc/{pid}/cmdline").exists()
            }
            assert any(cmd.endswith("worker") and nice == 10 for cmd, nice in niceness.items()), niceness
            assert any(" lapor api " in f" {cmd} " and nice == 0 for cmd, nice in niceness.items()), niceness

            redis_dir = tmp_path / "data" / "redis"
            assert any(p.name.startswith("appendonly") for p in redis_dir.iterdir()), list(
                redis_dir.iterdir()
            )

            up.send_signal(signal.SIGINT)
            up.wait(timeout=20)
            assert not answers(redis_port), "the private Redis was stopped"
            assert not answers(api_port), "the API was stopped"
            assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), timeout=5)
            assert "stopped" in log.read_text()
        finally:
            if up.poll() is None:
                up.send_signal(signal.SIGINT)
                try:
                    up.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    up.kill()
                    up.wait(timeout=10)
            for pid in children:
                kill_if_ours(pid)


def test_operator_commands_explain_an_unreachable_redis_or_database(env_for: EnvFor, tmp_path: Path) -> None:
    no_redis = env_for(LAPOR_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    for args in (["status"], ["dlq", "list"], ["worker", "--check"]):
        result = lapor(no_redis, *args)
        assert result.returncode == 1, args
        assert "Traceback" not in result.stderr
        assert "LAPOR_REDIS_URL" in result.stderr, args
    no_database = env_for(
        LAPOR_DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test",
        LAPOR_PASSWORD="a-long-enough-password",
    )
    result = lapor(no_database, "user", "add", "bob", "--role", "admin")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "LAPOR_DATABASE_URL" in result.stderr


def test_a_data_directory_that_cannot_be_made_is_named_not_blamed_on_the_database(
    env_for: EnvFor, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = lapor(env_for(LAPOR_DATA_DIR=str(blocker / "data")), "worker", "--burst")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(blocker / "data") in result.stderr and "LAPOR_DATA_DIR" in result.stderr
    assert "database" not in result.stderr


def test_production_mode_refuses_the_development_secret(env_for: EnvFor) -> None:
    result = lapor(env_for(LAPOR_ENV="production"), "status")
    assert result.returncode == 1
    assert "LAPOR_SECRET_KEY must be set" in result.stderr and "Traceback" not in result.stderr
    weak = lapor(env_for(LAPOR_ENV="production", LAPOR_SECRET_KEY="a" * 40), "status")
    assert weak.returncode == 1
    assert "LAPOR_SECRET_KEY is too weak for production" in weak.stderr and "a" * 40 not in weak.stderr


def test_production_mode_refuses_insecure_push_and_the_placeholder_vapid_subject(env_for: EnvFor) -> None:
    secret = "Vq7dK2pX9mL4tR8wZ3nB6cF1hJ5sG0yA"
    insecure = lapor(
        env_for(
            LAPOR_ENV="production",
            LAPOR_SECRET_KEY=secret,
            LAPOR_VAPID_SUBJECT="mailto:fasilitas@kampus.ac.id",
            LAPOR_PUSH_ALLOW_INSECURE="true",
        ),
        "status",
    )
    assert insecure.returncode == 1
    assert "LAPOR_PUSH_ALLOW_INSECURE is for tests" in insecure.stderr
    placeholder = lapor(env_for(LAPOR_ENV="production", LAPOR_SECRET_KEY=secret), "status")
    assert placeholder.returncode == 1
    assert "LAPOR_VAPID_SUBJECT must name who runs this server" in placeholder.stderr
    assert "Traceback" not in insecure.stderr + placeholder.stderr


def test_a_bad_vapid_key_stops_the_api_and_the_worker_with_one_line(env_for: EnvFor) -> None:
    for command in (("api", "--workers", "1", "--port", "1"), ("worker",)):
        result = lapor(env_for(LAPOR_VAPID_PRIVATE_KEY="not-a-key"), *command)
        assert result.returncode == 1, command
        assert "LAPOR_VAPID_PRIVATE_KEY is not a P-256 private key" in result.stderr
        assert "Traceback" not in result.stderr and "not-a-key" not in result.stderr  # the secret stays out
