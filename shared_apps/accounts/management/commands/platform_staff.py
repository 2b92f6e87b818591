"""Platform CLI: ``manage.py platform_staff add|mfa|remove|list``.

Platform staff sign in to the platform admin (``/admin/`` on the platform host) with their
password and an authenticator code. ``add`` makes (or flags) the user and prints a one-time
password for a new one; ``mfa`` enrolls an authenticator and prints its QR code, URI and ten
backup codes, once. Every action is written to the platform audit log.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from shared_apps.accounts.mfa import mfa_enroll_confirmed
from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_get_or_create
from shared_apps.audit.services import platform_audit_record
from shared_apps.tenants.management.commands.tenant import default_actor


class Command(BaseCommand):
    help = "Add, enroll, remove and list platform staff (the platform admin's users)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default=None, help="Who is acting, for the audit log.")
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = sub.add_parser("add", help="Make a user platform staff (created if new).")
        add.add_argument("email")
        mfa = sub.add_parser("mfa", help="Enroll (or replace) the staff member's authenticator.")
        mfa.add_argument("email")
        remove = sub.add_parser("remove", help="Take platform-staff rights away.")
        remove.add_argument("email")
        sub.add_parser("list", help="List platform staff.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = options["actor"] or default_actor()
        action = options["action"]
        if action == "list":
            for user in User.objects.filter(is_platform_staff=True).order_by("email"):
                self.stdout.write(user.email)
            return
        email = options["email"].strip().lower()
        if action == "add":
            try:
                validate_email(email)
            except Exception as exc:
                raise CommandError(
                    f"Not a valid email address: {email} [email_invalid]", returncode=2
                ) from exc
            with transaction.atomic():
                user, password = user_get_or_create(email=email)
                User.objects.filter(pk=user.pk).update(
                    is_platform_staff=True, is_staff=True, is_superuser=True
                )
                platform_audit_record(actor=actor, action="platform_staff.add", details={"email": email})
            self.stdout.write(f"{email} is platform staff.")
            if password:
                self.stdout.write(f"One-time password (shown once): {password}")
            self.stdout.write(f"Next: python manage.py platform_staff mfa {email}")
            return
        found = User.objects.filter(email=email).first()
        if found is None or (action == "mfa" and not found.is_platform_staff):
            raise CommandError(f"No platform staff member {email} [user_not_found]", returncode=2)
        user = found
        if action == "remove":
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(
                    is_platform_staff=False, is_staff=False, is_superuser=False
                )
                platform_audit_record(actor=actor, action="platform_staff.remove", details={"email": email})
            self.stdout.write(f"{email} is no longer platform staff.")
            return
        with transaction.atomic():
            setup, codes = mfa_enroll_confirmed(user=user)
            platform_audit_record(actor=actor, action="platform_staff.mfa_enrolled", details={"email": email})
        qr = io.StringIO()
        segno.make(setup.otpauth_uri, error="m").terminal(out=qr, compact=True)
        self.stdout.write("Scan with an authenticator app (shown once):")
        self.stdout.write(qr.getvalue())
        self.stdout.write(f"URI:    {setup.otpauth_uri}")
        self.stdout.write(f"Secret: {setup.secret}")
        self.stdout.write("Backup codes (each works once; shown once):")
        for code in codes:
            self.stdout.write(f"  {code}")
