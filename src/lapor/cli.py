"""The one command-line entry point: ``lapor up|api|worker|db|user|status|dlq|places|import-seed``."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from lapor.config import Settings
from lapor.credentials.secret_key import SecretKeyError
from lapor.push.vapid import VapidKeyError

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            (f"LAPOR_{'_'.join(map(str, e['loc'])).upper()}: " if e["loc"] else "")
            + str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise click.ClickException(f"invalid configuration: {problems}") from exc


def _run(main: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; an unreachable Redis or database is one clear line, not a traceback."""
    try:
        return asyncio.run(main())  # type: ignore[arg-type]
    except KeyboardInterrupt:
        sys.exit(130)
    except RedisError as exc:
        raise click.ClickException(
            f"Redis is not reachable ({exc}); start it or point LAPOR_REDIS_URL to a running Redis"
        ) from exc
    except (VapidKeyError, SecretKeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        if exc.filename is not None:  # a file or directory of ours, not a connection
            reason = exc.strerror or type(exc).__name__
            raise click.ClickException(
                f"{exc.filename}: {reason}; check LAPOR_DATA_DIR and its permissions"
            ) from exc
        raise _database_unreachable(exc) from exc
    except (OperationalError, InterfaceError) as exc:
        raise _database_unreachable(exc) from exc


def _database_unreachable(exc: Exception) -> click.ClickException:
    return click.ClickException(
        f"the database is not reachable ({type(exc).__name__}); check LAPOR_DATABASE_URL "
        "and run `lapor db upgrade`"
    )


@click.group()
@click.option("--log-level", default="INFO", show_default=True, help="DEBUG, INFO, WARNING or ERROR")
def main(log_level: str) -> None:
    """Lapor Kampus: campus facility complaints over a reliable Redis Streams pipeline."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Alembic announces every plugin it loads at INFO; that hides the one line an operator needs.
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


@main.command()
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes")
@click.option(
    "--simulate-repairs",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="A simulated technician starts each new report after SECONDS and resolves it SECONDS later",
)
def up(workers: int, simulate_repairs: float | None) -> None:
    """Run the API and workers together (development and demos); Ctrl-C stops everything."""
    from lapor.supervisor import run_all

    sys.exit(_run(lambda: run_all(_settings(), workers=workers, simulate_repairs=simulate_repairs)))


@main.command()
@click.option("--host", default=None, help="Default: LAPOR_HOST")
@click.option("--port", default=None, type=int, help="Default: LAPOR_PORT")
@click.option(
    "--workers", default=None, type=click.IntRange(1, 256), help="Processes; default: one per CPU core"
)
def api(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP API (granian, uvloop, HTTP/1.1; one process per CPU core by default)."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from lapor.push.vapid import load_vapid

    settings = _settings()
    try:
        # Here, once: a bad key is one line, and the server processes share one file of each.
        load_vapid(settings)
        settings.signing_key  # noqa: B018 - read (and made, the first time) for its effect
    except (VapidKeyError, SecretKeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    port = port or settings.port
    _share_metrics(settings.prometheus_multiproc_dir, port)
    # Measured against uvicorn with uvloop and httptools on the same 2 workers: see
    # docs/benchmarks.md ("Server stack").
    Granian(
        "lapor.served:create_served_app",
        factory=True,
        address=host or settings.host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers or settings.effective_api_workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        # A client that has not sent its headers in time is disconnected by granian; a slow body
        # is the app's to time out (http/slow_clients.py).
        http1_settings=HTTP1Settings(header_read_timeout=round(settings.http_header_timeout_seconds * 1000)),
        websockets=False,
        log_level=LogLevels.info,
        log_access=False,
        workers_kill_timeout=5,  # open event streams are cut after 5 s on shutdown
    ).serve()


def _share_metrics(configured: Path | None, port: int) -> None:
    """One scrape sees every server process: prometheus_client's multiprocess mode, in a directory
    of this run's (docs/operations.md#metrics). Emptied first: a previous run's files would be
    added to this run's figures. The server processes inherit the variable: their Settings read
    it, and prometheus_client reads it when they import it (which this process must not do first:
    forked processes would inherit its in-memory values)."""
    # By default local to this host (LAPOR_DATA_DIR may be shared by several), one per port.
    directory = configured or Path(tempfile.gettempdir()) / f"lapor-metrics-{port}"
    directory.mkdir(parents=True, exist_ok=True)
    _remove_metrics_files(directory)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory.resolve())
    # And when the server stops, in the launcher only (a forked server process that ran this would
    # take its siblings' files away).
    atexit.register(_remove_metrics_files, directory, only_in=os.getpid(), ours=configured is None)


def _remove_metrics_files(directory: Path, *, only_in: int | None = None, ours: bool = False) -> None:
    if only_in is not None and only_in != os.getpid():
        return
    for old in directory.glob("*.db"):
        old.unlink(missing_ok=True)
    if ours:
        with contextlib.suppress(OSError):  # not empty: someone put something else there
            directory.rmdir()


@main.command()
@click.option("--burst", is_flag=True, help="Drain the queue, then exit")
@click.option("--check", is_flag=True, help="Exit 0 if a live worker is seen, 1 otherwise")
def worker(burst: bool, check: bool) -> None:
    """Apply commands from the stream to the database (the only writer of reports)."""
    from lapor.runtime import freeze_startup_heap
    from lapor.worker.main import check_workers, run_worker

    settings = _settings()
    if check:
        names = _run(lambda: check_workers(settings))
        click.echo(f"live workers: {', '.join(names)}" if names else "no live worker")
        sys.exit(0 if names else 1)
    freeze_startup_heap()
    sys.exit(_run(lambda: run_worker(settings, burst=burst)))


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from lapor.store.migrate import upgrade as do_upgrade

    settings = _settings()
    try:
        do_upgrade(settings.resolved_database_url)
    except Exception as exc:
        raise click.ClickException(f"migration failed: {type(exc).__name__}: {exc}") from exc
    click.echo("database is up to date")


@main.group()
def user() -> None:
    """Staff accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "technician", "viewer"]), required=True)
