"""A service's refusal in the reader's language.

Services raise :class:`~pos_platform.kernel.errors.ApplicationError` with an English message
marked for translation (a ``%(name)s`` template plus ``params`` when it has values in it); the API
and the CLI show that English, the back office shows it through :func:`error_text`."""

from __future__ import annotations

from django.utils.translation import gettext

from pos_platform.kernel.errors import ApplicationError


def error_text(exc: ApplicationError) -> str:
    """``exc``'s message in the active language; the English message when it has no translation
    (or when its translation does not fit its values)."""
    template = getattr(exc, "template", None) or exc.message
    params = getattr(exc, "params", None)
    translated = gettext(template)
    if params is None:
        return translated
    try:
        return translated % params
    except (KeyError, TypeError, ValueError):
        return exc.message
