"""``manage.py serve``: what ``make run`` runs.

Migrates (only what is pending), seeds the demo tenant, then runs gunicorn, a Celery worker and
Celery beat side by side and stops all of them on Ctrl-C (and the embedded PostgreSQL and Redis
after them, when this process started those).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from pos_platform.demo import demo_seed
from shared_apps.tenants import migrating

BASE_DIR = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = "Migrate, seed the demo tenant, and serve the API with Celery worker and beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("POS_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
        parser.add_argument("--no-demo", action="store_true", help="Do not seed the demo tenant.")
        parser.add_argument("--no-celery", action="store_true", help="Serve the API only.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Checking migrations ...")
        report = migrating.migrate_all(parallel=1)
        self.stdout.write(
            f"  public {'migrated' if report.public_migrated else 'up to date'}, "
            f"{report.total} tenants, {len(report.migrated)} migrated."
        )
        for schema, error in report.failed.items():
            self.stderr.write(f"  {schema} failed: {error.strip().splitlines()[-1]}")

        port = options["bind"].rsplit(":", 1)[-1]
        lines: list[str] = []
        if not options["no_demo"]:
            context = demo_seed()
            lines = context.lines

        env = dict(os.environ)  # carries DATABASE_URL / REDIS_URL of the embedded servers
        # A local server in plain HTTP, even on a configured database (production runs the
        # processes itself, behind a TLS proxy; docs/operations.md).
        env.setdefault("POS_HTTPS", "0")
        python = sys.executable
        procs: dict[str, subprocess.Popen[bytes]] = {}
        procs["web"] = subprocess.Popen(  # noqa: S603
            [
                python,
                "-m",
                "gunicorn",
                "pos_platform.wsgi:application",
                "--config",
                str(BASE_DIR / "deploy" / "gunicorn.conf.py"),
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
            ],
            env=env,
            cwd=BASE_DIR,
        )
        if not options["no_celery"]:
            schedule = settings.POS_DATA_DIR / "celerybeat-schedule"
            procs["worker"] = subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "pos_platform",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                ],
                env=env,
                cwd=BASE_DIR,
            )
            procs["beat"] = subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "pos_platform",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(schedule),
                ],
                env=env,
                cwd=BASE_DIR,
            )

        base = settings.POS_BASE_DOMAIN
        self.stdout.write(self.style.SUCCESS("\nServing. Press Ctrl-C to stop.\n"))
        self.stdout.write(f"  API docs (demo shop): http://demo.{base}:{port}/api/docs/")
        self.stdout.write(f"  Demo shop API:        http://demo.{base}:{port}/api/v1/")
        self.stdout.write(f"  Demo shop portal:     http://demo.{base}:{port}/portal/login")
        self.stdout.write(f"  Terminal app (phone): http://demo.{base}:{port}/pos/")
        self.stdout.write(f"  Platform host:        http://{base}:{port}/healthz")
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write("")

        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping.")
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop(procs)

    def _stop(self, procs: dict[str, subprocess.Popen[bytes]]) -> None:
        self.stdout.write("Stopping ...")
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.stdout.write("Stopped.")
