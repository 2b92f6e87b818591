"""The opt-out page behind the link in a message: ``/messages/opt-out/<token>`` on any host.

GET shows what the link stops and a button; only the POST records it (a mail scanner following
the link changes nothing). The token is signed (``services.opt_out_token``): it names the channel,
the address and the category, and cannot be made for another address.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from shared_apps.messaging.models import Category
from shared_apps.messaging.services import OPT_OUT_SALT, opt_out


@require_http_methods(["GET", "POST"])
def opt_out_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _channel, address, category = signing.loads(token, salt=OPT_OUT_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return render(request, "messaging/opt_out.html", {"invalid": True}, status=404)
    context = {
        "address": address,
        "category": dict(Category.choices).get(category, category) if category else "",
        "done": False,
    }
    if request.method == "POST":
        opt_out(token=token)
        context["done"] = True
    response = render(request, "messaging/opt_out.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
