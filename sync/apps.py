from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    label = "sync"
    verbose_name = "Offline sync"

    def ready(self) -> None:
        from sync import schema  # noqa: F401 - the terminal credential's OpenAPI description
