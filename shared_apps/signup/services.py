"""Self-service sign-up on the platform host: a trader opens a shop alone.

1. :func:`signup_start` checks everything (shop name, the address ``<slug>.<base>`` and its
   availability, e-mail, phone for the country, the password rules), then sends a six-digit code
   by e-mail or SMS. The answer is the same whether or not the e-mail already has an account
   (no enumeration); requests are throttled per client IP and per e-mail and phone.
2. :func:`signup_verify` with the code (five tries, ``POS_SIGNUP_CODE_SECONDS``) makes the shop
   through the platform's own ``tenant_create``: the country sets its currency and time zone, the
   trader is its owner with the password they chose (an existing account must give its own
   password), and the trial starts now as billing describes. The owner signs in at the shop's
   host, where the first sign-in sets up MFA and the portal's first-run steps follow
   (``GET /api/v1/onboarding``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from pos_platform.kernel.throttle import Limit
from shared_apps.accounts.errors import PasswordInvalid
from shared_apps.accounts.models import User
from shared_apps.accounts.throttling import requests_throttle
from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.services.subscriptions import subscription_ensure
from shared_apps.messaging.addresses import email_normalise, phone_normalise
from shared_apps.messaging.links import shop_url
from shared_apps.messaging.rendering import language_of
from shared_apps.messaging.services import message_queue, preference_update
from shared_apps.signup.errors import (
    SignupCodeInvalid,
    SignupCredentialsInvalid,
    SignupInvalid,
    SignupResendLimit,
)
from shared_apps.signup.models import SignupRequest
from shared_apps.tenants import provisioning
from shared_apps.tenants.countries import country_check, locality_for
from shared_apps.tenants.errors import NameInvalid, SlugTaken
from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.services import RESERVED_SLUGS, SLUG_RE, TenantCreated, tenant_create, validate_slug

ACTOR = "system:signup"
MAX_ATTEMPTS = 5
MAX_SENDS = 3


def _throttle(*, ip: str | None, email: str, phone: str) -> None:
    per_address = settings.POS_SIGNUP_PER_ADDRESS
    counted = [(Limit("signup.ip", settings.POS_SIGNUP_PER_IP, 3600), ip)] if ip else []
    counted += [
        (Limit(f"signup.{kind}", per_address, 3600), hashlib.sha256(address.encode()).hexdigest()[:32])
        for kind, address in (("email", email), ("phone", phone))
    ]
    requests_throttle(counted, message=gettext_noop("Too many sign-ups from here; wait before trying again."))


def _digest(code: str, signup_id: object) -> str:
    key = f"signup:{signup_id}".encode() + settings.SECRET_KEY.encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def slug_available(slug: str) -> bool:
    return (
        not Tenant.objects.filter(slug=slug).exists()
        and not Domain.objects.filter(domain=f"{slug}.{settings.POS_BASE_DOMAIN}").exists()
    )


def slug_suggestions(*, name: str, limit: int = 5) -> list[str]:
    """Free addresses made from the shop's name: ``kofi-mart``, ``kofi-mart-accra`` ..."""
    base = re.sub(r"-{2,}", "-", slugify(name or "")).strip("-")[:32].strip("-")
    if not base or not base[0].isalpha():
        base = ("shop-" + base).strip("-")[:32]
    candidates = [base] + [f"{base}-{n}" for n in range(2, 40)]
    words = base.split("-")
    if len(words) > 1:
        candidates.insert(1, "".join(words)[:40])
    out: list[str] = []
    taken = set(Tenant.objects.filter(slug__in=candidates).values_list("slug", flat=True))
    for candidate in candidates:
        if candidate in taken or candidate in RESERVED_SLUGS or not SLUG_RE.match(candidate):
            continue
        if candidate not in out:
            out.append(candidate)
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class SignupStarted:
    signup: SignupRequest
    # Only for the tests and the demo: never in an answer.
    code: str


def signup_start(
    *,
    shop_name: str,
    slug: str,
    email: str,
    phone: str,
    country: str,
    password: str,
    verify_by: str = "email",
    language: str | None = None,
    ip: str | None = None,
) -> SignupStarted:
    """Check a trader's sign-up and send the code; see the module docstring."""
    name = " ".join((shop_name or "").split())
    if not 1 <= len(name) <= 200:
        raise NameInvalid(details={"shop_name": shop_name})
    slug = validate_slug((slug or "").strip().lower())
    email = email_normalise(email)
    country = country_check(country)
    locality_for(country=country)  # a country whose currency the platform cannot bill is refused now
    phone = phone_normalise(phone, region=country)
    if verify_by not in SignupRequest.Channel.values:
        raise SignupInvalid(gettext_noop("verify_by is email or sms."), code="verify_by_invalid")
    _throttle(ip=ip, email=email, phone=phone)
    if not slug_available(slug):
        raise SlugTaken(details={"slug": slug, "suggestions": slug_suggestions(name=name)})
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            validate_password(password, user=User(email=email))
        except ValidationError as exc:
            raise PasswordInvalid(details={"password": list(exc.messages)}) from exc
    code = f"{secrets.randbelow(10**6):06d}"
    language = language_of(language)
    with transaction.atomic():
        signup = SignupRequest(
            shop_name=name,
            slug=slug,
            email=email,
            phone=phone,
            country=country,
            language=language,
            password_hash=make_password(password),
            # One more hash for a new e-mail too: the answer takes the same time either way.
            existing_account_ok=existing.check_password(password)
            if existing is not None
            else bool(make_password(password)) and False,
            verify_by=verify_by,
            expires_at=timezone.now() + timedelta(seconds=settings.POS_SIGNUP_CODE_SECONDS),
            ip=ip,
        )
        signup.code_digest = _digest(code, signup.pk)
        signup.save()
        _send_code(signup, code)
    return SignupStarted(signup=signup, code=code)


