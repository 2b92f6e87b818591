"""Platform CLI: ``manage.py messages list|show|retry|sweep`` - the outbox, for platform staff.

Addresses are masked in lists; ``show`` prints one message whole (it may hold a link meant for
its recipient: handle it as the recipient's).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandParser

from pos_platform.cli import PlatformCommand
from shared_apps.audit.services import platform_audit_record
from shared_apps.messaging.addresses import phone_masked
from shared_apps.messaging.errors import MessageNotFound
from shared_apps.messaging.models import Message
from shared_apps.messaging.services import message_requeue, messages_sweep


def _masked(message: Message) -> str:
    if message.channel == "email":
        name, _, domain = message.to.partition("@")
        return f"{name[:2]}***@{domain}"
    return phone_masked(message.to)


def _as_dict(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.pk),
        "kind": message.kind,
        "channel": message.channel,
        "to": _masked(message),
        "tenant": message.tenant.slug if message.tenant else None,
        "status": message.status,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "created_at": message.created_at.isoformat(),
    }


def _get(ident: str) -> Message:
    try:
        message = Message.objects.select_related("tenant").filter(pk=ident).first()
    except Exception:  # not a UUID
        message = None
    if message is None:
        raise MessageNotFound(details={"id": ident})
    return message


class Command(PlatformCommand):
    help = "Inspect the outbox, send dead or failed messages again, run a sweep."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = sub.add_parser("list", help="Messages, newest first.")
        listing.add_argument("--status", default=None, choices=Message.Status.values)
        listing.add_argument("--tenant", default=None, metavar="SLUG")
        listing.add_argument("--limit", type=int, default=50)
        listing.add_argument("--json", action="store_true")
        show = sub.add_parser("show", help="One message, whole.")
        show.add_argument("id")
        retry = sub.add_parser("retry", help="Send a dead or failed message again.")
        retry.add_argument("id")
        sub.add_parser("sweep", help="Deliver every due message now (what beat does every minute).")

    def handler(self, options: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        return getattr(self, f"do_{options['action']}")

    def do_list(self, options: dict[str, Any]) -> None:
        rows = Message.objects.select_related("tenant").order_by("-created_at")
        if options["status"]:
            rows = rows.filter(status=options["status"])
        if options["tenant"]:
            rows = rows.filter(tenant__slug=options["tenant"])
        self.write_listing(
            rows[: max(1, min(options["limit"], 1000))],
            as_json=options["json"],
            as_dict=_as_dict,
            empty="No messages.",
            header=("ID", "KIND", "CHANNEL", "TO", "TENANT", "STATUS", "TRIES", "CREATED"),
            row=lambda m: (
                str(m.pk),
                m.kind,
                m.channel,
                _masked(m),
                m.tenant.slug if m.tenant else "-",
                m.status,
                str(m.attempts),
                m.created_at.strftime("%Y-%m-%d %H:%M"),
            ),
        )

    def do_show(self, options: dict[str, Any]) -> None:
        message = _get(options["id"])
        data = {**_as_dict(message), "to": message.to, "subject": message.subject, "body": message.body}
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def do_retry(self, options: dict[str, Any]) -> None:
        message = _get(options["id"])
        before = message.status
        message = message_requeue(message_id=message.pk)
        platform_audit_record(
            actor=self.actor,
            action="messages.retry",
            tenant_slug=message.tenant.slug if message.tenant else "",
            details={"message": str(message.pk), "from": before, "to": message.status},
        )
        self.stdout.write(self.style.SUCCESS(f"{message.pk}: {before} -> {message.status}."))

    def do_sweep(self, options: dict[str, Any]) -> None:
        report = messages_sweep()
        self.stdout.write(self.style.SUCCESS(f"{report.due} due: {json.dumps(report.outcomes)}"))
