"""The platform CLI: every command, its output, its exit codes, and bad input changing nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from shared_apps.accounts.models import Membership, User
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.tenants import provisioning
from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.reconciliation import Check
from shared_apps.tenants.services import TenantCreated
from tests.tenants.conftest import drop_probe_everywhere, install_probe

BASE_DIR = Path(settings.BASE_DIR)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("tenant", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as info:
        run(*args)
    return info.value


def snapshot_of_world() -> tuple[int, int, int, int, int, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'")
        schemas = {row[0] for row in cursor.fetchall()}
    return (
        Tenant.objects.count(),
        Domain.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        PlatformAuditEntry.objects.count(),
        schemas,
    )


# --------------------------------------------------------------------------------------------
# create
# --------------------------------------------------------------------------------------------


def test_create_builds_tenant_schema_domain_owner_and_audit(db: None) -> None:
    output = run(
        "--actor",
        "cli:ops",
        "create",
        "kofi-mart",
        "--name",
        "Kofi Mart",
        "--owner-email",
        "Kofi@Example.com",
        "--print-password",
    )

    tenant = Tenant.objects.get(slug="kofi-mart")
    assert tenant.name == "Kofi Mart"
    assert tenant.schema_name == "t_kofi_mart"
    assert (tenant.status, tenant.currency, tenant.timezone) == ("active", "GHS", "Africa/Accra")
    assert provisioning.schema_exists("t_kofi_mart")
    assert list(tenant.domains.values_list("domain", "is_primary")) == [("kofi-mart.localhost", True)]
    owner = User.objects.get(email="kofi@example.com")
    assert Membership.objects.get(tenant=tenant, user=owner).role == "owner"
    entry = PlatformAuditEntry.objects.get(action="tenant.create", tenant_slug="kofi-mart")
    assert entry.actor == "cli:ops"
    assert entry.details["owner_created"] is True
    # Asked for: the one-time password is printed once and is the owner's password.
    line = next(x for x in output.splitlines() if x.startswith("One-time password"))
    password = line.rsplit(" ", 1)[1]
    assert owner.check_password(password)
    assert password not in json.dumps(entry.details)


def test_create_with_existing_owner_and_custom_domain(db: None, owner_a: User) -> None:
    output = run(
        "create",
        "ama-shop",
        "--name",
        "Ama",
        "--owner-email",
        "owner@alpha.test",
        "--domain",
        "shop.ama.example",
    )

    tenant = Tenant.objects.get(slug="ama-shop")
    assert list(tenant.domains.values_list("domain", flat=True)) == ["shop.ama.example"]
    assert "existing user, password unchanged" in output
    assert "One-time password" not in output
    assert Membership.objects.filter(user=owner_a).count() == 2


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["create", "Bad_Slug", "--name", "X", "--owner-email", "a@b.test"], "slug_invalid"),
        (["create", "ab", "--name", "X", "--owner-email", "a@b.test"], "slug_invalid"),
        (["create", "trailing-", "--name", "X", "--owner-email", "a@b.test"], "slug_invalid"),
        (["create", "double--hyphen", "--name", "X", "--owner-email", "a@b.test"], "slug_invalid"),
        (["create", "1abc", "--name", "X", "--owner-email", "a@b.test"], "slug_invalid"),
        (["create", "admin", "--name", "X", "--owner-email", "a@b.test"], "slug_reserved"),
        (["create", "public", "--name", "X", "--owner-email", "a@b.test"], "slug_reserved"),
        (["create", "alpha", "--name", "X", "--owner-email", "a@b.test"], "slug_taken"),
        (["create", "newshop", "--name", "X", "--owner-email", "not-an-email"], "email_invalid"),
        (["create", "newshop", "--name", "  ", "--owner-email", "a@b.test"], "name_invalid"),
        (
            ["create", "newshop", "--name", "X", "--owner-email", "a@b.test", "--domain", "bad host"],
            "domain_invalid",
        ),
        (
            ["create", "newshop", "--name", "X", "--owner-email", "a@b.test", "--domain", "localhost"],
            "domain_invalid",
        ),
        (
            ["create", "newshop", "--name", "X", "--owner-email", "a@b.test", "--domain", "alpha.localhost"],
            "domain_taken",
        ),
        (["show", "nosuch"], "tenant_not_found"),
        (["suspend", "nosuch"], "tenant_not_found"),
        (["resume", "nosuch"], "tenant_not_found"),
        (["resume", "alpha"], "tenant_state_invalid"),
        (["delete", "nosuch", "--yes"], "tenant_not_found"),
        (["delete", "alpha"], "confirmation_required"),
        (["reconcile", "nosuch"], "tenant_not_found"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message_and_changes_nothing(
    db: None, args: list[str], code: str
) -> None:
    before = snapshot_of_world()

    error = fails(*args)

    assert error.returncode == 2
    assert f"[{code}]" in str(error)
    assert snapshot_of_world() == before


# --------------------------------------------------------------------------------------------
# list / show
# --------------------------------------------------------------------------------------------


def test_list_text_and_json(db: None) -> None:
    text = run("list")
    assert text.splitlines()[0].split() == ["SLUG", "NAME", "STATUS", "DOMAIN", "CREATED"]
    assert any(line.startswith("alpha ") and "alpha.localhost" in line for line in text.splitlines())

    data = json.loads(run("list", "--json"))
    by_slug = {t["slug"]: t for t in data}
    assert set(by_slug) >= {"alpha", "beta"}
    assert by_slug["alpha"]["schema"] == "t_alpha"
    assert by_slug["alpha"]["domains"] == ["alpha.localhost"]
    assert by_slug["alpha"]["status"] == "active"


def test_show_text_and_json(db: None) -> None:
    text = run("show", "beta")
    assert "schema:            t_beta" in text
    assert "owner    owner@beta.test" in text

    data = json.loads(run("show", "beta", "--json"))
    assert data["slug"] == "beta"
    assert data["members"] == [{"email": "owner@beta.test", "role": "owner"}]
    assert data["recent_audit"][0]["action"] == "tenant.create"


# --------------------------------------------------------------------------------------------
# suspend / resume / delete
# --------------------------------------------------------------------------------------------


def test_suspend_then_resume(db: None) -> None:
    run("--actor", "cli:ops", "suspend", "beta")
    tenant = Tenant.objects.get(slug="beta")
    assert tenant.status == "suspended"
    assert tenant.suspended_at is not None
    assert tenant.suspension_reason == "platform"

    error = fails("suspend", "beta")
    assert error.returncode == 2
    assert "[tenant_state_invalid]" in str(error)

    run("resume", "beta")
    tenant.refresh_from_db()
    assert (tenant.status, tenant.suspended_at, tenant.suspension_reason) == ("active", None, "")
    actions = list(PlatformAuditEntry.objects.filter(tenant_slug="beta").values_list("action", "actor"))
    assert ("tenant.suspend", "cli:ops") in actions
    assert any(a == "tenant.resume" and actor.startswith("cli:") for a, actor in actions)


def test_delete_drops_tenant_and_schema(db: None, tmp_path: Path) -> None:
    run("create", "gone-soon", "--name", "Gone", "--owner-email", "owner@alpha.test")
    assert provisioning.schema_exists("t_gone_soon")

    with override_settings(POS_TENANT_EXPORT_DIR=tmp_path):
        output = run("delete", "gone-soon", "--yes")

    assert "Deleted tenant gone-soon" in output
    assert len(list(tmp_path.glob("gone-soon-*.tar.gz"))) == 1  # its export, written first
    assert not Tenant.objects.filter(slug="gone-soon").exists()
    assert not Domain.objects.filter(domain="gone-soon.localhost").exists()
    assert not provisioning.schema_exists("t_gone_soon")
    assert PlatformAuditEntry.objects.filter(action="tenant.delete", tenant_slug="gone-soon").exists()
    # The owner's account survives: it belongs to other tenants too.
    assert User.objects.filter(email="owner@alpha.test").exists()


# --------------------------------------------------------------------------------------------
# reconcile
# --------------------------------------------------------------------------------------------


def test_reconcile_with_no_books_has_nothing_to_reconcile(db: None) -> None:
    with override_settings(POS_RECONCILERS=[]):
        assert "alpha: nothing to reconcile." in run("reconcile", "alpha")


def balanced() -> list[Check]:
    return [Check(name="stock levels equal movements", ok=True, checked=3)]


def unbalanced() -> list[Check]:
    return [
        Check(name="stock levels equal movements", ok=True, checked=3),
        Check(
            name="payments cover totals", ok=False, checked=2, problems=["sale A-1-0001: paid 10.00 of 12.00"]
        ),
    ]


def test_reconcile_reports_and_exits_1_when_books_do_not_balance(db: None) -> None:
    with override_settings(POS_RECONCILERS=["tests.tenants.test_cli.balanced"]):
        assert "alpha: the books balance." in run("reconcile", "alpha")
    out = io.StringIO()
    with (
        override_settings(POS_RECONCILERS=["tests.tenants.test_cli.unbalanced"]),
        pytest.raises(CommandError) as info,
    ):
        call_command("tenant", "reconcile", "alpha", stdout=out)
    assert info.value.returncode == 1
    assert "FAIL payments cover totals (2 checked)" in out.getvalue()
    assert "sale A-1-0001: paid 10.00 of 12.00" in out.getvalue()


# --------------------------------------------------------------------------------------------
# The real command line: exit statuses as a shell sees them
# --------------------------------------------------------------------------------------------


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    db = connection.settings_dict
    host = (db["HOST"] or "").replace("/", "%2F")
    port = f":{db['PORT']}" if db["PORT"] else ""
    url = f"postgres://{db['USER']}@{host}{port}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "tenant", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_exit_statuses_from_the_shell(live_db: None) -> None:
    bad = manage("create", "Bad_Slug", "--name", "X", "--owner-email", "a@b.test")
    assert bad.returncode == 2
    assert "slug_invalid" in bad.stderr

    missing = manage("create", "okslug", "--owner-email", "a@b.test")
    assert missing.returncode == 2
    assert "--name" in missing.stderr

    listed = manage("list", "--json")
    assert listed.returncode == 0
    assert {"alpha", "beta"} <= {t["slug"] for t in json.loads(listed.stdout)}
    assert not Tenant.objects.filter(slug="okslug").exists()


# --------------------------------------------------------------------------------------------
# migrate
# --------------------------------------------------------------------------------------------


def test_migrate_with_nothing_pending_is_a_no_op(db: None) -> None:
    output = run("migrate")
    assert "0 with pending migrations" in output
    assert "0 migrated, 0 failed" in output
    entry = PlatformAuditEntry.objects.filter(action="tenant.migrate").first()
    assert entry is not None
    assert entry.details["migrated"] == 0


def test_migrate_fills_the_schema_pool_for_the_migration_state_it_reached(db: None) -> None:
    from shared_apps.tenants.models import PooledSchema

    with override_settings(POS_SCHEMA_POOL_SIZE=2):
        assert "Schema pool: 2 ready (2 built, 0 dropped)." in run("migrate")
        assert "Schema pool: 2 ready (0 built, 0 dropped)." in run("migrate")
    fingerprints = set(PooledSchema.objects.values_list("fingerprint", flat=True))
    assert fingerprints == {provisioning.snapshot_current().fingerprint}
    assert "Schema pool" not in run("migrate")  # pool turned off (POS_SCHEMA_POOL_SIZE=0)


def test_migrate_reports_a_failing_tenant_continues_and_a_rerun_resumes(
    committed_tenant: Callable[..., TenantCreated], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [committed_tenant() for _ in range(3)]
    broken = made[1].tenant.schema_name
    install_probe(monkeypatch)
    fingerprint = provisioning.migration_state().fingerprint
    try:
        # A table in the way makes the probe migration fail in one schema only.
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE TABLE "{broken}".storefronts_probe (id int)')

        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError) as info:
            call_command("tenant", "migrate", "--parallel", "2", stdout=out, stderr=err)
        assert info.value.returncode == 1
        assert f"{broken}:" in err.getvalue()
        for created in (made[0], made[2]):
            tables = provisioning.describe_schema(created.tenant.schema_name)["tables"]
            assert ("storefronts_probe", "r") in tables

        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE "{broken}".storefronts_probe')
        out = io.StringIO()
        call_command("tenant", "migrate", stdout=out, stderr=io.StringIO())
        assert "1 with pending migrations" in out.getvalue()
        assert "1 migrated, 0 failed" in out.getvalue()
        assert ("storefronts_probe", "r") in provisioning.describe_schema(broken)["tables"]
    finally:
        drop_probe_everywhere(fingerprint)
        monkeypatch.undo()
        provisioning.snapshot_forget()


def test_migrate_rejects_a_bad_parallel_value(db: None) -> None:
    error = fails("migrate", "--parallel", "0")
    assert error.returncode == 2
