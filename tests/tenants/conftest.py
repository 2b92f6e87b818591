"""Fixtures for the tenancy tests: an extra migration that exists only while a test says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader

from shared_apps.tenants import provisioning
from shared_apps.tenants.models import SchemaSnapshot, Tenant


class ProbeMigration(migrations.Migration):
    """A migration that exists only while a test says so."""

    dependencies = [("storefronts", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Probe",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("label", models.CharField(max_length=20, default="probe")),
            ],
        ),
        migrations.AddIndex(model_name="probe", index=models.Index(fields=["label"], name="probe_label_idx")),
    ]


PROBE = ("storefronts", "0099_probe")


def install_probe(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Add storefronts.0099_probe to every migration loader until the monkeypatch is undone."""
    original = MigrationLoader.load_disk

    def load_disk(self: MigrationLoader) -> None:
        original(self)
        self.disk_migrations[PROBE] = ProbeMigration(PROBE[1], PROBE[0])

    monkeypatch.setattr(MigrationLoader, "load_disk", load_disk)
    provisioning.snapshot_forget()
    return PROBE


@pytest.fixture
def probe_migration(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    yield install_probe(monkeypatch)
    monkeypatch.undo()
    provisioning.snapshot_forget()


def drop_probe_everywhere(fingerprint: str) -> None:
    SchemaSnapshot.objects.filter(pk=fingerprint).delete()
    # The schemas lose the probe by hand: their stamp must no longer say they have it.
    Tenant.objects.filter(migration_fingerprint=fingerprint).update(migration_fingerprint="")
    with connection.cursor() as cursor:
        for schema in Tenant.objects.values_list("schema_name", flat=True):
            cursor.execute(f'DROP TABLE IF EXISTS "{schema}".storefronts_probe')
            cursor.execute(f"DELETE FROM \"{schema}\".django_migrations WHERE name = '0099_probe'")
        cursor.execute("DELETE FROM public.django_migrations WHERE name = '0099_probe'")
