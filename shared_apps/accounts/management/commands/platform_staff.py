"""Platform CLI: ``manage.py platform_staff add|mfa|remove|list``.

Platform staff sign in to the platform admin (``/admin/`` on the platform host) with their
password and an authenticator code. ``add`` makes (or flags) the user and prints a one-time
password for a new one; ``mfa`` shows a new authenticator's QR code, URI and secret, asks for
the first code the app shows, and only then enrolls it and prints ten backup codes, once (a
previous authenticator keeps working until the new one is confirmed). Every action is written to
the platform audit log.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from pos_platform.cli import default_actor
from pos_platform.errors import ApplicationError
from shared_apps.accounts.errors import MfaCodeInvalid
from shared_apps.accounts.mfa import mfa_backup_codes_reissue, mfa_totp_begin_trusted, mfa_totp_confirm
from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_get_or_create
from shared_apps.audit.services import platform_audit_record

# Codes asked for before ``mfa`` gives up (the OTP throttle also applies).
CONFIRM_ATTEMPTS = 3


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
        setup = mfa_totp_begin_trusted(user=user)
        qr = io.StringIO()
        segno.make(setup.otpauth_uri, error="m").terminal(out=qr, compact=True)
        self.stdout.write("Scan with an authenticator app (shown once):")
        self.stdout.write(qr.getvalue())
        self.stdout.write(f"URI:    {setup.otpauth_uri}")
        self.stdout.write(f"Secret: {setup.secret}")
        enrolled = None
        for attempt in range(1, CONFIRM_ATTEMPTS + 1):
            try:
                code = input("Code from the app, to confirm: ")
            except EOFError:
                break
            try:
                enrolled = mfa_totp_confirm(user=user, code=code)
                break
            except MfaCodeInvalid:
                self.stderr.write(f"That code does not match ({attempt} of {CONFIRM_ATTEMPTS}).")
            except ApplicationError as exc:  # locked out by the OTP throttle
                raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc
        if enrolled is None:
            raise CommandError(
                "The authenticator was not confirmed, so it is not enrolled (any previous one still "
                "works). Run the command again. [mfa_not_confirmed]",
                returncode=2,
            )
        with transaction.atomic():
            # Fresh codes even when the user had some: this is a (re-)enrollment by an operator.
            codes = enrolled.backup_codes or mfa_backup_codes_reissue(user=user)
            platform_audit_record(actor=actor, action="platform_staff.mfa_enrolled", details={"email": email})
        self.stdout.write("Authenticator confirmed and enrolled.")
        self.stdout.write("Backup codes (each works once; shown once):")
        for backup in codes:
            self.stdout.write(f"  {backup}")
