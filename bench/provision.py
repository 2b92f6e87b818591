"""Tenant provisioning: the project's snapshot path against django-tenants' stock path.

Both build the same tenant schema (every tenant app, in one run, on the same server):

* project: ``tenant_create`` -- tenant row, domain, schema, owner membership and audit entry, in
  one transaction (owner is an existing user); the schema is a pre-built one from the pool
  (refilled between creates, untimed, as the worker does after each create), and, measured
  apart, built from the DDL snapshot when the pool is empty;
* stock: ``TenantMixin.create_schema`` as ``auto_create_schema`` runs it -- ``CREATE SCHEMA`` then
  ``migrate_schemas`` for that schema.

Prints one JSON line last: {"bench": "provision", "project_p50_ms", "stock_p50_ms", "ratio", ...}.
"""

from __future__ import annotations

import argparse
import json
import time

from common import bench_database, log, p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40, help="project tenants to create")
    parser.add_argument("--pool", type=int, default=3, help="schemas kept built ahead")
    parser.add_argument("--stock-runs", type=int, default=12, help="stock schemas to create")
    args = parser.parse_args()

    with bench_database("pos_bench_provision"):
        from django.conf import settings
        from django.db import transaction

        from pos_platform.db import connection
        from shared_apps.accounts.services import user_get_or_create
        from shared_apps.tenants import provisioning
        from shared_apps.tenants.models import Tenant
        from shared_apps.tenants.services import tenant_create

        started = time.perf_counter()
        snapshot = provisioning.snapshot_current()
        snapshot_build_ms = (time.perf_counter() - started) * 1000
        user_get_or_create(email="owner@bench.test")

        log(f"snapshot built in {snapshot_build_ms:.0f} ms ({snapshot.statements} statements)")

        def create(slug: str) -> float:
            t0 = time.perf_counter()
            tenant_create(slug=slug, name=slug, owner_email="owner@bench.test", actor="bench")
            return (time.perf_counter() - t0) * 1000

        # The default path: the pool is topped up between creates, as the worker does after each.
        settings.POS_SCHEMA_POOL_SIZE = args.pool
        pooled: list[float] = []
        for i in range(args.runs):
            provisioning.pool_fill()
            pooled.append(create(f"pool-{i:04d}"))
        # The pool empty (a burst of sign-ups larger than the pool): the snapshot's script.
        provisioning.pool_fill(size=0)
        project: list[float] = []
        schema_only: list[float] = []
        for i in range(args.runs):
            project.append(create(f"bench-{i:04d}"))
            t0 = time.perf_counter()
            with transaction.atomic():
                provisioning.schema_apply(schema_name=f"t_bare_{i:04d}", snapshot=snapshot)
            schema_only.append((time.perf_counter() - t0) * 1000)
        log(
            f"project: p50 {p50(pooled):.1f} ms over {args.runs} tenants from the pool, "
            f"{p50(project):.1f} ms from the snapshot script (the schema alone {p50(schema_only):.1f} ms)"
        )
        provisioning.pool_fill(size=1)
        with transaction.atomic():
            claimed = provisioning.schema_create(schema_name="t_claimed", snapshot=snapshot)
        assert claimed == "pool"

        stock: list[float] = []
        for i in range(args.stock_runs):
            tenant = Tenant(schema_name=f"t_stock_{i:04d}", slug=f"stock-{i}", name="Stock")
            t0 = time.perf_counter()
            tenant.create_schema(check_if_exists=True, verbosity=0)
            stock.append((time.perf_counter() - t0) * 1000)
            connection.set_schema_to_public()
        log(f"stock:   p50 {p50(stock):.1f} ms over {args.stock_runs} schemas")

        # Bare schemas (no owner yet, so no row written by the tenant's creation) compared.
        stock_schema = provisioning.describe_schema("t_stock_0000")
        same = (
            provisioning.describe_schema("t_bare_0000") == stock_schema
            and provisioning.describe_schema("t_claimed") == stock_schema
        )
        log(f"snapshot, pooled and stock schemas identical: {same}")
        result = {
            "bench": "provision",
            "project_p50_ms": round(p50(pooled), 1),
            "stock_p50_ms": round(p50(stock), 1),
            "ratio": round(p50(stock) / p50(pooled), 1),
            "pool": args.pool,
            "snapshot_p50_ms": round(p50(project), 1),
            "snapshot_ratio": round(p50(stock) / p50(project), 1),
            "schema_only_p50_ms": round(p50(schema_only), 1),
            "snapshot_build_ms": round(snapshot_build_ms),
            "tables": sum(1 for _ in provisioning.describe_schema("t_bench_0000")["tables"]),
            "identical": same,
            "runs": args.runs,
            "stock_runs": args.stock_runs,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
