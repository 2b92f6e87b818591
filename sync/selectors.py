from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from sync.models import Conflict, Op, Terminal


def terminal_list(*, storefront_id: uuid.UUID | None = None) -> QuerySet[Terminal]:
    qs = Terminal.objects.select_related("storefront").annotate(
        open_conflicts=Count("conflicts", filter=Q(conflicts__status=Conflict.Status.OPEN))
    )
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    return qs.order_by("storefront__code", "code")


def terminal_status(*, terminal: Terminal) -> dict[str, Any]:
    conflicts = dict(
        Conflict.objects.filter(terminal=terminal, status=Conflict.Status.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    pending = Op.objects.filter(terminal=terminal, status=Op.Status.PENDING).count()
    return {
        "terminal_id": str(terminal.pk),
        "terminal_code": terminal.code,
        "storefront_id": str(terminal.storefront_id),
        "last_applied_seq": terminal.last_applied_seq,
        "last_seen_at": terminal.last_seen_at.isoformat() if terminal.last_seen_at else None,
        "clock_offset_ms": terminal.clock_offset_ms,
        "pending_ops": pending,
        "open_conflicts": sum(conflicts.values()),
        "open_conflicts_by_kind": conflicts,
    }


def conflict_list(
    *,
    scope: uuid.UUID | None = None,
    status: str | None = None,
    kind: str | None = None,
    terminal_id: uuid.UUID | None = None,
    storefront_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    sale_id: uuid.UUID | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[Conflict]:
    """Conflicts newest first, limited to the storefront ``scope`` of a scoped member (the API's
    list and the back office's), each filter applied when given."""
    filters: dict[str, Any] = {
        "storefront_id": scope,
        "status": status,
        "kind": kind,
        "terminal_id": terminal_id,
        "product_id": product_id,
        "sale_id": sale_id,
        "created_at__gte": since,
        "created_at__lt": until,
    }
    qs = Conflict.objects.select_related("terminal__storefront").filter(
        **{column: value for column, value in filters.items() if value is not None}
    )
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    return qs.order_by("-created_at", "-id")


def conflict_counts(*, storefront_id: uuid.UUID | None = None) -> dict[str, int]:
    """Open conflicts per kind (all storefronts, or one)."""
    qs = Conflict.objects.filter(status=Conflict.Status.OPEN)
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    return dict(qs.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))


def terminal_rows(*, storefront_id: uuid.UUID | None = None) -> QuerySet[Terminal]:
    """Terminals (revoked ones too) with ``open_conflicts`` and ``pending_ops`` (operations held
    until the sale they concern arrives; a held op always names that sale in ``waits_for``, whose
    partial index keeps this count cheap however many ops a terminal has uploaded)."""
    pending = (
        Op.objects.filter(terminal=OuterRef("pk"), status=Op.Status.PENDING, waits_for__isnull=False)
        .order_by()
        .values("terminal")
        .annotate(n=Count("op_id"))
        .values("n")
    )
    return terminal_list(storefront_id=storefront_id).annotate(pending_ops=Coalesce(Subquery(pending), 0))


def terminal_overview(*, storefront_id: uuid.UUID | None = None) -> list[Terminal]:
    """Paired terminals (not revoked) with ``open_conflicts`` and ``pending_ops``."""
    return list(terminal_rows(storefront_id=storefront_id).exclude(status=Terminal.Status.REVOKED))


def open_conflicts_figures(day: object) -> dict[str, int]:
    """For the daily summary (``POS_DAILY_SUMMARY_FIGURES``): conflicts still open."""
    return {"open_conflicts": Conflict.objects.filter(status=Conflict.Status.OPEN).count()}


def onboarding_step_terminal(user: object) -> dict[str, object]:
    """The last first-run step of a new shop (``POS_ONBOARDING_STEPS``): a paired terminal."""
    return {
        "step": "terminal",
        "done": Terminal.objects.filter(status=Terminal.Status.ACTIVE).exists(),
        "path": "/api/v1/sync/terminals",
    }
