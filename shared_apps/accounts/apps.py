"""Users (email login, UUID keys), their memberships of tenants, MFA, API tokens, staff."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shared_apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from shared_apps.accounts import middleware, schema  # noqa: F401 - signal and OpenAPI hooks
