"""The end of a page form's POST, in one place: call the service, put its refusal on the form, or
say what was done and send the person on (303 after POST, so a reload does not post again).

``run`` calls one service and returns the URL to go to next. Both helpers return ``None`` when
the service refused, so that the view renders the form again with the error beside its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from pos_platform.kernel.errors import ApplicationError
from pos_platform.portal.forms import show_error
from pos_platform.portal.once import once
from pos_platform.portal.pages import PortalRequest

if TYPE_CHECKING:
    from django import forms

# What to tell the person: the text, or a function that reads it once the service has run (a count
# or a number the service made).
Done = str | Callable[[], str]


def _said(done: Done) -> str:
    return done() if callable(done) else str(done)


def submit(
    request: HttpRequest, form: forms.Form, run: Callable[[], str], *, done: Done
) -> HttpResponse | None:
    """For writes that a second submit cannot double (settings, taxes): run, then redirect."""
    try:
        location = run()
    except ApplicationError as exc:
        show_error(form, exc)
        return None
    messages.success(request, _said(done))
    return redirect(location)


def submit_once(
    request: PortalRequest,
    form: forms.Form,
    run: Callable[[], str],
    *,
    done: Done,
    again: str | None = None,
    again_level: int = messages.SUCCESS,
) -> HttpResponse | None:
    """For money and stock writes: ``run`` at most once per form (see :func:`once`). A second
    submit of the same form is sent where the first went, told ``again``."""
    try:
        location, replayed = once(request, run)
    except ApplicationError as exc:
        show_error(form, exc)
        return None
    if replayed:
        messages.add_message(request, again_level, again or _("This was already done."))
    else:
        messages.success(request, _said(done))
    return redirect(location)
