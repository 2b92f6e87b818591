"""``manage.py sync_demo``: the demo terminal goes offline, sells, and uploads (``make run`` must
be serving). It drives the reference client (sync/client.py) over real HTTP."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sync.client import HttpTransport, Offline, TerminalClient


class Command(BaseCommand):
    help = "Sell offline on the demo terminal, then upload the queue to the running server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where make run serves")
        parser.add_argument("--host", default="demo.localhost")
        parser.add_argument("--sales", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.POS_DATA_DIR / "demo.json"
        state = json.loads(path.read_text()) if path.exists() else {}
        if not state.get("terminal_credential"):
            raise CommandError("No demo terminal yet: start `make run` once first.", returncode=2)
        online = HttpTransport(options["url"], host=options["host"])
        client = TerminalClient(
            online,
            db_path=settings.POS_DATA_DIR / "demo-terminal.sqlite3",
            backoff_base=0.2,
            backoff_cap=1.0,
            max_attempts=3,
        )
        client.use_credential(
            credential=state["terminal_credential"],
            terminal_code=state["terminal_code"],
            storefront_code=state["storefront_code"],
        )
        try:
            pages = client.pull()
        except Exception as exc:
            raise CommandError(
                f"Cannot reach the server at {options['url']}: {exc}. Is `make run` running?", returncode=2
            ) from exc
        products = [p for p in client.replica("products").values() if p["active"]]
        prices = {p["product_id"]: p for p in client.replica("prices").values() if p["storefront_id"] is None}
        self.stdout.write(f"Pulled the catalog ({pages} pages): {len(products)} products.")

        self.stdout.write(self.style.WARNING("The network drops. Selling offline ..."))
        rng = random.Random()
        for _ in range(options["sales"]):
            picked = rng.sample(products, min(len(products), rng.randint(1, 3)))
            lines = [
                {
                    "product_id": p["id"],
                    "quantity": str(rng.randint(1, 3)),
                    "unit_price": prices[p["id"]]["price"],
                }
                for p in picked
                if p["id"] in prices
            ]
            total = sum(
                (Decimal(line["quantity"]) * Decimal(line["unit_price"]) for line in lines), Decimal(0)
            )
            receipt = client.next_receipt_number()
            client.enqueue(
                "sale",
                {
                    "receipt_number": receipt,
                    "cashier_id": state["cashier_id"],
                    "lines": lines,
                    "payments": [{"method": "cash", "amount": str(total)}],
                    "totals": {"total": str(total)},
                },
            )
            self.stdout.write(f"  {receipt}: {len(lines)} lines, {total} GHS (queued)")
        offline = TerminalClient(
            HttpTransport("http://127.0.0.1:9", host=options["host"]),
            db_path=settings.POS_DATA_DIR / "demo-terminal.sqlite3",
            backoff_base=0.1,
            backoff_cap=0.3,
            max_attempts=2,
        )
        try:
            offline.push()
        except Offline:
            self.stdout.write(f"  Upload failed, still offline: {len(client.pending())} operations queued.")

        self.stdout.write(self.style.SUCCESS("Back online. Uploading ..."))
        answered = client.push()
        results = client.results()
        for op in client.db.execute("SELECT op FROM queue ORDER BY seq DESC LIMIT ?", (answered,)):
            op_id = json.loads(op[0])["op_id"]
            result = results[op_id]
            conflicts = ", ".join(c["kind"] for c in result.get("conflicts", [])) or "no conflicts"
            self.stdout.write(f"  {op_id[:8]}: {result['status']} ({conflicts})")
        status = online("GET", "/api/v1/sync/status", client._headers(), None).body
        self.stdout.write(
            f"Server status: last applied seq {status['last_applied_seq']}, "
            f"{status['open_conflicts']} open conflicts, {status['pending_ops']} pending."
        )
