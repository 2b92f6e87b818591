"""Helpers shared by the tenant apps' API views: the acting person, storefront scope,
idempotency keys, pagination, and the base view whose methods each name a permission action."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils.translation import gettext_noop
from drf_spectacular.plumbing import get_lib_doc_excludes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import PAGE_MAX, PAGE_SIZE, QuerySerializer
from pos_platform.api.views import ApiView
from pos_platform.db import pipelined, single_transaction
from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import NotFound, PermissionDenied, Unprocessable, ValidationFailed
from pos_platform.kernel.http import client_ip
from pos_platform.kernel.transactions import retrying
from shared_apps.accounts.permissions import Allows, can, request_membership, storefront_scope
from tenant_apps.idempotency.services import idempotency_claim, idempotency_store

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID) per intended operation. A retry with the same key and body gets the "
        "stored response (header Idempotent-Replayed: true); the same key with another body gets "
        "422 idempotency_key_reused."
    ),
)


def user_id(request: Request) -> uuid.UUID:
    """The authenticated user's id (views run after IsAuthenticated)."""
    pk = request.user.pk
    assert isinstance(pk, uuid.UUID)
    return pk


def actor_of(request: Request) -> Actor:
    return Actor.of_user(request.user, ip=client_ip(request))


def require_storefront(request: Request, action: str, storefront_id: uuid.UUID | str | None) -> None:
    """403 when a member limited to one storefront acts at another."""
    if not can(request_membership(request), action, storefront_id=storefront_id):
        raise PermissionDenied(
            gettext_noop("Your access is limited to another storefront."), code="storefront_forbidden"
        )


def visible_or_404(request: Request, action: str, storefront_id: uuid.UUID | str | None) -> None:
    """404 for an object of a storefront a scoped member cannot see (no existence oracle)."""
    if not can(request_membership(request), action, storefront_id=storefront_id):
        raise NotFound()


def scope_of(request: Request) -> uuid.UUID | None:
    return storefront_scope(request_membership(request))


def idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` (a write and its response) in one transaction, at most once per
    ``Idempotency-Key`` (see tenant_apps.idempotency). A deadlock or serialization failure
    runs the whole transaction again (:func:`pos_platform.kernel.transactions.retrying`)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return retrying(_in_one_transaction)(handler)
    key = key.strip()
    if not key or len(key) > 255:
        raise ValidationFailed(
            gettext_noop("The Idempotency-Key header is 1 to 255 characters."), code="idempotency_key_invalid"
        )
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    digest = hashlib.sha256(body.encode()).hexdigest()
    scope = f"{request.method} {request.path}"

    def claimed() -> Response:
        with ExitStack() as until_committed, single_transaction():
            claim_id, stored = idempotency_claim(
                actor_id=user_id(request), key=key, scope=scope, request_hash=digest
            )
            if stored is not None:
                if stored.request_hash != digest or stored.scope != scope:
                    raise Unprocessable(
                        gettext_noop("This Idempotency-Key was used for a different request; use a new key."),
                        code="idempotency_key_reused",
                    )
                return Response(
                    stored.body, status=stored.status or 200, headers={"Idempotent-Replayed": "true"}
                )
            response = handler()
            assert claim_id is not None
            stored_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            # The store and the COMMIT travel to the server together (psycopg's pipeline mode):
            # one round trip instead of two at the end of a write whose shared rows (a sale's
            # receipt counter and stock levels) stay locked until the commit. The pipeline is
            # left after the commit (the ExitStack closes after the transaction).
            until_committed.enter_context(pipelined())
            idempotency_store(claim_id=claim_id, status=response.status_code, body=stored_body)
            return response

    return retrying(claimed)()


def _in_one_transaction(handler: Callable[[], Response]) -> Response:
    with single_transaction():
        return handler()


class Paginator(LimitOffsetPagination):
    """Pages of ``limit`` items from ``offset``, the values :class:`PageQuery` validated."""

    default_limit = PAGE_SIZE
    max_limit = PAGE_MAX

    def get_limit(self, request: Request) -> int:
        return int(getattr(request, "query", {}).get("limit", PAGE_SIZE))

    def get_offset(self, request: Request) -> int:
        return int(getattr(request, "query", {}).get("offset", 0))


def paginate(
    request: Request, view: Any, queryset: QuerySet[Any] | list[Any], output: type[serializers.Serializer]
) -> Response:
    """A page of ``queryset`` as ``{count, next, previous, results}`` (the view's query serializer
    derives from :class:`PageQuery`; its schema response is ``page_of(output)``)."""
    paginator = Paginator()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(page, many=True).data)


class DayRangeQuery(QuerySerializer):
    """Shop days ``from`` .. ``to`` (inclusive), each optional."""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        # "from" is a Python keyword, so the field cannot be declared as a class attribute.
        fields["from"] = serializers.DateField(required=False, help_text="First shop day (inclusive).")
        fields["to"] = serializers.DateField(required=False, help_text="Last shop day (inclusive).")
        return fields


class TenantApiView(ApiView):
    """An API view whose HTTP methods each name one permission action: ``actions = {"GET":
    "catalog.view", "POST": "catalog.manage"}``.

    HEAD runs the GET handler, so it needs GET's action. A handler without an action is refused
    when the class is defined: it would otherwise run for any signed-in user. Methods without a
    handler (and OPTIONS, which only describes the endpoint) need a signed-in user, and DRF
    answers 405 for the former."""

    actions: dict[str, str] = {}
    _allows: dict[str, type[BasePermission]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        actions = dict(cls.actions)
        if "GET" in actions:
            actions.setdefault("HEAD", actions["GET"])
        unguarded = [
            method
            for method in cls.http_method_names
            if method not in ("head", "options") and hasattr(cls, method) and method.upper() not in actions
        ]
        if unguarded:
            raise TypeError(f"{cls.__name__}: no permission action for {', '.join(unguarded)}")
        cls._allows = {method: Allows(action) for method, action in actions.items()}

    def get_permissions(self) -> list[BasePermission]:
        allows = self._allows.get(self.request.method or "")
        if allows is None:
            return [IsAuthenticated()]
        return [IsAuthenticated(), allows()]


def schema_doc_excludes() -> list[type]:
    """Classes whose docstring is not an endpoint's description in the OpenAPI schema
    (``SPECTACULAR_SETTINGS["GET_LIB_DOC_EXCLUDES"]``): the view base classes of the project."""
    return [*get_lib_doc_excludes(), TenantApiView]