def _send_code(signup: SignupRequest, code: str) -> None:
    message_queue(
        key=f"signup_code:{signup.pk}:{signup.sends}",
        kind="signup_code",
        category="security",
        channel=signup.verify_by,
        to=signup.email if signup.verify_by == SignupRequest.Channel.EMAIL else signup.phone,
        language=signup.language,
        context={
            "shop_name": signup.shop_name,
            "code": code,
            "minutes": settings.POS_SIGNUP_CODE_SECONDS // 60,
        },
    )


def _open(signup_id: object) -> SignupRequest:
    signup = SignupRequest.objects.filter(pk=str(signup_id)).first() if _is_uuid(signup_id) else None
    if (
        signup is None
        or signup.verified_at is not None
        or signup.expires_at <= timezone.now()
        or signup.attempts >= MAX_ATTEMPTS
    ):
        raise SignupInvalid()
    return signup


def _is_uuid(value: object) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@transaction.atomic
def signup_resend(*, signup_id: object) -> SignupRequest:
    """A new code (the old one stops working), at most three sends in all."""
    signup = _open(signup_id)
    signup = SignupRequest.objects.select_for_update().get(pk=signup.pk)
    if signup.sends >= MAX_SENDS:
        raise SignupResendLimit()
    code = f"{secrets.randbelow(10**6):06d}"
    signup.sends += 1
    signup.code_digest = _digest(code, signup.pk)
    signup.expires_at = timezone.now() + timedelta(seconds=settings.POS_SIGNUP_CODE_SECONDS)
    signup.save(update_fields=["sends", "code_digest", "expires_at"])
    _send_code(signup, code)
    return signup


@dataclass(frozen=True)
class SignupDone:
    created: TenantCreated
    login_url: str


def signup_verify(*, signup_id: object, code: str, slug: str | None = None) -> SignupDone:
    """Make the shop once the code is right (see the module docstring). ``slug`` chooses another
    address when the one asked for was taken meanwhile (``409 slug_taken`` with suggestions)."""
    signup = _open(signup_id)
    with transaction.atomic():
        counted = SignupRequest.objects.select_for_update().get(pk=signup.pk)
        counted.attempts += 1
        counted.save(update_fields=["attempts"])
    if not hmac.compare_digest(_digest((code or "").strip(), signup.pk), signup.code_digest):
        raise SignupCodeInvalid(details={"attempts_left": max(MAX_ATTEMPTS - counted.attempts, 0)})
    existing = User.objects.filter(email__iexact=signup.email).first()
    if existing is not None and not signup.existing_account_ok:
        raise SignupCredentialsInvalid()
    address = validate_slug(slug.strip().lower()) if slug else signup.slug
    if not slug_available(address):
        raise SlugTaken(details={"slug": address, "suggestions": slug_suggestions(name=signup.shop_name)})
    provisioning.snapshot_current()  # built (if the migrations moved) outside the transaction
    with transaction.atomic():
        locked = SignupRequest.objects.select_for_update().get(pk=signup.pk)
        if locked.verified_at is not None:
            raise SignupInvalid()
        created = tenant_create(
            slug=address,
            name=locked.shop_name,
            owner_email=locked.email,
            actor=ACTOR,
            country=locked.country,
            owner_password_hash=None if existing is not None else locked.password_hash,
        )
        subscription_ensure(tenant=created.tenant)
        preference_update(
            user_id=created.owner.pk, tenant_id=None, phone=locked.phone, language=locked.language
        )
        locked.verified_at = timezone.now()
        locked.tenant = created.tenant
        locked.password_hash = ""
        locked.save(update_fields=["verified_at", "tenant", "password_hash"])
        platform_audit_record(
            actor=ACTOR,
            action="tenant.signup",
            tenant_slug=created.tenant.slug,
            details={"owner": locked.email, "verified_by": locked.verify_by, "country": locked.country},
        )
    return SignupDone(created=created, login_url=shop_url(tenant_id=created.tenant.pk, path="/portal/login"))


def signups_purge(*, older_than_days: int = 2) -> int:
    """Forget sign-ups never verified (and their password hashes) after two days."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = SignupRequest.objects.filter(verified_at__isnull=True, created_at__lt=cutoff).delete()
    return deleted
