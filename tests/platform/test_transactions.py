"""``retrying``: a transaction aborted by a real deadlock is run again and succeeds; other errors
and transactions nested in a caller's are not retried."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from pos_platform.kernel.transactions import is_transient, retrying

KEYS = (736101, 736102)


def test_a_deadlocked_transaction_is_run_again_until_it_commits(live_db: None) -> None:
    barrier = threading.Barrier(2)
    attempts = {"first": 0, "second": 0}
    done: list[str] = []
    failures: list[BaseException] = []

    def work(name: str, order: tuple[int, int]) -> None:
        @retrying
        @transaction.atomic
        def locked_pair() -> None:
            attempts[name] += 1
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [order[0]])
                if attempts[name] == 1:
                    barrier.wait(timeout=10)  # both hold their first lock: a cycle
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [order[1]])
            done.append(name)

        try:
            locked_pair()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=("first", KEYS)),
        threading.Thread(target=work, args=("second", KEYS[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(done) == ["first", "second"]
    # PostgreSQL aborted one of them; that one ran again.
    assert sorted(attempts.values()) == [1, 2]


def test_other_errors_and_nested_transactions_are_not_retried(db: None) -> None:
    calls = []

    @retrying
    def fails() -> None:
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1/0")

    # Inside the test's transaction: one attempt, the error goes to the caller.
    with pytest.raises(DatabaseError) as raised:
        fails()
    assert calls == [1]
    assert not is_transient(raised.value)
