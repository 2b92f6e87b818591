"""The storefront hook (``settings.POS_STOREFRONT_HOOKS``): recount after storefronts change.

It runs inline, after the storefront change has committed, rather than as a Celery task: it is a
few small queries (one row lock, one count in the tenant's schema, the active tiers, at most one
update), so the subscription the owner reads right after adding a storefront is already right, and
billing does not depend on the broker being up. It never fails the request that changed the
storefronts: an error is logged, and the daily validation corrects the subscription. Running it
twice gives the same result, since it counts rather than increments.
"""

from __future__ import annotations

import logging

from shared_apps.billing.services.subscriptions import subscription_recount

logger = logging.getLogger(__name__)


def storefronts_changed(*, tenant_id: int) -> None:
    try:
        subscription_recount(tenant_id=tenant_id, source="storefronts_changed")
    except Exception:
        logger.exception("billing: could not recount the storefronts of tenant %s", tenant_id)
