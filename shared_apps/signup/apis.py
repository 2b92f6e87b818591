"""Sign-up on the platform host (under /api/v1/signup), and a new shop's first-run steps on its
own host (/api/v1/onboarding)."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer, QuerySerializer
from pos_platform.api.schema import ErrorOutput
from pos_platform.api.views import ApiView, TenantRequest
from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.http import client_ip
from shared_apps.accounts.permissions import IsTenantMember
from shared_apps.signup import services
from shared_apps.signup.selectors import onboarding_steps

TAG = "signup"


class _Public(ApiView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class SignupInput(InputSerializer):
    shop_name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=40, help_text="The shop's address: <slug>.<platform host>.")
    email = serializers.CharField(max_length=254)
    phone = serializers.CharField(
        max_length=40, help_text="With its country code, or a number of the country."
    )
    country = serializers.CharField(max_length=2, help_text="ISO 3166 code; sets the currency and time zone.")
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    verify_by = serializers.ChoiceField(choices=["email", "sms"], default="email")
    language = serializers.ChoiceField(choices=["en", "fr"], required=False)


class SignupStartedOutput(serializers.Serializer):
    signup_id = serializers.UUIDField()
    verify_by = serializers.CharField()
    expires_at = serializers.DateTimeField()
    detail = serializers.CharField()


class SignupVerifyInput(InputSerializer):
    code = serializers.CharField(max_length=12)
    slug = serializers.CharField(
        max_length=40, required=False, help_text="Another address, if the first was taken."
    )


class SignupDoneOutput(serializers.Serializer):
    slug = serializers.CharField()
    shop_url = serializers.CharField()
    login_url = serializers.CharField(
        help_text="Sign in there with the e-mail and password; MFA set-up comes first."
    )
    currency = serializers.CharField()
    timezone = serializers.CharField()
    trial_ends_on = serializers.DateField()


class SlugQuery(QuerySerializer):
    slug = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="The address to check."
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="A shop's name to suggest addresses from."
    )


class SlugOutput(serializers.Serializer):
    slug = serializers.CharField(allow_null=True)
    available = serializers.BooleanField(allow_null=True)
    suggestions = serializers.ListField(child=serializers.CharField())


class SignupApi(_Public):
    @extend_schema(
        tags=[TAG],
        summary="Open a shop: step 1, send a code",
        description=(
            "Checks the shop's name and address, the e-mail, the phone (for the country) and the "
            "password rules, then sends a six-digit code by `verify_by` (e-mail or SMS). The answer "
            "is the same whether or not the e-mail has an account. Throttled per client IP and per "
            "e-mail and phone (`429 throttled`). `409 slug_taken` carries free `suggestions`."
        ),
        request=SignupInput,
        responses={
            202: SignupStartedOutput,
            400: OpenApiResponse(ErrorOutput, description="invalid input; nothing was written"),
            409: OpenApiResponse(ErrorOutput, description="`slug_taken`, with `details.suggestions`"),
            429: OpenApiResponse(ErrorOutput, description="`throttled`"),
        },
        examples=[
            OpenApiExample(
                "A shop in Accra",
                value={
                    "shop_name": "Kofi Mart",
                    "slug": "kofi-mart",
                    "email": "kofi@example.com",
                    "phone": "0241234567",
                    "country": "GH",
                    "password": "a long passphrase",
                    "verify_by": "email",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: TenantRequest) -> Response:
        data = SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        started = services.signup_start(ip=client_ip(request), **data.validated_data)
        signup = started.signup
        return Response(
            SignupStartedOutput(
                {
                    "signup_id": signup.pk,
                    "verify_by": signup.verify_by,
                    "expires_at": signup.expires_at,
                    "detail": "A code is on its way; give it to open the shop.",
                }
            ).data,
            status=status.HTTP_202_ACCEPTED,
        )


class SignupVerifyApi(_Public):
    @extend_schema(
        tags=[TAG],
        summary="Open a shop: step 2, the code",
        description=(
            "Five tries per code. The shop is made at once: the trader is its owner, the trial "
            "starts now. `400 signup_code_invalid` (with `attempts_left`), `400 signup_invalid` "
            "(unknown, expired, used or out of tries), `409 slug_taken` (choose another `slug`)."
        ),
        request=SignupVerifyInput,
        responses={
            201: SignupDoneOutput,
            400: OpenApiResponse(ErrorOutput, description="`signup_code_invalid`, `signup_invalid`"),
            409: OpenApiResponse(ErrorOutput, description="`slug_taken`, `signup_credentials_invalid`"),
        },
        examples=[OpenApiExample("The code", value={"code": "123456"}, request_only=True)],
    )
    def post(self, request: TenantRequest, signup_id: uuid.UUID) -> Response:
        from shared_apps.billing.models import Subscription

        data = SignupVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.signup_verify(
            signup_id=signup_id, code=data.validated_data["code"], slug=data.validated_data.get("slug")
        )
        tenant = done.created.tenant
        subscription = Subscription.objects.get(tenant=tenant)
        return Response(
            SignupDoneOutput(
                {
                    "slug": tenant.slug,
                    "shop_url": done.login_url.rsplit("/portal/", 1)[0] + "/portal/",
                    "login_url": done.login_url,
                    "currency": tenant.currency,
                    "timezone": tenant.timezone,
                    "trial_ends_on": subscription.period_end,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class SignupResendApi(_Public):
    @extend_schema(
        tags=[TAG],
        summary="Send the code again",
        description="At most three sends in all (`409 signup_resend_limit`); the earlier code stops working.",
        request=None,
        responses={
            202: None,
            400: OpenApiResponse(ErrorOutput, description="`signup_invalid`"),
            409: OpenApiResponse(ErrorOutput, description="`signup_resend_limit`"),
        },
    )
    def post(self, request: TenantRequest, signup_id: uuid.UUID) -> Response:
        services.signup_resend(signup_id=signup_id)
        return Response(status=status.HTTP_202_ACCEPTED)


class SlugApi(_Public):
    query = {"GET": SlugQuery}

    @extend_schema(
        tags=[TAG],
        summary="Is an address free? Suggestions from a shop's name",
        responses={200: SlugOutput},
    )
    def get(self, request: TenantRequest) -> Response:
        from shared_apps.tenants.services import validate_slug

        slug = request.query.get("slug", "").strip().lower()
        name = request.query.get("name", "")
        available = None
        if slug:
            try:
                available = services.slug_available(validate_slug(slug))
            except ApplicationError:
                available = False
        return Response(
            SlugOutput(
                {
                    "slug": slug or None,
                    "available": available,
                    "suggestions": services.slug_suggestions(name=name or slug),
                }
            ).data
        )


class OnboardingStepOutput(serializers.Serializer):
    step = serializers.CharField(help_text="`mfa`, `storefront`, `products`, `terminal`, ...")
    done = serializers.BooleanField()
    path = serializers.CharField(help_text="Where the step is done.")


class OnboardingOutput(serializers.Serializer):
    steps = OnboardingStepOutput(many=True)
    done = serializers.BooleanField()


class OnboardingApi(ApiView):
    permission_classes = [IsTenantMember]
    mfa_exempt = True

    @extend_schema(
        tags=[TAG],
        summary="A new shop's first-run steps",
        description="MFA set-up, a first storefront, first products, the first paired terminal: done or not.",
        responses={200: OnboardingOutput},
    )
    def get(self, request: TenantRequest) -> Response:
        steps = onboarding_steps(user=request.user)
        return Response(OnboardingOutput({"steps": steps, "done": all(s["done"] for s in steps)}).data)