@click.option("--name", "display_name", default=None, help="Display name (default: the username)")
@click.option(
    "--password",
    envvar="LAPOR_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Read from LAPOR_PASSWORD, else prompted",
)
@click.option("--update", is_flag=True, help="Change the password, role and name of an existing account")
def user_add(username: str, role: str, display_name: str | None, password: str, update: bool) -> None:
    """Create a staff account (operator tool: writes the database directly)."""
    from lapor.store.users import UserExists, add_user

    if len(password) < 10:
        raise click.ClickException("the password must be at least 10 characters")
    settings = _settings()
    try:
        created = _run(
            lambda: add_user(
                settings.resolved_database_url,
                username=username,
                role=role,
                display_name=display_name or username,
                password=password,
                update=update,
            )
        )
    except UserExists as exc:
        raise click.ClickException(f"user {username!r} already exists; pass --update to change it") from exc
    click.echo(f"{'created' if created else 'updated'} {role} {username!r}")


@main.command()
def status() -> None:
    """Queue length, pending entries per consumer, dead letters and live workers."""
    from lapor.worker.main import print_status

    _run(lambda: print_status(_settings(), click.echo))


@main.group()
def dlq() -> None:
    """Dead letters: commands that kept failing."""


@dlq.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def dlq_list(limit: int) -> None:
    """Show the newest dead letters with their errors."""
    from lapor.worker.main import print_dead_letters

    _run(lambda: print_dead_letters(_settings(), click.echo, limit=limit))


@dlq.command("replay")
@click.argument("dead_id")
def dlq_replay(dead_id: str) -> None:
    """Put dead letter DEAD_ID back on the command stream."""
    from lapor.worker.main import replay_dead_letter

    new_id = _run(lambda: replay_dead_letter(_settings(), dead_id))
    if new_id is None:
        raise click.ClickException(f"no dead letter {dead_id}")
    click.echo(f"replayed as {new_id}")


@main.group()
def places() -> None:
    """Buildings and rooms: the registry reports name and QR labels open."""


@places.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--wait", default=300.0, show_default=True, type=click.FloatRange(1, 3600), help="Seconds to wait"
)
def places_import(file: Path, wait: float) -> None:
    """Add or update rooms from FILE (CSV: code,building,floor,name[,name_en,building_name,campus,retired]).

    All or nothing: every bad row is printed with its line number and nothing is written. The
    import is one command through the broker; this waits for the worker's result."""
    from lapor.services.places_import import import_file

    outcome = _run(lambda: import_file(_settings(), file, wait_seconds=wait))
    for line in outcome.lines:
        click.echo(line, err=not outcome.ok)
    if not outcome.ok:
        sys.exit(1)


@main.command("import-seed")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--photos",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The original's static/uploads directory: each record's foto is looked up there",
)
@click.option(
    "--wait",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="Seconds to wait for the workers to store what was sent (0: do not wait)",
)
def import_seed(file: Path, photos: Path | None, wait: float) -> None:
    """Import the original project's database_laporan.json (its list of reports).

    Through the workers, like every change; run it again safely: records imported before are
    skipped. Old ids keep working as GET /api/lapor/{old id}. Every record that cannot be
    imported is printed with the line it starts on, and the command then exits with 1."""
    from lapor.services.legacy_import import import_seed_file

    outcome = _run(lambda: import_seed_file(_settings(), file, photos=photos, wait_seconds=wait))
    for line in outcome.lines():
        click.echo(line, err=line in outcome.problems)
    if not outcome.ok:
        sys.exit(1)
