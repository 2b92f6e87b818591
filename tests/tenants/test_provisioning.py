"""A provisioned schema is the migrated schema, and the snapshot follows the migrations."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django_tenants.utils import schema_context
from pytest_django.fixtures import Settings as SettingsWrapper

from shared_apps.accounts.models import User
from shared_apps.tenants import provisioning, services
from shared_apps.tenants.models import PooledSchema, SchemaSnapshot, Tenant
from shared_apps.tenants.services import TenantCreated
from tests.tenants.conftest import drop_probe_everywhere


def _build_by_migrating(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    provisioning._migrate_schema(schema_name)


def assert_same_schema(built: str, migrated_name: str, *, has_table: str) -> None:
    """``built`` is ``migrated_name``, fact for fact (and the migrated one is not empty)."""
    built_facts = provisioning.describe_schema(built)
    migrated = provisioning.describe_schema(migrated_name)
    assert (has_table, "r") in migrated["tables"]
    for facet in migrated:
        assert built_facts[facet] == migrated[facet], facet


def test_provisioned_schema_is_identical_to_a_migrated_one(db: None) -> None:
    snapshot = provisioning.snapshot_current()
    provisioning.schema_apply(schema_name="t_eq_snapshot", snapshot=snapshot)
    _build_by_migrating("t_eq_migrated")

    provisioned = provisioning.describe_schema("t_eq_snapshot")
    migrated = provisioning.describe_schema("t_eq_migrated")

    # Not two empty descriptions: the schema has the tenant apps' tables and history.
    assert ("storefronts_storefront", "r") in migrated["tables"]
    assert ("storefronts", "0001_initial") in migrated["django_migrations"]
    assert migrated["indexes"]
    assert migrated["constraints"]
    assert migrated["sequences"]
    for facet in migrated:
        assert provisioned[facet] == migrated[facet], facet


def test_describe_schema_sees_a_difference(db: None) -> None:
    snapshot = provisioning.snapshot_current()
    provisioning.schema_apply(schema_name="t_diff_one", snapshot=snapshot)
    provisioning.schema_apply(schema_name="t_diff_two", snapshot=snapshot)
    with connection.cursor() as cursor:
        cursor.execute('CREATE INDEX extra_idx ON "t_diff_two".storefronts_storefront (name)')
        cursor.execute("ALTER TABLE \"t_diff_two\".storefronts_storefront ALTER COLUMN name SET DEFAULT 'x'")

    one = provisioning.describe_schema("t_diff_one")
    two = provisioning.describe_schema("t_diff_two")

    assert one["indexes"] != two["indexes"]
    assert one["columns"] != two["columns"]
    assert one["tables"] == two["tables"]


def test_provisioned_schema_is_usable_and_isolated(db: None, tenant_a: Tenant, tenant_b: Tenant) -> None:
    from tenant_apps.storefronts.models import Storefront
    from tenant_apps.storefronts.services import storefront_create

    with schema_context(tenant_a.schema_name):
        storefront_create(code="ACC1", name="Accra Central")
    with schema_context(tenant_b.schema_name):
        assert Storefront.objects.count() == 0
    with schema_context(tenant_a.schema_name):
        assert list(Storefront.objects.values_list("code", flat=True)) == ["ACC1"]


def test_a_failure_after_the_schema_is_built_leaves_nothing(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenants_before = Tenant.objects.count()
    users_before = User.objects.count()

    def broken(**kwargs: object) -> None:
        raise RuntimeError("membership store unavailable")

    monkeypatch.setattr(services, "membership_grant", broken)
    with pytest.raises(RuntimeError):
        services.tenant_create(slug="halfway", name="Halfway", owner_email="new@halfway.test", actor="tests")

    assert Tenant.objects.count() == tenants_before
    assert User.objects.count() == users_before
    assert not provisioning.schema_exists("t_halfway")


# --------------------------------------------------------------------------------------------
# The snapshot follows the migration state
# --------------------------------------------------------------------------------------------


def test_snapshot_is_rebuilt_when_the_migration_state_moves(
    committed_tenant: Callable[..., TenantCreated], probe_migration: tuple[str, str]
) -> None:
    before = set(SchemaSnapshot.objects.values_list("pk", flat=True))
    state = provisioning.migration_state()
    assert state.fingerprint not in before
    assert probe_migration in state.leaves
    try:
        created = committed_tenant()

        after = set(SchemaSnapshot.objects.values_list("pk", flat=True))
        assert after - before == {state.fingerprint}
        schema = created.tenant.schema_name
        description = provisioning.describe_schema(schema)
        assert ("storefronts_probe", "r") in description["tables"]
        assert ("storefronts", "0099_probe") in description["django_migrations"]
        assert any(name == "probe_label_idx" for name, _ in description["indexes"])

        # The new snapshot is the new migration state, fact for fact (the tenant itself also has
        # rows its creation wrote, such as its owner's membership in the sync feed).
        provisioning.schema_apply(schema_name="t_probe_snapshot", snapshot=provisioning.snapshot_current())
        _build_by_migrating("t_probe_migrated")
        assert_same_schema("t_probe_snapshot", "t_probe_migrated", has_table="storefronts_probe")
    finally:
        provisioning.schema_drop(schema_name="t_probe_snapshot")
        provisioning.schema_drop(schema_name="t_probe_migrated")
        drop_probe_everywhere(state.fingerprint)


# --------------------------------------------------------------------------------------------
# The pool of schemas built ahead
# --------------------------------------------------------------------------------------------


def _pooled() -> list[str]:
    return list(PooledSchema.objects.order_by("created_at").values_list("schema_name", flat=True))


def test_a_tenant_gets_a_pooled_schema_renamed_and_it_is_the_migrated_schema(
    db: None, settings: SettingsWrapper
) -> None:
    settings.POS_SCHEMA_POOL_SIZE = 2
    report = provisioning.pool_fill()
    assert (report.ready, report.built, report.dropped) == (2, 2, 0)
    first, second = _pooled()
    assert provisioning.schema_exists(first)
    assert provisioning.schema_exists(second)

    how = provisioning.schema_create(schema_name="t_from_pool", snapshot=provisioning.snapshot_current())

    assert how == "pool"
    assert _pooled() == [second]
    assert not provisioning.schema_exists(first)
    _build_by_migrating("t_pool_migrated")
    assert_same_schema("t_from_pool", "t_pool_migrated", has_table="sales_sale")
    # Seeded rows got ids of their own in every pooled schema.
    with connection.cursor() as cursor:
        cursor.execute('SELECT id FROM "t_from_pool".shop_settings')
        mine = cursor.fetchall()
        cursor.execute(f'SELECT id FROM "{second}".shop_settings')
        assert mine
        assert cursor.fetchall() != mine


def test_tenant_create_uses_the_pool_and_the_new_tenant_works(
    db: None, settings: SettingsWrapper, tenant_a: Tenant
) -> None:
    from tenant_apps.storefronts.models import Storefront
    from tenant_apps.storefronts.services import storefront_create

    settings.POS_SCHEMA_POOL_SIZE = 1
    provisioning.pool_fill()
    [pooled] = _pooled()

    created = services.tenant_create(slug="pooled", name="Pooled", owner_email="o@pooled.test", actor="tests")

    assert _pooled() == []
    assert not provisioning.schema_exists(pooled)
    with schema_context(created.tenant.schema_name):
        storefront_create(code="P1", name="Pooled One")
        assert list(Storefront.objects.values_list("code", flat=True)) == ["P1"]
    with schema_context(tenant_a.schema_name):
        assert not Storefront.objects.filter(code="P1").exists()


def test_a_rolled_back_create_gives_the_schema_back_to_the_pool(db: None, settings: SettingsWrapper) -> None:
    settings.POS_SCHEMA_POOL_SIZE = 1
    provisioning.pool_fill()
    [pooled] = _pooled()

    claimed: list[str] = []

    def fail_after_claiming() -> None:
        with transaction.atomic():
            claimed.append(
                provisioning.schema_create(schema_name="t_undone", snapshot=provisioning.snapshot_current())
            )
            raise RuntimeError("the tenant's transaction failed")

    with pytest.raises(RuntimeError):
        fail_after_claiming()

    assert claimed == ["pool"]

    assert _pooled() == [pooled]
    assert provisioning.schema_exists(pooled)
    assert not provisioning.schema_exists("t_undone")


def test_an_empty_pool_or_a_pool_of_an_older_state_falls_back_to_the_snapshot(
    db: None, settings: SettingsWrapper
) -> None:
    settings.POS_SCHEMA_POOL_SIZE = 2
    snapshot = provisioning.snapshot_current()
    assert provisioning.schema_create(schema_name="t_no_pool", snapshot=snapshot) == "snapshot"

    provisioning.schema_apply(schema_name="pos_pool_old", snapshot=snapshot)
    PooledSchema.objects.create(schema_name="pos_pool_old", fingerprint="0" * 64)
    assert provisioning.schema_create(schema_name="t_not_stale", snapshot=snapshot) == "snapshot"
    assert provisioning.schema_exists("pos_pool_old")

    report = provisioning.pool_fill()

    assert (report.ready, report.built, report.dropped) == (2, 2, 1)
    assert not provisioning.schema_exists("pos_pool_old")
    assert set(PooledSchema.objects.values_list("fingerprint", flat=True)) == {snapshot.fingerprint}


def test_pool_fill_shrinks_to_the_size_and_twice_in_a_row_changes_nothing(
    db: None, settings: SettingsWrapper
) -> None:
    settings.POS_SCHEMA_POOL_SIZE = 3
    assert provisioning.pool_fill().built == 3
    assert provisioning.pool_fill() == provisioning.PoolReport(ready=3, built=0, dropped=0)

    report = provisioning.pool_fill(size=1)

    assert (report.ready, report.dropped) == (1, 2)
    [kept] = _pooled()
    assert provisioning.schema_exists(kept)
    assert provisioning.pool_fill(size=0).dropped == 1
    assert not provisioning.schema_exists(kept)


def test_the_celery_task_fills_the_pool(db: None, settings: SettingsWrapper) -> None:
    from shared_apps.tenants.tasks import schema_pool_fill

    settings.POS_SCHEMA_POOL_SIZE = 1
    assert schema_pool_fill() == {"ready": 1, "built": 1, "dropped": 0, "filled": True}
    assert len(_pooled()) == 1


def test_schema_create_keeps_the_caller_in_its_tenant_schema(
    db: None, settings: SettingsWrapper, tenant_a: Tenant
) -> None:
    settings.POS_SCHEMA_POOL_SIZE = 1
    provisioning.pool_fill()
    snapshot = provisioning.snapshot_current()

    with schema_context(tenant_a.schema_name):
        how = [provisioning.schema_create(schema_name=f"t_kept_{n}", snapshot=snapshot) for n in (1, 2)]
        assert connection.schema_name == tenant_a.schema_name

    assert how == ["pool", "snapshot"]


def test_a_tenant_create_queues_a_pool_fill_and_a_broker_outage_does_not_fail_it(
    db: None,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from shared_apps.tenants.tasks import schema_pool_fill

    settings.POS_SCHEMA_POOL_SIZE = 1
    queued: list[dict[str, Any]] = []

    def broker_down(**options: Any) -> None:
        queued.append(options)
        raise ConnectionError("no broker")

    monkeypatch.setattr(schema_pool_fill, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        created = services.tenant_create(slug="queued", name="Queued", owner_email="o@q.test", actor="tests")

    assert queued == [{"retry": False, "ignore_result": True}]
    assert provisioning.schema_exists(created.tenant.schema_name)


@pytest.mark.slow
def test_concurrent_creates_claim_different_pooled_schemas(live_db: None, settings: SettingsWrapper) -> None:
    settings.POS_SCHEMA_POOL_SIZE = 4
    provisioning.pool_fill()
    pooled = set(_pooled())
    assert len(pooled) == 4
    snapshot = provisioning.snapshot_current()
    barrier = threading.Barrier(4)
    outcome: dict[int, str] = {}
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                outcome[i] = provisioning.schema_create(schema_name=f"t_conc_pool_{i}", snapshot=snapshot)
                time.sleep(0.2)  # hold the claim while the others claim
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert outcome == {i: "pool" for i in range(4)}
        assert _pooled() == []
        assert all(provisioning.schema_exists(f"t_conc_pool_{i}") for i in range(4))
        assert not any(provisioning.schema_exists(name) for name in pooled)
    finally:
        for i in range(4):
            provisioning.schema_drop(schema_name=f"t_conc_pool_{i}")
        provisioning.pool_fill(size=0)


def test_the_fingerprint_covers_the_modules_a_migration_imports(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    import importlib
    import inspect

    # A migration whose SQL lives in a module-level constant of another module, as the sync
    # feed's triggers live in sync/feed_sql.py.
    package = tmp_path / "probe_fingerprint"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sql.py").write_text('TRIGGER = "CREATE TABLE probe_a (id int)"\n')
    (package / "m0001_probe.py").write_text(
        "from django.db import migrations\n"
        "from probe_fingerprint.sql import TRIGGER\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [migrations.RunSQL(TRIGGER)]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.BASE_DIR = tmp_path
    module = importlib.import_module("probe_fingerprint.m0001_probe")
    migration = module.Migration("m0001_probe", "probe_fingerprint")
    before = provisioning.migration_digest(migration)
    class_body = inspect.getsource(module.Migration)

    (package / "sql.py").write_text('TRIGGER = "CREATE TABLE probe_b (id int)"\n')

    # The class body did not change, the migration's effect did: the fingerprint moves.
    assert inspect.getsource(module.Migration) == class_body
    assert provisioning.migration_digest(migration) != before
    assert [f.name for f in provisioning.migration_files(migration)] == ["m0001_probe.py", "sql.py"]


def test_the_sync_feed_migrations_are_fingerprinted_with_their_trigger_sql(db: None) -> None:
    from django.db.migrations.loader import MigrationLoader

    from sync import feed_sql

    loader = MigrationLoader(None, ignore_no_migrations=True)
    files = provisioning.migration_files(loader.graph.nodes[("sync", "0002_change_feed_triggers")])

    assert files[0].name == "0002_change_feed_triggers.py"
    assert Path(feed_sql.__file__).resolve() in files


# --------------------------------------------------------------------------------------------
# The template is built in a scratch database, not among the shops
# --------------------------------------------------------------------------------------------


def _databases() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {row[0] for row in cursor.fetchall()}


def test_the_snapshot_built_in_a_scratch_database_is_the_one_built_in_place(
    live_db: None,
    probe_migration: tuple[str, str],
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main = connection.settings_dict["NAME"]
    state = provisioning.migration_state()
    where: list[tuple[str, bool]] = []
    build = provisioning._template_sql

    def spy(template: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            (database,) = cursor.fetchone()
        where.append((database, provisioning.schema_exists(template)))
        return build(template)

    monkeypatch.setattr(provisioning, "_template_sql", spy)
    databases = _databases()
    built: dict[bool, SchemaSnapshot] = {}
    try:
        for scratch in (True, False):
            settings.POS_SNAPSHOT_SCRATCH_DATABASE = scratch
            fingerprint = f"{'s' if scratch else 'p'}{state.fingerprint[1:]}"
            built[scratch] = provisioning.snapshot_build(
                state=provisioning.MigrationState(fingerprint=fingerprint, leaves=state.leaves)
            )
        # Built first in a database of its own, then (setting off) in the shops' database.
        assert [database != main for database, _ in where] == [True, False]
        assert connection.settings_dict["NAME"] == main
        assert _databases() == databases  # the scratch database is gone
        assert not any(s.startswith(provisioning.TEMPLATE_PREFIX) for s in _schemas())
        assert "storefronts_probe" in built[True].sql
        # The same script but for the times the migrations were applied and the seeded rows'
        # placeholders (numbered in the order of the random ids they stand for).
        assert _untimed(built[True].sql) == _untimed(built[False].sql)
        # The main connection is usable and back on the shops' database.
        assert Tenant.objects.filter(slug="no-such-shop").count() == 0
    finally:
        SchemaSnapshot.objects.filter(pk__in=[s.pk for s in built.values()]).delete()


def test_without_a_scratch_database_the_snapshot_is_built_in_place(
    live_db: None, probe_migration: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(name: str) -> Any:
        raise PermissionError("permission denied to create database")

    monkeypatch.setattr(provisioning, "_on_scratch_database", refuse)
    state = provisioning.migration_state()
    state = provisioning.MigrationState(fingerprint=f"n{state.fingerprint[1:]}", leaves=state.leaves)
    try:
        snapshot = provisioning.snapshot_build(state=state)
        assert "storefronts_probe" in snapshot.sql
        assert SchemaSnapshot.objects.filter(pk=state.fingerprint).exists()
    finally:
        SchemaSnapshot.objects.filter(pk=state.fingerprint).delete()


def _untimed(sql: str) -> str:
    sql = re.sub(r"__UUID_\d+__", "__UUID__", sql)
    return re.sub(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00'", "'<time>'", sql)


def _schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return [row[0] for row in cursor.fetchall()]


def test_the_dump_keeps_every_line_inside_a_statement_and_drops_what_lies_between() -> None:
    # Statements whose lines look like what is dropped between statements: kept whole.
    function = [
        "CREATE FUNCTION t_dump.f() RETURNS trigger",
        "    LANGUAGE plpgsql",
        "    AS $_$",
        "BEGIN",
        "",
        "-- a comment of the body",
        "SET LOCAL x = 'y';",
        "    ",
        "  RETURN NEW;",
        "END $_$;",
    ]
    row = [
        "INSERT INTO t_dump.shop_settings VALUES (1, 'Ring Road;",
        "",
        "-- not a comment",
        'SET by the shop\', "odd""name;");',
    ]
    table = ["CREATE TABLE t_dump.t (id int);"]
    dump = [
        *["--", "-- PostgreSQL database dump", "SET statement_timeout = 0;", ""],
        *function,
        *["", "-- Name: t; Type: TABLE"],
        *row,
        "SELECT pg_catalog.set_config('search_path', '', false);",
        *table,
    ]

    kept = provisioning._normalise_dump("\n".join(dump), "t_dump").splitlines()

    assert kept == [line.replace("t_dump", provisioning.PLACEHOLDER) for line in [*function, *row, *table]]
