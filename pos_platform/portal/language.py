"""The back office in the person's language.

After authentication, a portal request (``/portal/...``) runs in the language the person chose on
their account page (``messaging.Preference.language``, this shop's row or their default), else the
first of ``settings.LANGUAGES`` that the browser's ``Accept-Language`` asks for, else
``LANGUAGE_CODE``. Pages, messages and refusals are translated through Django's catalogues, and
``pos_platform.portal.formatting`` formats money, numbers and dates for the same locale.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from shared_apps.messaging.models import Preference
from shared_apps.messaging.rendering import language_of
from shared_apps.messaging.services import preference_of

PORTAL_PREFIX = "/portal/"


_PREFERENCE = "_portal_preference"


def request_preference(request: HttpRequest) -> Preference:
    """The signed-in person's preferences at the request's shop (``preference_of``), read once
    a request: the language middleware and the account page ask for them."""
    found = getattr(request, _PREFERENCE, None)
    if found is None:
        tenant = getattr(request, "tenant", None)
        tenant_id = (
            getattr(tenant, "pk", None) if getattr(tenant, "schema_name", "public") != "public" else None
        )
        # Asked for a signed-in person only: the id is set.
        found = preference_of(user_id=cast(uuid.UUID, request.user.pk), tenant_id=tenant_id)
        setattr(request, _PREFERENCE, found)
    return found


def chosen_language(request: HttpRequest) -> str:
    """The person's chosen language, else the browser's, else the default."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        chosen = request_preference(request).language
        if chosen:
            return language_of(chosen)
    return language_of(translation.get_language_from_request(request))


class PortalLanguageMiddleware:
    """Activates the chosen language for the request and the response (``Content-Language``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PORTAL_PREFIX):
            return self.get_response(request)
        language = chosen_language(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
