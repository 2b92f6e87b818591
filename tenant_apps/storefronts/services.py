from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from tenant_apps.storefronts.errors import StorefrontCodeInvalid, StorefrontCodeTaken
from tenant_apps.storefronts.models import Storefront

_CODE = re.compile(r"^[A-Z0-9]{2,8}$")


@transaction.atomic
def storefront_create(*, code: str, name: str) -> Storefront:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise StorefrontCodeInvalid()
    try:
        with transaction.atomic():
            return Storefront.objects.create(code=code, name=name.strip())
    except IntegrityError as exc:
        raise StorefrontCodeTaken() from exc
