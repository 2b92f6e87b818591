"""Set-based writes: several tables' rows inserted in one statement (one round trip).

``insert_many([lines, payments], [events])`` renders each list of unsaved model instances with
Django's own INSERT compiler (defaults, ``auto_now`` fields and column types handled as in
``bulk_create``) and chains them as data-modifying CTEs of one statement. Foreign keys are
checked at commit (Django creates them deferrable, initially deferred), so the rows may come in
any order. Only for plain inserts without ``RETURNING``: ids are made in Python (UUIDs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.sql import InsertQuery

_HEADS: dict[type[Model], tuple[str, list[Any]]] = {}


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
        cached = _HEADS[model] = (head, fields)
    head, fields = cached
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
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


def insert_many(*groups: Sequence[Model]) -> None:
    """Insert every non-empty group of unsaved instances in one statement."""
    from pos_platform.db import bound_cursor

    statements = [insert_sql(objs) for objs in groups if objs]
    if not statements:
        return
    *ctes, last = statements
    sql, params = with_ctes([(f"i{index}", s, p) for index, (s, p) in enumerate(ctes)], last)
    with bound_cursor() as cursor:
        cursor.execute(sql, params)


def insert_select_sql(
    obj: Model, *, source: str, expressions: dict[str, tuple[str, list[Any]]]
) -> tuple[str, list[Any]]:
    """``INSERT INTO t (...) SELECT ... FROM <source>``: the row of ``obj`` with some columns
    computed in SQL from ``source`` (a CTE), e.g. a receipt number from a counter."""
    sql, params = insert_sql([obj])
    head, _, _ = sql.partition(" VALUES ")
    fields = [f for f in type(obj)._meta.concrete_fields if not f.generated]
    select: list[str] = []
    out: list[Any] = []
    for field, value in zip(fields, params, strict=True):
        if field.column in expressions:
            expression, extra = expressions[field.column]
            select.append(expression)
            out += extra
        else:
            # Typed, so that a NULL or a string bound server-side is not taken for text.
            select.append(f"%s::{field.cast_db_type(connection)}")
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
