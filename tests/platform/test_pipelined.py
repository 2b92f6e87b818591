"""``pipelined``: statements sent together inside a transaction, their answers read after; an
error of an earlier statement is raised at the first read after it, and the transaction then
rolls back as a whole. Refused outside a transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection, transaction

from pos_platform.db import bound_cursor, pipelined


@pytest.fixture
def table(live_db: None) -> Iterator[str]:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pipelined_t")
        cursor.execute("CREATE TABLE pipelined_t (k int PRIMARY KEY)")
        cursor.execute("INSERT INTO pipelined_t VALUES (1)")
    yield "pipelined_t"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE pipelined_t")


def _keys() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(k ORDER BY k) FROM pipelined_t")
        return list(cursor.fetchone()[0])


def test_statements_are_answered_in_order_and_committed(table: str) -> None:
    with transaction.atomic(), pipelined(), bound_cursor() as first, bound_cursor() as second:
        first.execute("INSERT INTO pipelined_t VALUES (2), (3)")
        second.execute("SELECT count(*), sum(k) FROM pipelined_t")
        assert second.fetchone() == (3, 6)
    assert _keys() == [1, 2, 3]


def _insert_then_read(*keys: int) -> None:
    with transaction.atomic(), pipelined(), bound_cursor() as first, bound_cursor() as second:
        for key in keys:
            first.execute("INSERT INTO pipelined_t VALUES (%s)", [key])
        second.execute("SELECT count(*) FROM pipelined_t")
        second.fetchone()


def test_an_earlier_statements_error_is_raised_at_the_next_read_and_nothing_stays(table: str) -> None:
    with pytest.raises(IntegrityError):
        _insert_then_read(2, 1)  # 1 is taken
    assert _keys() == [1]  # the 2 went with the rest


def test_refused_outside_a_transaction(live_db: None) -> None:
    with pytest.raises(RuntimeError, match="inside a transaction"), pipelined():
        pass
