"""What the platform's management commands (``tenant``, ``billing``, ``platform_staff``) share:
who is acting, the exit status of an error, and plain-text tables."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pos_platform.kernel.errors import ApplicationError

T = TypeVar("T")


def default_actor() -> str:
    return os.environ.get("POS_ACTOR") or f"cli:{getpass.getuser()}"


def table_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as left-aligned columns two spaces apart; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


class PlatformCommand(BaseCommand):
    """A command with ``--actor`` (for the audit log) whose actions are methods; an
    :class:`ApplicationError` ends it with its message and code, exit status 2, nothing written."""

    actor: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--actor",
            default=None,
            help="Who is acting, for the audit log (default: $POS_ACTOR or cli:<os user>).",
        )

    def handler(self, options: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        """The method that runs the chosen action."""
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        self.actor = options["actor"] or default_actor()
        try:
            self.handler(options)(options)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc

    def write_table(self, rows: Sequence[Sequence[str]]) -> None:
        for line in table_lines(rows):
            self.stdout.write(line)

    def write_listing(
        self,
        items: Iterable[T],
        *,
        as_json: bool,
        as_dict: Callable[[T], dict[str, Any]],
        empty: str,
        header: Sequence[str],
        row: Callable[[T], Sequence[str]],
    ) -> None:
        """``items`` as a JSON list of ``as_dict`` (``--json``), or a table, or ``empty``."""
        items = list(items)
        if as_json:
            self.stdout.write(json.dumps([as_dict(item) for item in items], indent=2))
        elif not items:
            self.stdout.write(empty)
        else:
            self.write_table([header, *(row(item) for item in items)])
