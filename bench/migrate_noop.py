"""A no-op ``tenant migrate`` over many tenants, against the stock per-tenant migrate.

Provisions N tenants (default 1,000), then times ``manage.py tenant migrate`` as a shell would run
it (process start included) when nothing is pending. The stock path -- django-tenants'
``migrate_schemas`` for one schema, which runs Django's full migrate -- is timed in-process on a
subset (default 50) and reported per tenant.

Prints one JSON line last: {"bench": "migrate_noop", "tenants", "seconds",
"stock_seconds_per_tenant", ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from common import BASE_DIR, bench_database, log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--stock-subset", type=int, default=50)
    args = parser.parse_args()

    with bench_database("pos_bench_migrate") as url:
        from django.core.management import call_command
        from django.db import transaction

        from pos_platform.db import connection
        from shared_apps.accounts.services import membership_grant, user_get_or_create
        from shared_apps.tenants import provisioning
        from shared_apps.tenants.models import Domain, Tenant

        snapshot = provisioning.snapshot_current()
        owner, _ = user_get_or_create(email="owner@bench.test")
        started = time.perf_counter()
        for i in range(args.tenants):
            slug = f"shop-{i:05d}"
            with transaction.atomic():
                tenant = Tenant.objects.create(slug=slug, name=slug, schema_name=f"t_shop_{i:05d}")
                Domain.objects.create(domain=f"{slug}.localhost", tenant=tenant, is_primary=True)
                provisioning.schema_apply(schema_name=tenant.schema_name, snapshot=snapshot)
                membership_grant(user=owner, tenant_id=tenant.pk, role="owner")
            if (i + 1) % 100 == 0:
                log(f"provisioned {i + 1}/{args.tenants} tenants ({time.perf_counter() - started:.1f} s)")

        env = {**os.environ, "DATABASE_URL": url}
        t0 = time.perf_counter()
        run = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), "tenant", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - t0
        log(run.stdout.strip())
        log(f"no-op tenant migrate over {args.tenants} tenants: {seconds:.2f} s")

        schemas = list(Tenant.objects.order_by("slug").values_list("schema_name", flat=True))
        subset = schemas[: args.stock_subset]
        t0 = time.perf_counter()
        for schema in subset:
            call_command("migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0)
            connection.set_schema_to_public()
        stock_total = time.perf_counter() - t0
        per_tenant = stock_total / len(subset)
        log(
            f"stock migrate_schemas: {per_tenant:.3f} s per tenant over {len(subset)} tenants "
            f"(~{per_tenant * args.tenants:.0f} s for all {args.tenants})"
        )
        result = {
            "bench": "migrate_noop",
            "tenants": args.tenants,
            "seconds": round(seconds, 2),
            "stock_seconds_per_tenant": round(per_tenant, 3),
            "stock_seconds_estimated": round(per_tenant * args.tenants, 1),
            "ratio": round(per_tenant * args.tenants / seconds, 1),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
