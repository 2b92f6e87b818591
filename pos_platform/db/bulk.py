"""Set-based writes: several tables' rows inserted in one statement (one round trip), and rows
loaded with ``COPY``.

:func:`insert_sql` renders a list of unsaved model instances as ``bulk_create`` would (defaults,
``auto_now`` fields and column types handled as Django's INSERT compiler does); :func:`with_ctes`
chains such statements as data-modifying CTEs of one statement. Foreign keys are checked at commit
(Django creates them deferrable, initially deferred), so the rows may come in any order. Only for
plain inserts without ``RETURNING``: ids are made in Python (UUIDs). :func:`copy_rows` loads rows
given as dicts, without model instances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection
from django.db.models import Model
from django.db.models.sql import InsertQuery
from django.utils import timezone
from psycopg.types.json import Jsonb

_HEADS: dict[type[Model], tuple[str, list[Any], str]] = {}
_CASTS: dict[type[Model], list[tuple[str, str]]] = {}


def insert_sql(objs: Sequence[Model]) -> tuple[str, list[Any]]:
    """The INSERT statement (and its parameters) that ``bulk_create(objs)`` would run.

    The statement head is cached per model and values are prepared as Django's insert compiler
    prepares them (``pre_save`` for ``auto_now`` fields, ``get_db_prep_save`` for types); the
    hot sale path runs this several times per request. ``tests/platform/test_bulk.py`` checks it
    against the compiler.
    """
    model = type(objs[0])
    cached = _HEADS.get(model)
    if cached is None:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in fields)
        head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608 - model metadata
        # A field's own placeholder where it has one, as the compiler writes it (an array's cast).
        placeholders = [
            f.get_placeholder(None, None, connection) if hasattr(f, "get_placeholder") else "%s"
            for f in fields
        ]
        cached = _HEADS[model] = (head, fields, "(" + ", ".join(placeholders) + ")")
    head, fields, row = cached
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields
    ]
    return head + ", ".join([row] * len(objs)), params


def compiler_insert_sql(objs: Sequence[Model]) -> tuple[str, list[Any]]:
    """What Django's insert compiler renders for ``objs`` (the reference for :func:`insert_sql`)."""
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    query = InsertQuery(model)
    query.insert_values(fields, list(objs), raw=False)
    compiler = query.get_compiler(connection=connection)
    (sql, params), *rest = compiler.as_sql()
    if rest:
        raise ValueError("insert_sql renders one statement; pass fewer rows")
    return sql, list(params)


def insert_select_sql(
    obj: Model, *, source: str, expressions: dict[str, tuple[str, list[Any]]]
) -> tuple[str, list[Any]]:
    """``INSERT INTO t (...) SELECT ... FROM <source>``: the row of ``obj`` with some columns
    computed in SQL from ``source`` (a CTE), e.g. a receipt number from a counter."""
    sql, params = insert_sql([obj])
    head, _, _ = sql.partition(" VALUES ")
    model = type(obj)
    casts = _CASTS.get(model)
    if casts is None:
        # Typed, so that a NULL or a string bound server-side is not taken for text.
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        casts = _CASTS[model] = [(str(f.column), f"%s::{f.cast_db_type(connection)}") for f in fields]
    select: list[str] = []
    out: list[Any] = []
    for (column, cast), value in zip(casts, params, strict=True):
        if column in expressions:
            expression, extra = expressions[column]
            select.append(expression)
            out += extra
        else:
            select.append(cast)
            out.append(value)
    # Identifiers come from the model and the caller's code, never from input.
    return f"{head} SELECT {', '.join(select)} FROM {source}", out  # noqa: S608


def with_ctes(
    ctes: Sequence[tuple[str, str, list[Any]]], final: tuple[str, list[Any]]
) -> tuple[str, list[Any]]:
    """One statement: ``WITH name AS (sql), ... final``."""
    if not ctes:
        return final
    params: list[Any] = []
    parts = []
    for name, sql, p in ctes:
        parts.append(f"{name} AS ({sql})")
        params += p
    return f"WITH {', '.join(parts)} {final[0]}", params + final[1]


# COPY cells are dumped by psycopg 3 (``Copy.write_row``: its own adapters by Python type and its
# escaping; COPY's text format, which the server parses per column) rather than by a formatter
# generated with exec(). bench/copy_format.py measures both on sale rows side by side: 12,012
# rows/s for the generated formatter, 13,383 for psycopg's (ratio 0.90, a loaded 2-core machine),
# so the library's is kept.


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _cell_reader(field: Any) -> Any:
    """``(row, stamp) -> value`` for ``field``'s column: a missing value takes the field's default,
    ``auto_now`` fields take ``stamp``, None is NULL, JSON is dumped with orjson."""
    from django.db import models

    name = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda row, stamp: stamp
    default = field.get_default if field.has_default() else None
    if isinstance(field, models.JSONField):

        def read_json(row: dict[str, Any], stamp: Any) -> Any:
            value = row[name] if name in row else None if default is None else default()
            return None if value is None else Jsonb(value, dumps=_dumps)

        return read_json
    if default is not None:
        return lambda row, stamp: row[name] if name in row else default()
    return lambda row, stamp: row.get(name)


@dataclass
class _CopyPlan:
    sql: str
    readers: list[Any]


_COPY_PLANS: dict[type[Model], _CopyPlan] = {}


def _copy_plan(model: type[Model]) -> _CopyPlan:
    plan = _COPY_PLANS.get(model)
    if plan is None:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in fields)
        plan = _COPY_PLANS[model] = _CopyPlan(
            sql=f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN",
            readers=[_cell_reader(f) for f in fields],
        )
    return plan


def copy_rows(model: type[Model], rows: Sequence[dict[str, Any]], *, now: dt.datetime | None = None) -> None:
    """Write rows of ``model`` (column values by attribute name) with one ``COPY ... FROM STDIN``:
    the fastest way to load many rows (no statement to parse or plan, no parameter limit), cells
    dumped by psycopg. A missing value takes the field's default (a Python-made
    UUID id); ``auto_now`` fields get ``now``. Model instances are not needed, nor built."""
    if not rows:
        return
    plan = _copy_plan(model)
    stamp = now or timezone.now()
    readers = plan.readers
    # A Django cursor sets the tenant's search_path; the COPY runs on its psycopg cursor.
    with connection.cursor() as cursor, cursor.cursor.copy(plan.sql) as copy:
        for row in rows:
            copy.write_row([read(row, stamp) for read in readers])
