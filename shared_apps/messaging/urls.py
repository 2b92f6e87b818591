"""Messages at a shop's host, under /api/v1/."""

from django.urls import path

from shared_apps.messaging import apis

urlpatterns = [
    path("messages", apis.MessageListApi.as_view(), name="messages-list"),
    path("messages/preferences", apis.PreferenceApi.as_view(), name="messages-preferences"),
    path("messages/settings", apis.ShopMessagingApi.as_view(), name="messages-settings"),
]
