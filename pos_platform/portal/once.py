"""Double-submit protection for page forms that create money or stock rows.

The API's mechanism, not a second one: every such form carries a hidden ``idempotency_key``
made when the form is rendered, and the POST claims it with
:func:`~tenant_apps.idempotency.services.idempotency_claim` in the transaction of the service
it runs, storing where the person was sent afterwards. A second submit of the same form (a double
tap, a reload of the POST, a retry over a bad connection) waits for the first and is sent to the
same place, with nothing written twice; the same key with other content is refused
(``idempotency_key_reused``). A refused first attempt rolls back its claim, so the corrected form
(which keeps its key) goes through.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext as _

from pos_platform.db import single_transaction
from pos_platform.kernel.errors import Unprocessable, ValidationFailed
from tenant_apps.idempotency.services import idempotency_claim, idempotency_store

if TYPE_CHECKING:
    from pos_platform.portal.pages import PortalRequest

FIELD = "idempotency_key"
_IGNORED = {"csrfmiddlewaretoken", FIELD}


def new_key() -> str:
    return str(uuid.uuid4())


def form_key(request: HttpRequest) -> str:
    """The key a re-rendered form keeps (a fresh one for a new form)."""
    key = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return key if 0 < len(key) <= 255 else new_key()


def _digest(request: HttpRequest) -> str:
    fields = sorted((name, request.POST.getlist(name)) for name in request.POST if name not in _IGNORED)
    files = sorted((name, [(f.name, f.size) for f in request.FILES.getlist(name)]) for name in request.FILES)
    body = json.dumps([fields, files], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def once(request: PortalRequest, run: Callable[[], str]) -> tuple[str, bool]:
    """Run ``run`` (which calls one service and returns the URL to go to next) at most once per
    idempotency key; (that URL, whether this was a replay)."""
    key = request.POST.get(FIELD, "").strip()
    if not key or len(key) > 255:
        raise ValidationFailed(_("This form is out of date; open it again."), code="idempotency_key_invalid")
    digest = _digest(request)
    scope = f"POST {request.path}"
    with single_transaction():
        claim_id, stored = idempotency_claim(
            actor_id=request.user.pk,
            key=key,
            scope=scope,
            request_hash=digest,
        )
        if stored is not None:
            if stored.request_hash != digest or stored.scope != scope:
                raise Unprocessable(
                    _("This form was already sent with other values; open it again."),
                    code="idempotency_key_reused",
                )
            return str((stored.body or {}).get("location") or "/portal/"), True
        location = run()
        assert claim_id is not None
        idempotency_store(claim_id=claim_id, status=303, body={"location": location})
        return location, False
