"""A provisioned schema is the migrated schema, and the snapshot follows the migrations."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from shared_apps.accounts.models import User
from shared_apps.tenants import provisioning, services
from shared_apps.tenants.models import SchemaSnapshot, Tenant
from shared_apps.tenants.services import TenantCreated
from tests.tenants.conftest import drop_probe_everywhere


def _build_by_migrating(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    provisioning._migrate_schema(schema_name)


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
        provisioned = provisioning.describe_schema("t_probe_snapshot")
        migrated = provisioning.describe_schema("t_probe_migrated")
        assert ("storefronts_probe", "r") in migrated["tables"]
        for facet in migrated:
            assert provisioned[facet] == migrated[facet], facet
    finally:
        provisioning.schema_drop(schema_name="t_probe_snapshot")
        provisioning.schema_drop(schema_name="t_probe_migrated")
        drop_probe_everywhere(state.fingerprint)
