"""The opt-out page, on every host (a shop's or the platform's)."""

from django.urls import path

from shared_apps.messaging.views import opt_out_view

urlpatterns = [path("messages/opt-out/<str:token>", opt_out_view, name="messages-opt-out")]
