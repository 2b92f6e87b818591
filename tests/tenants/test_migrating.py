"""`tenant migrate` at scale: schemas stamped with their migration state are not opened, and a
plan that reduces to SQL runs as one script per schema, with the same result as Django's
executor."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection, migrations, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from shared_apps.tenants import migrating, migration_sql, provisioning
from shared_apps.tenants.models import SchemaSnapshot, Tenant
from shared_apps.tenants.services import TenantCreated, tenant_create
from tests.tenants.conftest import install_probe

COLUMN_PROBE = ("storefronts", "0098_column_probe")


class ColumnProbeMigration(migrations.Migration):
    """A column and an index on a tenant table: a plan that reduces to SQL."""

    dependencies = [("storefronts", "0001_initial")]
    operations = [
        migrations.AddField("storefront", "probe_note", models.CharField(max_length=20, null=True)),
        migrations.AddIndex(
            "storefront", models.Index(fields=["probe_note"], name="storefront_probe_note_idx")
        ),
    ]


@pytest.fixture
def column_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str]]:
    """Calling it makes storefronts.0098_column_probe exist (returns the new migration state);
    it is taken out of every schema after the test."""
    original = MigrationLoader.load_disk
    before = provisioning.migration_state().fingerprint
    fingerprint = ""

    def load_disk(self: MigrationLoader) -> None:
        original(self)
        self.disk_migrations[COLUMN_PROBE] = ColumnProbeMigration(COLUMN_PROBE[1], COLUMN_PROBE[0])

    def install() -> str:
        nonlocal fingerprint
        monkeypatch.setattr(MigrationLoader, "load_disk", load_disk)
        provisioning.snapshot_forget()
        fingerprint = provisioning.migration_state().fingerprint
        return fingerprint

    yield install
    monkeypatch.undo()
    provisioning.snapshot_forget()
    connection.set_schema_to_public()
    SchemaSnapshot.objects.filter(pk=fingerprint).delete()
    with connection.cursor() as cursor:
        for schema in Tenant.objects.values_list("schema_name", flat=True):
            _unmigrate(cursor, schema)
        cursor.execute("DELETE FROM public.django_migrations WHERE name = %s", [COLUMN_PROBE[1]])
    Tenant.objects.filter(migration_fingerprint=fingerprint).update(migration_fingerprint=before)


def _unmigrate(cursor: object, schema: str) -> None:
    cursor.execute(f'ALTER TABLE "{schema}".storefronts_storefront DROP COLUMN IF EXISTS probe_note')  # type: ignore[attr-defined]
    cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE name = %s', [COLUMN_PROBE[1]])  # type: ignore[attr-defined]


def _columns(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'storefronts_storefront'",
            [schema],
        )
        return {row[0] for row in cursor.fetchall()}


def _structure(schema: str) -> dict[str, object]:
    """The schema's description without the sequences' current values (the shops' rows use them)."""
    described = provisioning.describe_schema(schema)
    described["sequences"] = [row[:-1] for row in described["sequences"]]
    return described


def _stamp(slug: str) -> str:
    return Tenant.objects.get(slug=slug).migration_fingerprint


def test_a_new_tenant_is_stamped_with_the_migration_state_its_schema_was_built_for(db: None) -> None:
    created = tenant_create(slug="stamped", name="Stamped", owner_email="o@stamped.test", actor="tests")

    assert _stamp("stamped") == provisioning.migration_state().fingerprint
    assert created.tenant.migration_fingerprint == provisioning.snapshot_current().fingerprint


def test_a_no_op_migrate_opens_no_stamped_schema(db: None) -> None:
    migrating.migrate_all()  # stamps any schema of an older database kept between runs
    schemas = list(Tenant.objects.values_list("schema_name", flat=True))
    assert len(schemas) >= 2

    with CaptureQueriesContext(connection) as queries:
        report = migrating.migrate_all()

    assert report.pending == []
    assert report.migrated == []
    assert report.failed == {}
    assert report.up_to_date == len(schemas)
    touched = [q["sql"] for q in queries.captured_queries if any(s in q["sql"] for s in schemas)]
    assert touched == []


def test_a_schema_without_a_current_stamp_is_checked_in_its_catalog_and_stamped_not_migrated(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    Tenant.objects.filter(pk=tenant_a.pk).update(migration_fingerprint="")
    Tenant.objects.filter(pk=tenant_b.pk).update(migration_fingerprint="0" * 64)

    report = migrating.migrate_all()

    assert report.pending == []
    assert report.migrated == []
    current = provisioning.migration_state().fingerprint
    assert _stamp("alpha") == current
    assert _stamp("beta") == current


def test_a_plan_that_needs_python_or_new_models_is_left_to_the_executor(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_probe(monkeypatch)  # CreateModel: content types are written by post_migrate
    try:
        scripts, rest = migration_sql.scripts_plan([tenant_a.schema_name])
    finally:
        monkeypatch.undo()
        provisioning.snapshot_forget()

    assert scripts == []
    assert rest == [tenant_a.schema_name]


def test_a_column_migration_runs_as_one_script_per_schema_equal_to_the_executors_result(
    committed_tenant: Callable[..., TenantCreated], column_probe: Callable[[], str]
) -> None:
    made = [committed_tenant().tenant for _ in range(3)]
    state = column_probe()
    broken = made[1].schema_name
    with connection.cursor() as cursor:  # a column in the way: this schema's script fails
        cursor.execute(f'ALTER TABLE "{broken}".storefronts_storefront ADD COLUMN probe_note int')

    report = migrating.migrate_all(parallel=2)

    assert list(report.failed) == [broken]
    assert broken not in report.migrated
    assert {made[0].schema_name, made[2].schema_name} <= set(report.migrated)
    assert report.by_script == len(report.migrated) + len(report.failed)
    # The failed schema's transaction left nothing: no index, no migration row, no stamp.
    described = provisioning.describe_schema(broken)
    assert "storefront_probe_note_idx" not in {name for name, _ in described["indexes"]}
    assert ("storefronts", COLUMN_PROBE[1]) not in described["django_migrations"]
    assert Tenant.objects.get(pk=made[1].pk).migration_fingerprint != state
    assert Tenant.objects.get(pk=made[0].pk).migration_fingerprint == state

    # The snapshot of the new state is built by Django's executor: a schema from it is the same.
    with transaction.atomic():
        provisioning.schema_apply(schema_name="t_probe_compare", snapshot=provisioning.snapshot_current())
    try:
        expected = _structure("t_probe_compare")
        assert _structure(made[0].schema_name) == expected
    finally:
        provisioning.schema_drop(schema_name="t_probe_compare")

    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{broken}".storefronts_storefront DROP COLUMN probe_note')
    rerun = migrating.migrate_all()
    assert rerun.pending == [broken]
    assert rerun.migrated == [broken]
    assert rerun.by_script == 1
    assert _structure(broken) == expected


def test_verify_finds_a_schema_unmigrated_by_hand_that_its_stamp_hides(
    committed_tenant: Callable[..., TenantCreated], column_probe: Callable[[], str]
) -> None:
    made = committed_tenant().tenant
    column_probe()
    migrating.migrate_all()
    assert "probe_note" in _columns(made.schema_name)
    with connection.cursor() as cursor:
        _unmigrate(cursor, made.schema_name)

    trusted = migrating.migrate_all()
    assert trusted.pending == []
    assert "probe_note" not in _columns(made.schema_name)

    verified = migrating.migrate_all(verify=True)
    assert verified.pending == [made.schema_name]
    assert verified.migrated == [made.schema_name]
    assert "probe_note" in _columns(made.schema_name)


def test_the_new_states_snapshot_is_the_last_one_and_the_script_equal_to_a_migrated_template(
    committed_tenant: Callable[..., TenantCreated], column_probe: Callable[[], str]
) -> None:
    made = committed_tenant().tenant
    before = provisioning.snapshot_current()
    state = column_probe()

    report = migrating.migrate_all()

    assert made.schema_name in report.migrated
    snapshot = SchemaSnapshot.objects.get(pk=state)
    # Extended from the previous state's snapshot: no template migrated, nothing dumped.
    assert snapshot.sql.startswith(before.sql)
    assert "probe_note" in snapshot.sql[len(before.sql) :]
    # The same state's snapshot built the long way (a template migrated by Django's executor).
    built = provisioning.snapshot_build(
        state=provisioning.MigrationState(
            fingerprint=f"x{state[1:]}", leaves=provisioning.migration_state().leaves
        )
    )
    try:
        with transaction.atomic():
            connection.set_schema(made.schema_name)
            with connection.cursor() as cursor:
                cursor.execute("SHOW search_path")
                (path,) = cursor.fetchone()
            provisioning.schema_apply(schema_name="t_extended", snapshot=provisioning.snapshot_current())
            with connection.cursor() as cursor:  # the caller's path is given back
                cursor.execute("SHOW search_path")
                assert cursor.fetchone() == (path,)
            provisioning.schema_apply(schema_name="t_built", snapshot=built)
        connection.set_schema_to_public()
        assert _structure("t_extended") == _structure("t_built")
        assert "probe_note" in _columns("t_extended")
    finally:
        connection.set_schema_to_public()
        provisioning.schema_drop(schema_name="t_extended")
        provisioning.schema_drop(schema_name="t_built")
        SchemaSnapshot.objects.filter(pk=built.pk).delete()


def test_when_an_older_migration_changed_too_the_snapshot_is_built_from_a_template(
    committed_tenant: Callable[..., TenantCreated],
    column_probe: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = committed_tenant().tenant
    before = provisioning.snapshot_current()
    state = column_probe()
    # As if another migration's file had been edited along with the new one.
    monkeypatch.setattr(provisioning, "fingerprint_without", lambda migrations: "edited")

    report = migrating.migrate_all()

    assert made.schema_name in report.migrated
    snapshot = SchemaSnapshot.objects.get(pk=state)
    assert not snapshot.sql.startswith(before.sql)
    assert "pos.snapshot_path" not in snapshot.sql
    assert "probe_note" in snapshot.sql


def test_a_separate_database_and_state_of_sql_qualifies_for_the_script_and_one_of_python_does_not() -> None:
    def plan(*operations: migrations.operations.base.Operation) -> list[tuple[migrations.Migration, bool]]:
        migration = migrations.Migration("0099_probe", "sales")
        migration.operations = list(operations)
        return [(migration, False)]

    field = models.IntegerField(null=True)
    state = [migrations.AddField(model_name="sale", name="probe", field=field)]
    sql = migrations.SeparateDatabaseAndState(
        state_operations=state,
        database_operations=[
            migrations.RunSQL("ALTER TABLE sales_sale ADD COLUMN probe integer"),
            migrations.RunSQL("ALTER TABLE sales_sale ALTER COLUMN probe SET NOT NULL"),
        ],
    )
    python = migrations.SeparateDatabaseAndState(
        state_operations=state,
        database_operations=[migrations.RunPython(lambda apps, editor: None)],
    )

    assert migration_sql._qualifies(plan(sql))
    assert not migration_sql._qualifies(plan(python))
    assert not migration_sql._qualifies(plan(sql, python))
    # The real one: sales/0006 goes by script.
    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert migration_sql._qualifies(
        [(loader.get_migration("sales", "0006_payment_methods_on_the_sale"), False)]
    )
