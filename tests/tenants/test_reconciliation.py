"""tenant_reconcile: the checkers read one read-only snapshot without nested loops, and the
caller's transaction gets its settings back."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.test import override_settings

from shared_apps.tenants.models import Tenant
from shared_apps.tenants.reconciliation import Check, tenant_reconcile

HERE = "tests.tenants.test_reconciliation"


def _show(setting: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return str(cursor.fetchone()[0])


def settings_seen() -> list[Check]:
    """A checker that reports the transaction it runs in."""
    seen = [
        f"{name}={_show(name)}"
        for name in ("transaction_isolation", "transaction_read_only", "enable_nestloop", "search_path")
    ]
    return [Check(name="settings", ok=True, problems=seen)]


def broken() -> list[Check]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    return []


@pytest.fixture
def committed_alpha(live_db: None) -> Tenant:
    return Tenant.objects.get(slug="alpha")


def test_checkers_run_in_one_read_only_repeatable_read_snapshot(committed_alpha: Tenant) -> None:
    with override_settings(POS_RECONCILERS=[f"{HERE}.settings_seen"]):
        [check] = tenant_reconcile(tenant=committed_alpha)

    assert check.problems == [
        "transaction_isolation=repeatable read",
        "transaction_read_only=on",
        "enable_nestloop=off",
        f"search_path={committed_alpha.schema_name}, public",
    ]
    assert not connection.in_atomic_block


def test_inside_a_transaction_the_planner_setting_is_given_back(tenant_a: Tenant) -> None:
    with override_settings(POS_RECONCILERS=[f"{HERE}.settings_seen"]):
        [check] = tenant_reconcile(tenant=tenant_a)

    assert "enable_nestloop=off" in check.problems
    assert _show("enable_nestloop") == "on"


def test_a_failing_checker_raises_its_own_error_and_leaves_the_transaction_usable(
    tenant_a: Tenant,
) -> None:
    with (
        override_settings(POS_RECONCILERS=[f"{HERE}.broken"]),
        pytest.raises(DatabaseError, match="no_such_table"),
    ):
        tenant_reconcile(tenant=tenant_a)

    assert _show("enable_nestloop") == "on"
    assert Tenant.objects.filter(slug="alpha").exists()
