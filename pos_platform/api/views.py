"""The base of every API view: a typed request, and query parameters validated before the
handler runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_noop
from rest_framework.request import Request
from rest_framework.views import APIView

from pos_platform.kernel.errors import ValidationFailed
from pos_platform.kernel.http import text_problem

if TYPE_CHECKING:
    from pos_platform.api.inputs import QuerySerializer
    from shared_apps.accounts.models import Membership, User


class TenantRequest(Request):
    """The request an API view receives (for the type checker: DRF builds a plain ``Request``).

    ``tenant`` is the tenant whose host served it (set by the routing middleware; the platform
    host has a public stand-in), ``membership`` the caller's usable membership there once a
    permission class has looked it up (None for terminals and anonymous callers), ``query`` the
    validated query parameters of the view's :class:`~pos_platform.api.inputs.QuerySerializer`.
    """

    tenant: Any
    membership: Membership | None
    query: dict[str, Any]

    if TYPE_CHECKING:
        # A person's endpoints run after IsAuthenticated: the user is a User (a terminal's
        # endpoints have their own principal, read through ``auth``).
        @property
        def user(self) -> User: ...

        @user.setter
        def user(self, value: Any) -> None: ...


class ApiView(APIView):
    """An API view. ``query = {"GET": SomeQuery}`` declares the query parameters of a method:
    they are checked after authentication and permissions and before the handler (``400
    query_invalid`` naming the parameter), and land in ``request.query``. Whatever the view
    declares, a parameter holding a NUL or another control character is refused."""

    query: ClassVar[dict[str, type[QuerySerializer]]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        method = "GET" if request.method == "HEAD" else request.method or ""  # HEAD runs the GET handler
        setattr(request, "query", query_validate(request, self.query.get(method)))  # noqa: B010


def query_validate(request: Request, serializer: type[QuerySerializer] | None) -> dict[str, Any]:
    params = request.query_params
    for name in params:
        for value in [name, *params.getlist(name)]:
            problem = text_problem(value)
            if problem:
                raise ValidationFailed(
                    gettext_noop("The query parameter %(name)s %(problem)s."),
                    code="query_invalid",
                    details={"parameter": name},
                    params={"name": f"{name!r}", "problem": problem},
                )
    if serializer is None:
        return {}
    parsed = serializer(data=params.dict())
    if not parsed.is_valid():
        name = next(iter(parsed.errors))
        messages = parsed.errors[name]
        first = messages[0] if isinstance(messages, list) and messages else messages
        raise ValidationFailed(
            gettext_noop("The query parameter %(name)s is not valid: %(first)s"),
            code=serializer.error_codes.get(name, "query_invalid"),
            details={"parameter": name, "errors": parsed.errors},
            params={"name": f"{name!r}", "first": first},
        )
    return dict(parsed.validated_data)
