"""The schema editor of the project's backend, and SQL scripts cut into statements.

On a Citus coordinator (``POS_CITUS``), Citus sends some DDL to the workers by its original text,
as one prepared statement, which may hold one command only: a script of several statements
(``CREATE TRIGGER ...; CREATE TRIGGER ...``, as some migrations run) is sent one statement at a
time there. Elsewhere it is Django's editor unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor

# What can hide a semicolon: quoted strings and names, dollar-quoted bodies, comments.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|(\$[A-Za-z_0-9]*\$)|;", re.DOTALL)


def split_statements(sql: str) -> list[str]:
    """The statements of a PostgreSQL script (as pg_dump or a migration writes it), each with
    its terminating semicolon; semicolons inside strings, dollar quotes and comments are kept."""
    statements: list[str] = []
    start = 0
    position = 0
    while True:
        match = _TOKEN.search(sql, position)
        if match is None:
            break
        if match.group(1):  # a dollar quote: skip to its closing tag
            end = sql.find(match.group(1), match.end())
            position = len(sql) if end < 0 else end + len(match.group(1))
            continue
        position = match.end()
        if match.group(0) == ";":
            statement = sql[start:position].strip()
            if statement != ";":
                statements.append(statement)
            start = position
    rest = sql[start:].strip()
    if rest and not all(line.strip().startswith("--") for line in rest.splitlines() if line.strip()):
        statements.append(rest)
    return statements


class DatabaseSchemaEditor(PostgresSchemaEditor):
    def execute(self, sql: Any, params: Any = ()) -> None:
        if getattr(settings, "POS_CITUS", False) and isinstance(sql, str) and not params and ";" in sql:
            statements = split_statements(sql)
            if len(statements) > 1:
                for statement in statements:
                    super().execute(statement, None)
                return
        super().execute(sql, params)
