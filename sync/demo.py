"""The demo shop's terminal for ``make run``: paired once, its credential kept in the data folder
(``.data/demo.json``) so that ``manage.py sync_demo`` can sell offline and upload."""

from __future__ import annotations

from typing import Any

from pos_platform.kernel.actors import Actor
from shared_apps.accounts.models import Membership
from shared_apps.accounts.services import membership_grant, user_get_or_create
from sync import terminals
from sync.models import Terminal
from tenant_apps.storefronts.models import Storefront

DEMO_CASHIER = "cashier@demo.localhost"


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
