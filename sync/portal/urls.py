"""The sync pages under /portal/ (conflicts, terminals). Each route carries its prefix, as the
other apps' pages do (Django's urls.W002)."""

from django.urls import path

from sync.portal import terminals, views

urlpatterns = [
    path("conflicts", views.conflicts_view, name="portal-conflicts"),
    path("conflicts/accept-day", views.conflicts_accept_day_view, name="portal-conflicts-accept-day"),
    path("conflicts/<uuid:conflict_id>", views.conflict_view, name="portal-conflict"),
    path("terminals", terminals.terminals_view, name="portal-terminals"),
    path("terminals/new", terminals.terminal_new_view, name="portal-terminal-new"),
    path("terminals/<uuid:terminal_id>", terminals.terminal_view, name="portal-terminal"),
    path(
        "terminals/<uuid:terminal_id>/pairing-code",
        terminals.terminal_pairing_code_view,
        name="portal-terminal-pairing-code",
    ),
    path(
        "terminals/<uuid:terminal_id>/revoke", terminals.terminal_revoke_view, name="portal-terminal-revoke"
    ),
]
