"""The session engine (``SESSION_ENGINE``): Django's database sessions, each row also holding its
user and shop (from the session's data, kept up to date at every save, a new key after the OTP
step included), so that a member's back-office sessions at a shop are listed on their staff page
and ended there."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.utils import timezone

SESSION_TENANT_KEY = "pos_tenant"  # the shop a session is bound to (see accounts.middleware)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls) -> Any:
        from shared_apps.accounts.models import PortalSession

        return PortalSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        row: Any = super().create_model_instance(data)
        row.user_id = _uuid(data.get("_auth_user_id")) if data.get("_auth_user_id") else None
        row.tenant_id = _int(data.get(SESSION_TENANT_KEY)) if data.get(SESSION_TENANT_KEY) else None
        return row


def session_handle(session_key: str) -> str:
    """What the staff page shows and posts for a session: a digest, never the key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:24]


def session_list_live(*, user_id: uuid.UUID, tenant_id: int) -> list[Any]:
    from shared_apps.accounts.models import PortalSession

    return list(
        PortalSession.objects.filter(user_id=user_id, tenant_id=tenant_id, expire_date__gt=timezone.now())
        .only("session_key", "created_at", "expire_date")
        .order_by("-created_at")
    )


def session_revoke(*, user_id: uuid.UUID, tenant_id: int, handle: str) -> bool:
    """End the member's session at the shop named by ``handle``: its next request is signed out.
    False when no such live session."""
    from shared_apps.accounts.models import PortalSession

    for row in session_list_live(user_id=user_id, tenant_id=tenant_id):
        if session_handle(row.session_key) == handle:
            return PortalSession.objects.filter(session_key=row.session_key).delete()[0] > 0
    return False
