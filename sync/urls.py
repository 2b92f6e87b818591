from django.urls import path

from sync import apis

urlpatterns = [
    path("sync/pair", apis.PairApi.as_view(), name="sync-pair"),
    path("sync/pull", apis.PullApi.as_view(), name="sync-pull"),
    path("sync/push", apis.PushApi.as_view(), name="sync-push"),
    path("sync/status", apis.StatusApi.as_view(), name="sync-status"),
    path("sync/pin", apis.PinApi.as_view(), name="sync-pin"),
    path("sync/staff/<uuid:membership_id>/pin", apis.PinResetApi.as_view(), name="sync-pin-reset"),
    path("sync/terminals", apis.TerminalListApi.as_view(), name="sync-terminals"),
    path(
        "sync/terminals/<uuid:terminal_id>/pairing-code",
        apis.TerminalPairingCodeApi.as_view(),
        name="sync-terminal-pairing-code",
    ),
    path(
        "sync/terminals/<uuid:terminal_id>/revoke",
        apis.TerminalRevokeApi.as_view(),
        name="sync-terminal-revoke",
    ),
    path("sync/conflicts", apis.ConflictListApi.as_view(), name="sync-conflicts"),
    path(
        "sync/conflicts/<uuid:conflict_id>/resolve",
        apis.ConflictResolveApi.as_view(),
        name="sync-conflict-resolve",
    ),
]
