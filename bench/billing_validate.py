"""The nightly billing validation over many tenants, against counting tenant by tenant.

Provisions N tenants (default 1,000) with 0 to 5 active storefronts each, prices them once, then
times ``subscriptions_validate`` when nothing needs correcting (bulk counts: one ``UNION ALL``
query per 250 schemas) and the stock way to count: switch to each tenant's schema and ask the ORM
for its active storefronts.

Prints one JSON line last: {"bench": "billing_validate", "tenants", "validate_seconds",
"validate_queries", "per_tenant_seconds", "ratio", ...}.
"""

from __future__ import annotations

import argparse
import json
import time

from common import bench_database, log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="Print a profile of one validation.")
    args = parser.parse_args()

    with bench_database("pos_bench_billing") as _url:
        from django.db import connection as dj_connection
        from django.db import transaction
        from django.test.utils import CaptureQueriesContext
        from django_tenants.utils import tenant_context

        from pos_platform.db import connection
        from shared_apps.accounts.services import membership_grant, user_get_or_create
        from shared_apps.billing.services.subscriptions import subscriptions_validate
        from shared_apps.billing.services.tiers import tier_create
        from shared_apps.tenants import provisioning
        from shared_apps.tenants.models import Domain, Tenant
        from tenant_apps.storefronts.models import Storefront

        snapshot = provisioning.snapshot_current()
        owner, _ = user_get_or_create(email="owner@bench.test")
        for low, high, base, extra in [(1, 3, "180", "60"), (4, None, "300", "50")]:
            tier_create(
                min_storefronts=low,
                max_storefronts=high,
                base_price=base,
                price_per_additional=extra,
                actor="bench",
            )
        started = time.perf_counter()
        expected = 0
        for i in range(args.tenants):
            slug = f"shop-{i:05d}"
            schema = f"t_shop_{i:05d}"
            with transaction.atomic():
                tenant = Tenant.objects.create(slug=slug, name=slug, schema_name=schema)
                Domain.objects.create(domain=f"{slug}.localhost", tenant=tenant, is_primary=True)
                provisioning.schema_apply(schema_name=schema, snapshot=snapshot)
                membership_grant(user=owner, tenant_id=tenant.pk, role="owner")
                with connection.cursor() as cursor:
                    for n in range(i % 6):
                        cursor.execute(
                            f'INSERT INTO "{schema}".storefronts_storefront '
                            "(id, code, name, is_active, created_at, updated_at) "
                            "VALUES (gen_random_uuid(), %s, %s, true, now(), now())",
                            [f"S{n:02d}", f"Shop {n}"],
                        )
                expected += i % 6
            if (i + 1) % 200 == 0:
                log(f"provisioned {i + 1}/{args.tenants} tenants ({time.perf_counter() - started:.1f} s)")

        first = subscriptions_validate()
        log(f"first validation: {first.created} subscriptions created, {len(first.repriced)} priced")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            subscriptions_validate()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

        timings = []
        for _ in range(3):
            dj_connection.queries_log.clear()
            with CaptureQueriesContext(dj_connection) as queries:
                t0 = time.perf_counter()
                report = subscriptions_validate()
                timings.append(time.perf_counter() - t0)
            if report.corrected or report.repriced:
                raise SystemExit(f"unexpected corrections: {report}")
        validate_seconds = min(timings)
        log(f"no-op validation of {args.tenants} tenants: {validate_seconds:.3f} s, {len(queries)} queries")

        tenants = list(Tenant.objects.order_by("pk"))
        t0 = time.perf_counter()
        total = 0
        for tenant in tenants:
            with tenant_context(tenant):
                total += Storefront.objects.filter(is_active=True).count()
        per_tenant_seconds = time.perf_counter() - t0
        connection.set_schema_to_public()
        if total != expected:
            raise SystemExit(f"counted {total} storefronts, expected {expected}")
        log(f"counting tenant by tenant: {per_tenant_seconds:.3f} s ({len(tenants)} schema switches)")

        result = {
            "bench": "billing_validate",
            "tenants": args.tenants,
            "storefronts": expected,
            "validate_seconds": round(validate_seconds, 3),
            "validate_queries": len(queries),
            "per_tenant_count_seconds": round(per_tenant_seconds, 3),
            "ratio": round(per_tenant_seconds / validate_seconds, 1),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
