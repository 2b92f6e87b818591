"""Terminals under /portal/terminals: create one for a storefront and show its pairing code (large
and as a QR code a phone camera opens), each terminal's health (last contact, app version, clock
offset, last applied seq, pending operations, conflicts), a new code, and revoke. The same services
and ``terminal.manage`` rule as the sync admin API.

A pairing code exists only as a digest on the server: the page that creates it keeps it in the
session until it expires, so that the page can be reloaded (or reopened from the list) while the
device is being set up, and never shows it to another person."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pos_platform.kernel.errors import ApplicationError
from pos_platform.portal.forms import show_error
from pos_platform.portal.pages import (
    PortalRequest,
    actor_of,
    allowed,
    not_found,
    portal_page,
    require,
    scope_of,
)
from sync import terminals
from sync.models import Terminal
from sync.portal.forms import TerminalCreateForm, TerminalRevokeForm
from sync.selectors import terminal_rows
from tenant_apps.inventory.portal.forms import storefront_choices
from tenant_apps.inventory.portal.views import visible_storefronts

STATUS_WORDS: dict[str, Any] = {
    Terminal.Status.PENDING: gettext_lazy("awaiting pairing"),
    Terminal.Status.ACTIVE: gettext_lazy("active"),
    Terminal.Status.REVOKED: gettext_lazy("revoked"),
}


def _session_key(terminal_id: uuid.UUID) -> str:
    return f"pos_pairing:{terminal_id}"


def _remember(request: HttpRequest, code: terminals.PairingCode) -> None:
    request.session[_session_key(code.terminal.pk)] = {
        "code": code.code,
        "expires_at": code.expires_at.isoformat(),
    }


def _remembered(request: HttpRequest, terminal: Terminal) -> dict[str, Any] | None:
    """The pairing code this session made for the terminal, while it can still be used."""
    stored = request.session.get(_session_key(terminal.pk))
    if not isinstance(stored, dict) or terminal.status != Terminal.Status.PENDING:
        return None
    expires_at = dt.datetime.fromisoformat(stored["expires_at"])
    if expires_at <= timezone.now() or terminal.pairing_expires_at != expires_at:
        return None  # expired, or replaced by a newer code
    return {"code": stored["code"], "expires_at": expires_at}


def pairing_url(request: HttpRequest, code: str) -> str:
    """What the QR code opens: the terminal app on this shop's host with the code after ``#``
    (a fragment never reaches a server or its logs)."""
    return request.build_absolute_uri("/pos/") + f"#code={code}"


def pairing_qr(url: str) -> str:
    """The QR code as inline SVG markup (no script, no style attribute: the CSP allows it)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=5, border=2, svgclass="qr", light="#fff", omitsize=True)


def _visible_terminal(request: PortalRequest, terminal_id: uuid.UUID) -> Terminal | None:
    """The terminal, or None for an unknown one or one of a storefront the member may not manage
    (the API's 404: no existence oracle)."""
    terminal = terminal_rows().filter(pk=terminal_id).first()
    if terminal is None or not allowed(request, "terminal.manage", terminal.storefront_id):
        return None
    return terminal


@portal_page("terminal.manage")
@require_GET
def terminals_view(request: PortalRequest) -> HttpResponse:
    return render(
        request,
        "sync/portal/terminals.html",
        {"terminals": list(terminal_rows(storefront_id=scope_of(request))), "statuses": STATUS_WORDS},
    )


@portal_page("terminal.manage")
@require_http_methods(["GET", "POST"])
def terminal_new_view(request: PortalRequest) -> HttpResponse:
    storefronts = storefront_choices(visible_storefronts(request))
    form = TerminalCreateForm(request.POST or None, storefronts=storefronts)
    if request.method == "POST" and form.is_valid():
        storefront_id = uuid.UUID(form.cleaned_data["storefront"])
        require(request, "terminal.manage", storefront_id)
        try:
            code = terminals.terminal_create(
                storefront_id=storefront_id,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                actor=actor_of(request),
            )
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            _remember(request, code)
            messages.success(request, _("Terminal created. Pair the device with the code below."))
            return redirect(f"/portal/terminals/{code.terminal.pk}")
    return render(
        request, "sync/portal/terminal_new.html", {"form": form}, status=400 if form.is_bound else 200
    )


@portal_page("terminal.manage")
@require_GET
def terminal_view(request: PortalRequest, terminal_id: uuid.UUID) -> HttpResponse:
    terminal = _visible_terminal(request, terminal_id)
    if terminal is None:
        return not_found(request, _("No such terminal."))
    pairing = _remembered(request, terminal)
    context: dict[str, Any] = {
        "terminal": terminal,
        "status": STATUS_WORDS.get(terminal.status),
        "pairing": pairing,
    }
    if pairing is not None:
        url = pairing_url(request, pairing["code"])
        context |= {"pairing_url": url, "pairing_qr": pairing_qr(url)}
    return render(request, "sync/portal/terminal.html", context)


@portal_page("terminal.manage")
@require_POST
def terminal_pairing_code_view(request: PortalRequest, terminal_id: uuid.UUID) -> HttpResponse:
    terminal = _visible_terminal(request, terminal_id)
    if terminal is None:
        return not_found(request, _("No such terminal."))
    _remember(request, terminals.terminal_pairing_renew(terminal_id=terminal.pk, actor=actor_of(request)))
    messages.success(request, _("A new pairing code; the previous one no longer works."))
    return redirect(f"/portal/terminals/{terminal.pk}")


@portal_page("terminal.manage")
@require_http_methods(["GET", "POST"])
def terminal_revoke_view(request: PortalRequest, terminal_id: uuid.UUID) -> HttpResponse:
    terminal = _visible_terminal(request, terminal_id)
    if terminal is None:
        return not_found(request, _("No such terminal."))
    form = TerminalRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            terminals.terminal_revoke(
                terminal_id=terminal.pk, actor=actor_of(request), reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            request.session.pop(_session_key(terminal.pk), None)
            messages.success(request, _("The terminal is revoked."))
            return redirect(f"/portal/terminals/{terminal.pk}")
    return render(
        request,
        "sync/portal/terminal_revoke.html",
        {"terminal": terminal, "form": form},
        status=400 if form.is_bound else 200,
    )
