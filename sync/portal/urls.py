"""The sync pages under /portal/ (conflicts, terminals). Each route carries its prefix, as the
other apps' pages do (Django's urls.W002)."""

from django.urls import path

from sync.portal import views

urlpatterns = [
    path("conflicts", views.conflicts_view, name="portal-conflicts"),
    path("conflicts/accept-day", views.conflicts_accept_day_view, name="portal-conflicts-accept-day"),
    path("conflicts/<uuid:conflict_id>", views.conflict_view, name="portal-conflict"),
]
