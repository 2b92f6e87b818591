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
from collections.abc import Callable
from typing import Any

import segno
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from pos_platform.cli import PlatformCommand
from shared_apps.accounts.errors import MfaCodeInvalid
from shared_apps.accounts.mfa import (
    MfaEnrolled,
    mfa_backup_codes_reissue,
    mfa_totp_begin_trusted,
    mfa_totp_confirm,
    mfa_totp_pending_discard,
)
from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_get_or_create
from shared_apps.audit.services import platform_audit_record

# Codes asked for before ``mfa`` gives up (the OTP throttle also applies).
CONFIRM_ATTEMPTS = 3


class Command(PlatformCommand):
    help = "Add, enroll, remove and list platform staff (the platform admin's users)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = sub.add_parser("add", help="Make a user platform staff (created if new).")
        add.add_argument("email")
        mfa = sub.add_parser("mfa", help="Enroll (or replace) the staff member's authenticator.")
        mfa.add_argument("email")
        remove = sub.add_parser("remove", help="Take platform-staff rights away.")
        remove.add_argument("email")
        sub.add_parser("list", help="List platform staff.")

    def handler(self, options: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        return getattr(self, f"do_{options['action']}")

    def do_list(self, options: dict[str, Any]) -> None:
        for user in User.objects.filter(is_platform_staff=True).order_by("email"):
            self.stdout.write(user.email)

    def do_add(self, options: dict[str, Any]) -> None:
        email = _email(options)
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not a valid email address: {email} [email_invalid]", returncode=2) from exc
        with transaction.atomic():
            user, password = user_get_or_create(email=email)
            User.objects.filter(pk=user.pk).update(is_platform_staff=True, is_staff=True, is_superuser=True)
            platform_audit_record(actor=self.actor, action="platform_staff.add", details={"email": email})
        self.stdout.write(f"{email} is platform staff.")
        if password:
            self.stdout.write(f"One-time password (shown once): {password}")
        self.stdout.write(f"Next: python manage.py platform_staff mfa {email}")

    def do_remove(self, options: dict[str, Any]) -> None:
        email = _email(options)
        user = _user(email)
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(
                is_platform_staff=False, is_staff=False, is_superuser=False
            )
            platform_audit_record(actor=self.actor, action="platform_staff.remove", details={"email": email})
        self.stdout.write(f"{email} is no longer platform staff.")

    def do_mfa(self, options: dict[str, Any]) -> None:
        email = _email(options)
        user = _user(email, platform_staff=True)
        setup = mfa_totp_begin_trusted(user=user)
        qr = io.StringIO()
        segno.make(setup.otpauth_uri, error="m").terminal(out=qr, compact=True)
        self.stdout.write("Scan with an authenticator app (shown once):")
        self.stdout.write(qr.getvalue())
        self.stdout.write(f"URI:    {setup.otpauth_uri}")
        self.stdout.write(f"Secret: {setup.secret}")
        try:
            enrolled = self._confirm(user)
        finally:
            # A secret shown here and never confirmed must not wait for someone to confirm it.
            mfa_totp_pending_discard(user=user)
        if enrolled is None:
            raise CommandError(
                "The authenticator was not confirmed, so it is not enrolled (any previous one still "
                "works). Run the command again. [mfa_not_confirmed]",
                returncode=2,
            )
        with transaction.atomic():
            # Fresh codes even when the user had some: this is a (re-)enrollment by an operator.
            codes = enrolled.backup_codes or mfa_backup_codes_reissue(user=user)
            platform_audit_record(
                actor=self.actor, action="platform_staff.mfa_enrolled", details={"email": email}
            )
        self.stdout.write("Authenticator confirmed and enrolled.")
        self.stdout.write("Backup codes (each works once; shown once):")
        for backup in codes:
            self.stdout.write(f"  {backup}")

    def _confirm(self, user: User) -> MfaEnrolled | None:
        """Ask for the app's first code until one matches; None when the operator gives up. The
        OTP throttle ends the command (an application error, status 2)."""
        for attempt in range(1, CONFIRM_ATTEMPTS + 1):
            try:
                code = input("Code from the app, to confirm: ")
            except EOFError:
                return None
            try:
                return mfa_totp_confirm(user=user, code=code)
            except MfaCodeInvalid:
                self.stderr.write(f"That code does not match ({attempt} of {CONFIRM_ATTEMPTS}).")
        return None


def _email(options: dict[str, Any]) -> str:
    return str(options["email"]).strip().lower()


def _user(email: str, *, platform_staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None or (platform_staff and not user.is_platform_staff):
        raise CommandError(f"No platform staff member {email} [user_not_found]", returncode=2)
    return user
