from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from shared_apps.accounts.permissions import can
from sync.models import Terminal
from sync.selectors import conflict_counts, terminal_overview


def dashboard_panel(request: HttpRequest, storefront_id: uuid.UUID | None) -> dict[str, Any] | None:
    """Open sync conflicts by kind and the terminals' last contact, for those who may see them."""
    membership = getattr(request, "membership", None)
    if not can(membership, "conflict.view", storefront_id=storefront_id):
        return None
    return {
        "template": "sync/portal/_dashboard_panel.html",
        "conflicts": conflict_counts(storefront_id=storefront_id),
        "terminals": terminal_overview(storefront_id=storefront_id),
    }


def terminal_choices() -> list[tuple[str, str]]:
    return [
        (str(t.pk), f"{t.storefront.code}-{t.code} · {t.name}")
        for t in Terminal.objects.select_related("storefront").order_by("storefront__code", "code")
    ]
