"""deploy/postgres/roles.sql on a real PostgreSQL: the platform's login roles, their limits
(statement and idle-in-transaction timeouts, lock waits) and the one owner of every object."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from tests.production_server import BASE_DIR

ROLES = ("pos_migrate", "pos_app", "pos_worker")


def _conninfo(**overrides: Any) -> dict[str, Any]:
    db = connection.settings_dict
    info = {"host": db["HOST"], "user": db["USER"] or "postgres", "dbname": db["NAME"]}
    if db.get("PORT"):
        info["port"] = db["PORT"]
    if db.get("PASSWORD"):
        info["password"] = db["PASSWORD"]
    info.update(overrides)
    return info


@pytest.fixture
def roles_database(live_db: None) -> Iterator[str]:
    """A scratch database with the roles of roles.sql; dropped, with the roles, afterwards."""
    name = f"pos_roles_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**_conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(**_conninfo(dbname=name), autocommit=True) as conn:
            for role in ROLES:
                conn.execute(f"SET pos.{role.removeprefix('pos_')}_password = 'secret-{role}'")
            conn.execute((BASE_DIR / "deploy" / "postgres" / "roles.sql").read_text())
        yield name
    finally:
        with psycopg.connect(**_conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (*ROLES, "pos_owner"):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def _settings(database: str, role: str) -> dict[str, str]:
    with psycopg.connect(**_conninfo(dbname=database, user=role, password=f"secret-{role}")) as conn:
        names = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "search_path")
        values = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}  # type: ignore[index]
        values["current_user"] = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        conn.execute("CREATE TABLE probe_owner (id int)")
        values["table_owner"] = conn.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'probe_owner'"
        ).fetchone()[0]  # type: ignore[index]
        conn.rollback()
    return values


def test_each_role_has_its_limits_and_acts_as_the_owner(roles_database: str) -> None:
    expected = {
        "pos_migrate": ("0", "10s", "0"),
        "pos_app": ("15s", "5s", "30s"),
        "pos_worker": ("5min", "30s", "5min"),
    }
    for role, (statement, lock, idle) in expected.items():
        shown = _settings(roles_database, role)
        assert shown == {
            "statement_timeout": statement,
            "lock_timeout": lock,
            "idle_in_transaction_session_timeout": idle,
            "search_path": "public",
            "current_user": "pos_owner",
            "table_owner": "pos_owner",
        }, role


def test_the_script_can_run_again(roles_database: str) -> None:
    """Rerunning it (new passwords, say) changes nothing else and fails on nothing."""
    with psycopg.connect(**_conninfo(dbname=roles_database), autocommit=True) as conn:
        for role in ROLES:
            conn.execute(f"SET pos.{role.removeprefix('pos_')}_password = 'secret-{role}'")
        conn.execute((BASE_DIR / "deploy" / "postgres" / "roles.sql").read_text())
    assert _settings(roles_database, "pos_app")["statement_timeout"] == "15s"
