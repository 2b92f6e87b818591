"""The audit log under /portal/audit (its template is in the project's templates: this package is
not an installed app): the shop's audited events, newest first, filtered by action
area, person, object, storefront and dates, a page at a time; the API's selector and
``audit.view``."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from pos_platform.portal.forms import PortalForm, choice_field
from pos_platform.portal.pages import PortalRequest, portal_page
from pos_platform.portal.pagination import paginate
from shared_apps.accounts.selectors import member_choices
from tenant_apps.audit.selectors import audit_event_list
from tenant_apps.inventory.portal.forms import storefront_choices
from tenant_apps.shop.services import day_bounds
from tenant_apps.storefronts.selectors import storefront_list


class AuditFilterForm(PortalForm):
    action = forms.CharField(
        required=False,
        max_length=64,
        label=_("Action"),
        help_text=_("Exact (product.update) or an area ending with a dot (auth.)."),
    )
    actor = forms.ChoiceField(required=False, label=_("Person"))
    object_id = forms.CharField(required=False, max_length=64, label=_("Object id"))
    storefront = forms.ChoiceField(required=False, label=_("Storefront"))
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, *args: Any, people: list[tuple[str, str]], storefronts: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "actor").choices = [("", _("Everyone")), *people]
        choice_field(self, "storefront").choices = [("", _("All storefronts")), *storefronts]


@portal_page("audit.view")
@require_GET
def audit_view(request: PortalRequest) -> HttpResponse:
    form = AuditFilterForm(
        request.GET or None,
        people=member_choices(tenant_id=request.tenant.pk),
        storefronts=storefront_choices(list(storefront_list())),
    )
    data = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(
        action=(data.get("action") or "").strip(),
        actor_id=uuid.UUID(data["actor"]) if data.get("actor") else None,
        object_id=(data.get("object_id") or "").strip(),
        storefront_id=uuid.UUID(data["storefront"]) if data.get("storefront") else None,
        since=day_bounds(data["date_from"])[0] if data.get("date_from") else None,
        until=day_bounds(data["date_to"])[1] if data.get("date_to") else None,
    )
    return render(request, "audit/portal/audit.html", {"form": form, "page": paginate(request, events)})
