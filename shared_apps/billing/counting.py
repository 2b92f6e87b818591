"""Active storefronts per tenant, counted in bulk across tenant schemas.

Storefronts live in each tenant's schema. Counting them tenant by tenant is a schema switch and a
query per tenant; here one ``UNION ALL`` query counts up to ``CHUNK`` schemas at once, with
schema-qualified table names, so it works from any ``search_path`` (the public daily job, or a
tenant's request).
"""

from __future__ import annotations

from collections.abc import Iterable

from django_tenants.utils import quote_schema_name

from pos_platform.db import connection
from tenant_apps.storefronts.models import Storefront

CHUNK = 250


def _schemas_with_storefronts(schemas: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [Storefront._meta.db_table, schemas],
        )
        return {row[0] for row in cursor.fetchall()}


def active_storefront_counts(tenants: Iterable[tuple[int, str]]) -> dict[int, int]:
    """``{tenant_id: number of active storefronts}`` for ``(tenant_id, schema_name)`` pairs.

    A tenant whose schema (or storefront table) does not exist is left out of the answer.
    """
    pairs = list(tenants)
    if not pairs:
        return {}
    present = _schemas_with_storefronts([schema for _, schema in pairs])
    pairs = [(tenant_id, schema) for tenant_id, schema in pairs if schema in present]
    table = connection.ops.quote_name(Storefront._meta.db_table)
    counts: dict[int, int] = {}
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        # Schema names come from the tenants table (and exist, checked above), quoted.
        sql = " UNION ALL ".join(
            f"SELECT %s::bigint, count(*) FROM {quote_schema_name(schema)}.{table} WHERE is_active"  # noqa: S608
            for _, schema in chunk
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [tenant_id for tenant_id, _ in chunk])
            counts.update({int(tenant_id): int(n) for tenant_id, n in cursor.fetchall()})
    return counts
