"""The ``jinbiao`` command: migrate, serve, worker, demo."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer(
    help="Jinbiao (津标): crowdsourced annotation for manufacturing data.", no_args_is_help=True
)


@app.command()
def migrate(revision: str = "head") -> None:
    """Upgrade the configured database to REVISION (default: the newest)."""
    from backend.migrate import upgrade

    upgrade(revision)
    typer.echo(f"database upgraded to {revision}")


def _worker_argv(concurrency: int, beat: bool, pool: str) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery_app",
        "worker",
        "--loglevel=INFO",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
    ]
    if beat:
        argv.append("--beat")
    return argv


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1)] = 2,
    beat: Annotated[bool, typer.Option(help="Also run the periodic scheduler.")] = False,
    pool: str = "prefork",
) -> None:
    """Run a Celery worker on the configured broker (a real process, also in embedded mode)."""
    os.execv(sys.executable, _worker_argv(concurrency, beat, pool))  # noqa: S606


class LogLevel(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    with_worker: Annotated[bool, typer.Option("--with-worker/--no-worker")] = True,
    api_processes: Annotated[int, typer.Option(min=1)] = 1,
    log_level: LogLevel = LogLevel.info,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log")] = True,
    keep_alive: Annotated[
        int, typer.Option(min=1, help="Idle seconds before a keep-alive connection is closed.")
    ] = 5,
) -> None:
    """Upgrade the database, then run the API (and, by default, a worker with the scheduler).

    With several API processes each has a listener of its own, so connections are shared out
    evenly among them (``backend/serving.py``).
    """
    _share_metrics_between_processes()
    _configure_logging()
    from backend.migrate import upgrade
    from backend.serving import ServeOptions
    from backend.serving import serve as serve_api
    from backend.settings import get_settings

    upgrade()
    child = subprocess.Popen(_worker_argv(2, True, "prefork")) if with_worker else None  # noqa: S603
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        serve_api(
            ServeOptions(
                host=host,
                port=port,
                processes=api_processes,
                log_level=log_level.value,
                access_log=access_log,
                keep_alive_seconds=keep_alive,
                json_logs=get_settings().log_format == "json",
            )
        )
    finally:
        if child is not None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM ends ``serve`` through its ``finally`` (which stops the worker it started).

    uvicorn catches SIGTERM to shut down gracefully, then restores the handler it found and
    raises the signal again; with the default handler that killed the process on the spot, and
    the worker was left running, orphaned. With this one the re-raised signal becomes
    ``SystemExit`` after uvicorn's shutdown (and a SIGTERM before uvicorn starts still stops
    the worker)."""
    raise SystemExit(128 + signum)


def _configure_logging() -> None:
    """The deployment's log format from the first line on (the migration runs before uvicorn
    configures its loggers); Python warnings become log records, so a JSON log stays JSON."""
    import logging
    import logging.config

    from backend.operations.logs import logging_config
    from backend.settings import get_settings

    logging.config.dictConfig(logging_config(json_lines=get_settings().log_format == "json"))
    logging.captureWarnings(True)


def _share_metrics_between_processes() -> None:
    """With metrics on, every API process and worker this command starts writes its samples
    under ``<data dir>/metrics`` and ``/metrics`` adds them up (``backend/operations/metrics.py``).

    Set before anything imports ``prometheus_client``, which picks its storage at import; the
    folder is emptied first, since samples of processes from an earlier run would be added in.
    """
    from backend.settings import get_settings

    settings = get_settings()
    if not settings.metrics_enabled or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = settings.data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Create a demo organization with users and one project of each kind, then serve."""
    from sqlmodel import Session

    from backend.db import get_engine
    from backend.demo import seed_demo
    from backend.migrate import upgrade
    from backend.wiring import wire

    upgrade()
    wire()
    with Session(get_engine(), expire_on_commit=False) as session:
        seeded = seed_demo(session=session)
    base = f"http://{host}:{port}"
    typer.echo(f"\nJinbiao demo organization is ready. Sign in at {base}/ with one of:")
    for role, email, password in seeded.credentials:
        typer.echo(f"  {role:<10} {email:<32} {password}")
    typer.echo(f"\nTeam: {seeded.team} (annotator1, annotator2)")
    typer.echo("Invitation link (joins as annotator, valid 7 days, works once):")
    typer.echo(f"  {seeded.invite_link(base)}")
    typer.echo("")
    if serve_after:
        serve(host=host, port=port, with_worker=True, api_processes=1)


if __name__ == "__main__":
    app()
