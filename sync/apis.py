"""The terminal protocol (pair, pull, push, status) and the admin API for terminals and conflicts.

Terminal endpoints authenticate with the terminal credential; admin endpoints with a user's token
or session and the ``terminal.*`` / ``conflict.*`` actions of the permission hook.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import DateTimeParam, InputSerializer, PageQuery, QuerySerializer, page_of
from pos_platform.api.tenant import TenantApiView, actor_of, paginate, scope_of
from pos_platform.api.views import ApiView, TenantRequest
from pos_platform.kernel.errors import PermissionDenied
from pos_platform.kernel.http import client_ip
from shared_apps.accounts.permissions import Allows, can, request_membership
from sync import engine, envelope, feed, pins, services, terminals
from sync.errors import ConflictNotFound, TerminalNotFound
from sync.models import Conflict, Terminal
from sync.selectors import conflict_list, terminal_list, terminal_status

# --------------------------------------------------------------------------------------------
# Terminal side
# --------------------------------------------------------------------------------------------


class PairInput(InputSerializer):
    code = serializers.CharField(max_length=20)
    device_name = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    app_version = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)


class PairOutput(serializers.Serializer):
    terminal_id = serializers.UUIDField()
    terminal_code = serializers.CharField()
    storefront_id = serializers.UUIDField()
    storefront_code = serializers.CharField()
    credential = serializers.CharField(help_text="Shown once. Send as `Authorization: Bearer <credential>`.")
    server_time = serializers.DateTimeField()


class PairApi(ApiView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=PairInput,
        responses={201: PairOutput},
        tags=["sync"],
        summary="Turn a one-time pairing code into a terminal credential",
        examples=[
            OpenApiExample(
                "pair",
                request_only=True,
                value={"code": "K7PQ-M2XD", "device_name": "Sunmi V2", "app_version": "1.4.0"},
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = PairInput(data=request.data)
        data.is_valid(raise_exception=True)
        # Pairing failures are throttled per client address: the proxy-aware one.
        paired = terminals.terminal_pair(client_ip=client_ip(request), **data.validated_data)
        terminal = paired.terminal
        return Response(
            PairOutput(
                {
                    "terminal_id": terminal.pk,
                    "terminal_code": terminal.code,
                    "storefront_id": terminal.storefront_id,
                    "storefront_code": terminal.storefront.code,
                    "credential": paired.credential,
                    "server_time": timezone.now(),
                }
            ).data,
            status=201,
        )


class TerminalApiView(ApiView):
    authentication_classes = [terminals.TerminalAuthentication]
    permission_classes = [IsAuthenticated]

    @property
    def terminal(self) -> Terminal:
        return cast(Terminal, self.request.auth)


class PullOutput(serializers.Serializer):
    changes = serializers.DictField(help_text="Objects by kind: storefronts, products, prices, ...")
    deleted = serializers.DictField(help_text="Ids of deleted objects by kind.")
    cursor = serializers.CharField(help_text="Opaque; send it back to get what changed since.")
    has_more = serializers.BooleanField()
    snapshot = serializers.BooleanField(help_text="True while a full snapshot is being paged.")


class PullQuery(QuerySerializer):
    error_codes = {"limit": "limit_invalid"}

    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="From the last pull; omit for a full snapshot.",
    )
    limit = serializers.IntegerField(
        required=False,
        default=settings.POS_SYNC_PULL_LIMIT,
        min_value=1,
        max_value=settings.POS_SYNC_PULL_MAX_LIMIT,
        help_text=f"1 to {settings.POS_SYNC_PULL_MAX_LIMIT}.",
    )


class PullApi(TerminalApiView):
    query = {"GET": PullQuery}

    @extend_schema(
        responses={200: PullOutput},
        tags=["sync"],
        summary="Changes since the cursor",
    )
    def get(self, request: TenantRequest) -> Response:
        page = feed.pull(
            cursor=request.query.get("cursor") or None,
            limit=request.query["limit"],
            storefront_id=self.terminal.storefront_id,
        )
        return Response(page.as_dict())


class StatusOutput(serializers.Serializer):
    terminal_id = serializers.UUIDField()
    terminal_code = serializers.CharField()
    storefront_id = serializers.UUIDField()
    last_applied_seq = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    clock_offset_ms = serializers.IntegerField(allow_null=True)
    pending_ops = serializers.IntegerField()
    open_conflicts = serializers.IntegerField()
    open_conflicts_by_kind = serializers.DictField(child=serializers.IntegerField())
    server_time = serializers.DateTimeField()


class StatusApi(TerminalApiView):
    @extend_schema(
        tags=["sync"], summary="What the server holds for this terminal", responses={200: StatusOutput}
    )
    def get(self, request: Request) -> Response:
        return Response({**terminal_status(terminal=self.terminal), "server_time": timezone.now()})


# --------------------------------------------------------------------------------------------
# Cashiers' PINs (signed in as a person, not as a terminal)
# --------------------------------------------------------------------------------------------


class PinInput(InputSerializer):
    pin = serializers.CharField(max_length=8, min_length=4, help_text="4 to 8 digits.")


class PinResetInput(InputSerializer):
    pin = serializers.CharField(
        max_length=8, min_length=4, required=False, help_text="4 to 8 digits; omit to clear the PIN."
    )


class PinOutput(serializers.Serializer):
    user_id = serializers.UUIDField()
    pin_set = serializers.BooleanField()
    set_at = serializers.DateTimeField()


def _pin_output(row: Any) -> Response:
    return Response(
        PinOutput({"user_id": row.user_id, "pin_set": bool(row.verifier), "set_at": row.set_at}).data
    )


def _member(request: Request) -> Any:
    membership = request_membership(request)
    assert membership is not None  # Allows() found it
    return membership


class PinApi(TenantApiView):
    actions = {"POST": "sale.create"}

    @extend_schema(
        request=PinInput,
        responses={200: PinOutput},
        examples=[OpenApiExample("pin", request_only=True, value={"pin": "4821"})],
        tags=["sync"],
        summary="Set your own PIN for signing in at this shop's terminals",
        description=(
            "The terminals get a salted PBKDF2-SHA256 verifier of it with the cashiers in the pull, "
            "never the PIN. `400 pin_invalid`; `429 pin_throttled` after 10 changes in 10 minutes."
        ),
    )
    def post(self, request: Request) -> Response:
        data = PinInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = pins.cashier_pin_set(
            membership=_member(request), pin=data.validated_data["pin"], actor=actor_of(request)
        )
        return _pin_output(row)


class PinResetApi(TenantApiView):
    actions = {"POST": "staff.manage"}

    @extend_schema(
        request=PinResetInput,
        responses={200: PinOutput},
        examples=[
            OpenApiExample("new PIN", request_only=True, value={"pin": "7310"}),
            OpenApiExample("clear", request_only=True, value={}),
        ],
        tags=["sync admin"],
        summary="Give a staff member a new PIN, or clear it",
        description="Nobody resets the PIN of a role above their own (`403 role_above_own`).",
    )
    def post(self, request: Request, membership_id: uuid.UUID) -> Response:
        data = PinResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = pins.cashier_pin_reset(
            actor_membership=_member(request),
            membership_id=membership_id,
            pin=data.validated_data.get("pin"),
            actor=actor_of(request),
        )
        return _pin_output(row)


# --------------------------------------------------------------------------------------------
# Admin side
# --------------------------------------------------------------------------------------------


class TerminalOutput(serializers.Serializer):
    id = serializers.UUIDField()
    storefront_id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    device_name = serializers.CharField()
    app_version = serializers.CharField()
    paired_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    clock_offset_ms = serializers.IntegerField(allow_null=True)
    last_applied_seq = serializers.IntegerField()
    open_conflicts = serializers.IntegerField(default=0)
    revoked_at = serializers.DateTimeField(allow_null=True)


class TerminalCreateInput(InputSerializer):
    storefront_id = serializers.UUIDField()
    code = serializers.CharField(max_length=8)
    name = serializers.CharField(max_length=120)


class PairingCodeOutput(serializers.Serializer):
    terminal = TerminalOutput()
    pairing_code = serializers.CharField(help_text="Shown once; single use.")
    pairing_expires_at = serializers.DateTimeField()


def _pairing_response(code: terminals.PairingCode, status: int) -> Response:
    terminal = terminal_list().get(pk=code.terminal.pk)
    return Response(
        PairingCodeOutput(
            {"terminal": terminal, "pairing_code": code.code, "pairing_expires_at": code.expires_at}
        ).data,
        status=status,
    )


def _terminal_for(request: Request, terminal_id: uuid.UUID) -> Terminal:
    """The terminal, if the member may manage its storefront; 404 otherwise (no existence oracle)."""
    terminal = Terminal.objects.filter(pk=terminal_id).first()
    if terminal is None or not can(
        request_membership(request),
        "terminal.manage",
        storefront_id=terminal.storefront_id,
    ):
        raise TerminalNotFound()
    return terminal


class TerminalListApi(ApiView):
    permission_classes = [Allows("terminal.manage")]

    @extend_schema(
        responses={200: TerminalOutput(many=True)},
        tags=["sync admin"],
        summary="Terminals with last seen, clock offset, last applied seq, open conflicts",
    )
    def get(self, request: Request) -> Response:
        return Response(TerminalOutput(terminal_list(storefront_id=scope_of(request)), many=True).data)

    @extend_schema(
        request=TerminalCreateInput,
        responses={201: PairingCodeOutput},
        examples=[
            OpenApiExample(
                "Till 2",
                value={
                    "storefront_id": "5f0c6b1e-0000-4000-8000-000000000002",
                    "code": "T2",
                    "name": "Till 2",
                },
                request_only=True,
            )
        ],
        tags=["sync admin"],
        summary="Create a terminal; returns its one-time pairing code",
    )
    def post(self, request: Request) -> Response:
        data = TerminalCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not can(
            request_membership(request),
            "terminal.manage",
            storefront_id=data.validated_data["storefront_id"],
        ):
            raise PermissionDenied(gettext_noop("You can only add terminals to your own storefront."))
        code = terminals.terminal_create(actor=actor_of(request), **data.validated_data)
        return _pairing_response(code, 201)


class TerminalPairingCodeApi(ApiView):
    permission_classes = [Allows("terminal.manage")]

    @extend_schema(
        request=None,
        responses={200: PairingCodeOutput},
        tags=["sync admin"],
        summary="A new pairing code for a terminal awaiting pairing",
    )
    def post(self, request: Request, terminal_id: uuid.UUID) -> Response:
        terminal = _terminal_for(request, terminal_id)
        code = terminals.terminal_pairing_renew(terminal_id=terminal.pk, actor=actor_of(request))
        return _pairing_response(code, 200)


class RevokeInput(InputSerializer):
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class TerminalRevokeApi(ApiView):
    permission_classes = [Allows("terminal.manage")]

    @extend_schema(
        request=RevokeInput,
        responses={200: TerminalOutput},
        tags=["sync admin"],
        summary="Revoke a terminal (its credential gets 401 terminal_revoked)",
    )
    def post(self, request: Request, terminal_id: uuid.UUID) -> Response:
        terminal = _terminal_for(request, terminal_id)
        data = RevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        terminals.terminal_revoke(
            terminal_id=terminal.pk, actor=actor_of(request), reason=data.validated_data["reason"]
        )
        return Response(TerminalOutput(terminal_list().get(pk=terminal.pk)).data)


@extend_schema_field(
    {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"type": "string", "description": "oversold, price_mismatch, total_mismatch, ..."},
            "sale_id": {"type": "string", "format": "uuid"},
            "storefront_id": {"type": "string", "format": "uuid"},
        },
        "additionalProperties": True,
        "description": "The conflict's kind and its facts as flat fields (product_id, expected, ...).",
    }
)
class PushConflictField(serializers.DictField):
    """One conflict in a push result (see docs/sync-protocol.md)."""


class PushResultOutput(serializers.Serializer):
    op_id = serializers.UUIDField()
    status = serializers.CharField(help_text="applied, duplicate, rejected, pending (docs/sync-protocol.md).")
    code = serializers.CharField(required=False, help_text="Why it was rejected (or was, for a duplicate).")
    message = serializers.CharField(required=False)
    details = serializers.JSONField(required=False)
    id = serializers.UUIDField(required=False, help_text="The sale, event, shift, ... it created.")
    original_status = serializers.CharField(required=False, help_text="duplicate: the first answer's status.")
    same_batch = serializers.BooleanField(required=False)
    conflicts = serializers.ListField(child=PushConflictField(), required=False)


class PushOutput(serializers.Serializer):
    batch_id = serializers.UUIDField()
    server_time = serializers.DateTimeField()
    results = PushResultOutput(many=True)


PUSH_EXAMPLE = {
    "batch_id": "0b6f0c55-3f6e-4a8e-9a55-2a3c1f1d7e01",
    "terminal_time": "2026-11-22T10:15:00Z",
    "ops": [
        {
            "op_id": "5d0e8a40-6a4b-4b8a-bb1e-6c1f7c0a9d11",
            "kind": "sale",
            "seq": 41,
            "occurred_at": "2026-11-22T08:02:11Z",
            "data": {
                "receipt_number": "ACC-T1-000041",
                "cashier_id": "0f2c3b1e-7c1f-4a0e-9e4b-2b1d9f7a6c55",
                "lines": [
                    {
                        "product_id": "9b2f6a2e-1c4d-4e0f-8a7b-3c2d1e0f9a88",
                        "quantity": "2",
                        "unit_price": "12.50",
                    }
                ],
                "payments": [{"method": "cash", "amount": "30.00"}],
                "totals": {"total": "25.00"},
            },
        }
    ],
}


class PushApi(TerminalApiView):
    # The body is read raw: it may be gzip-encoded and is checked against the limits first.
    parser_classes: list[Any] = []

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={200: PushOutput},
        tags=["sync"],
        summary="Upload a batch of offline operations; answered per operation",
        examples=[OpenApiExample("batch", value=PUSH_EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> HttpResponse:
        body = envelope.read_body(request._request)
        batch = envelope.parse_batch(body)
        reply = engine.push_batch(
            terminal=self.terminal, batch=batch, app_version=request.META.get("HTTP_X_APP_VERSION", "")
        )
        # The stored bytes: a batch sent again gets exactly the answer the first copy got.
        response = HttpResponse(reply, content_type="application/json")
        # What a DRF Response carries, for the middleware that counts ops by outcome.
        response.data = orjson.loads(reply)  # type: ignore[attr-defined]
        return response


# --------------------------------------------------------------------------------------------
# Conflicts
# --------------------------------------------------------------------------------------------


class ConflictQuery(PageQuery):
    status = serializers.ChoiceField(choices=Conflict.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Conflict.Kind.choices, required=False)
    terminal = serializers.UUIDField(required=False)
    storefront = serializers.UUIDField(required=False)
    product = serializers.UUIDField(required=False)
    sale = serializers.UUIDField(required=False)
    since = DateTimeParam(required=False, help_text="Raised at or after.")
    until = DateTimeParam(required=False, help_text="Raised before.")


class ConflictOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    status = serializers.CharField()
    terminal_id = serializers.UUIDField()
    op_id = serializers.UUIDField()
    storefront_id = serializers.UUIDField()
    sale_id = serializers.UUIDField(allow_null=True)
    product_id = serializers.UUIDField(allow_null=True)
    details = serializers.DictField()
    created_at = serializers.DateTimeField()
    resolution = serializers.CharField()
    note = serializers.CharField()
    resolved_by = serializers.UUIDField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)


_CONFLICT_FILTERS = {
    "status": "status",
    "kind": "kind",
    "terminal": "terminal_id",
    "storefront": "storefront_id",
    "product": "product_id",
    "sale": "sale_id",
    "since": "since",
    "until": "until",
}


class ConflictListApi(ApiView):
    permission_classes = [Allows("conflict.view")]
    query = {"GET": ConflictQuery}

    @extend_schema(
        responses={200: page_of(ConflictOutput)},
        tags=["sync admin"],
        summary="Conflicts raised by offline operations, newest first (filter by status, kind, ...)",
    )
    def get(self, request: TenantRequest) -> Response:
        filters = {
            column: request.query[name] for name, column in _CONFLICT_FILTERS.items() if name in request.query
        }
        return paginate(request, self, conflict_list(scope=scope_of(request), **filters), ConflictOutput)


class ConflictResolveInput(InputSerializer):
    resolution = serializers.ChoiceField(choices=Conflict.Resolution.choices)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, required=False)


class ConflictResolveApi(ApiView):
    permission_classes = [Allows("conflict.resolve")]

    @extend_schema(
        request=ConflictResolveInput,
        responses={200: ConflictOutput},
        tags=["sync admin"],
        summary="Resolve a conflict: accept it, annotate it, or adjust stock with a movement",
        examples=[
            OpenApiExample("accept", request_only=True, value={"resolution": "accepted"}),
            OpenApiExample(
                "adjust stock",
                request_only=True,
                value={"resolution": "stock_adjusted", "quantity": "12", "note": "found in store"},
            ),
        ],
    )
    def post(self, request: Request, conflict_id: uuid.UUID) -> Response:
        data = ConflictResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        conflict = Conflict.objects.filter(pk=conflict_id).first()
        if conflict is None or not can(
            request_membership(request), "conflict.resolve", storefront_id=conflict.storefront_id
        ):
            raise ConflictNotFound()
        resolved = services.conflict_resolve(
            conflict_id=conflict.pk,
            resolution=data.validated_data["resolution"],
            note=data.validated_data["note"],
            quantity=data.validated_data.get("quantity"),
            actor=actor_of(request),
        )
        return Response(ConflictOutput(resolved).data)
