"""The demo shop's terminal for ``make run``: paired once, its credential kept in the data folder
(``.data/demo.json``) so that ``manage.py sync_demo`` can sell offline and upload."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from pos_platform.kernel.actors import Actor
from shared_apps.accounts.models import Membership
from shared_apps.accounts.services import membership_grant, user_get_or_create
from sync import pins, terminals
from sync.models import CashierPin, Terminal
from tenant_apps.storefronts.models import Storefront

DEMO_CASHIER = "cashier@demo.localhost"
# The demo cashier's PIN for the terminal app, set once (a demo shop has nothing to protect).
DEMO_PIN = "1234"
PHONE_TILL = "P1"


def seed_demo_terminal(context: Any) -> None:
    storefront = Storefront.objects.filter(code="ACC").first()
    if storefront is None:
        return
    cashier, password = user_get_or_create(email=DEMO_CASHIER)
    if password:
        context.state["cashier_password"] = password
    if not Membership.objects.filter(user=cashier, tenant_id=context.tenant.pk).exists():
        membership_grant(user=cashier, tenant_id=context.tenant.pk, role="cashier")
    state = context.state
    terminal = Terminal.objects.filter(pk=state.get("terminal_id"), status=Terminal.Status.ACTIVE).first()
    if terminal is None or not state.get("terminal_credential"):
        code = next(
            f"D{n}"
            for n in range(1, 1000)
            if not Terminal.objects.filter(storefront=storefront, code=f"D{n}").exists()
        )
        pairing = terminals.terminal_create(
            storefront_id=storefront.pk, code=code, name="Demo till", actor=Actor.system("demo")
        )
        paired = terminals.terminal_pair(
            code=pairing.code, client_ip="127.0.0.1", device_name="demo", app_version="demo"
        )
        terminal = paired.terminal
        state["terminal_id"] = str(terminal.pk)
        state["terminal_credential"] = paired.credential
        state["terminal_code"] = terminal.code
        state["storefront_code"] = storefront.code
        state["cashier_id"] = str(cashier.pk)
    context.lines.append(
        f"Demo terminal: {terminal.code} at {storefront.code}, cashier {DEMO_CASHIER} "
        f"/ {state.get('cashier_password', '(set earlier)')}"
    )
    context.lines.append("  Sell offline and upload with it: make demo-terminal")
    _seed_phone_till(context, storefront, cashier)


def _seed_phone_till(context: Any, storefront: Storefront, cashier: Any) -> None:
    """A till for a phone's browser (the terminal app at /pos/): waiting to be paired, with a
    fresh pairing code at every start, and the demo cashier's PIN."""
    membership = Membership.objects.get(user=cashier, tenant_id=context.tenant.pk)
    if not CashierPin.objects.filter(user_id=cashier.pk).exclude(verifier="").exists():
        pins.cashier_pin_set(membership=membership, pin=DEMO_PIN, actor=Actor.system("demo"))
    phone = Terminal.objects.filter(storefront=storefront, code=PHONE_TILL).first()
    if phone is None:
        code = terminals.terminal_create(
            storefront_id=storefront.pk, code=PHONE_TILL, name="Phone till", actor=Actor.system("demo")
        )
    elif phone.status == Terminal.Status.PENDING:
        code = terminals.terminal_pairing_renew(terminal_id=phone.pk, actor=Actor.system("demo"))
    else:
        context.lines.append(
            f"Terminal app: {PHONE_TILL} is paired; create another in the portal to pair again"
        )
        return
    context.state["phone_pairing_code"] = code.code
    context.lines.append(
        f"Terminal app pairing code: {code.code} (till {PHONE_TILL}, valid "
        f"{settings.POS_PAIRING_CODE_SECONDS // 60} min; cashier PIN {DEMO_PIN})"
    )
