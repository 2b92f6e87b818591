"""Host -> tenant, cached.

Once warm, a request finds its tenant with one cache read and no database query. A change to a
tenant or a domain deletes the affected entries at once and again when its transaction commits
(so a request that read the old row meanwhile cannot leave a stale entry behind). Unknown hosts
are cached briefly too, so that a scan of random hosts does not reach the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from shared_apps.tenants.models import Domain, Tenant

_KEY = "route:v2:{}"
_UNKNOWN = "unknown"
_UNKNOWN_SECONDS = 30


@dataclass(frozen=True)
class Route:
    tenant_id: int
    slug: str
    schema_name: str
    name: str
    status: str
    currency: str
    timezone: str
    # ISO time, text in the cache: offline sales made before it are still accepted.
    suspended_at: str | None = None
    country: str = "GH"

    @classmethod
    def of(cls, tenant: Tenant) -> Route:
        return cls(
            tenant_id=tenant.pk,
            slug=tenant.slug,
            schema_name=tenant.schema_name,
            name=tenant.name,
            status=tenant.status,
            currency=tenant.currency,
            timezone=tenant.timezone,
            suspended_at=tenant.suspended_at.isoformat() if tenant.suspended_at else None,
            country=tenant.country,
        )

    @property
    def is_suspended(self) -> bool:
        return self.status == Tenant.Status.SUSPENDED

    def tenant(self) -> Tenant:
        """An unsaved-looking Tenant built from the cache, without a query."""
        tenant = Tenant(
            id=self.tenant_id,
            slug=self.slug,
            schema_name=self.schema_name,
            name=self.name,
            status=self.status,
            currency=self.currency,
            timezone=self.timezone,
            suspended_at=datetime.fromisoformat(self.suspended_at) if self.suspended_at else None,
            country=self.country,
        )
        tenant._state.adding = False
        tenant._state.db = "default"
        return tenant


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def route_resolve(hostname: str) -> Route | None:
    key = _KEY.format(hostname)
    cached = cache.get(key)
    if cached == _UNKNOWN:
        return None
    if cached is not None:
        return Route(**cached)
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if domain is None:
        cache.set(key, _UNKNOWN, _UNKNOWN_SECONDS)
        return None
    route = Route.of(domain.tenant)
    cache.set(key, asdict(route), settings.POS_ROUTE_CACHE_SECONDS)
    return route


def routes_invalidate(hostnames: Iterable[str]) -> None:
    keys = [_KEY.format(normalise_host(h)) for h in hostnames]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
