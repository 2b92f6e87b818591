"""Django forms of the back office: rendered with their errors beside each field, and fed the
services' errors (a service decides; the form only shows what it said)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy as _

from pos_platform.kernel.errors import ApplicationError
from pos_platform.portal.errors import error_text
from pos_platform.portal.once import FIELD, form_key


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's choice field ``name``, typed, for setting its ``choices`` at run time."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    return field


class PortalRenderer(DjangoTemplates):
    """Fields as label, input, help and errors in one group (``portal/forms/field.html``)."""

    form_template_name = "portal/forms/form.html"
    field_template_name = "portal/forms/field.html"


RENDERER = PortalRenderer()


class PortalBoundField(BoundField):
    """A field whose input points at its error message (``aria-describedby``), so that a screen
    reader reads the error with the field."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and self.auto_id:
            described = [str(attrs.get("aria-describedby") or ""), f"{self.auto_id}_error"]
            attrs["aria-describedby"] = " ".join(d for d in described if d)
        return attrs


class PortalForm(forms.Form):
    default_renderer = RENDERER
    template_name_div = "portal/forms/form.html"
    bound_field_class = PortalBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class OnceForm(PortalForm):
    """A form that creates money or stock rows: it carries its idempotency key
    (:mod:`pos_platform.portal.once`)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255)

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new form gets a fresh key; a re-rendered one keeps the key it was sent with.
        self.fields[FIELD].error_messages["required"] = _("This form is out of date; open it again.")
        if request is not None:
            self.initial.setdefault(FIELD, form_key(request))


def show_error(form: forms.Form, exc: ApplicationError, fields: Iterable[str] = ()) -> None:
    """Put a service's error on the field it names (``details.field``) when the form has it,
    else above the form."""
    details = exc.details if isinstance(exc.details, dict) else {}
    field = details.get("field")
    names = set(fields) or set(form.fields)
    if isinstance(field, str) and field in names and field in form.fields:
        form.add_error(field, error_text(exc))
    else:
        form.add_error(None, error_text(exc))


def bool_choice(value: str | None) -> bool | None:
    return {"true": True, "false": False, "1": True, "0": False}.get((value or "").lower())
