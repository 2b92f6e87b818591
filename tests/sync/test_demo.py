"""The demo terminal of ``make run``: paired once, its credential kept for ``sync_demo``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from pos_platform.demo import demo_seed
from sync.models import Terminal
from tests.conftest import api_client


def test_the_demo_seed_pairs_one_terminal_and_keeps_it(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POS_DATA_DIR", str(tmp_path))

    first = demo_seed()
    second = demo_seed()

    with tenant_context(first.tenant):
        [terminal] = Terminal.objects.all()
        assert terminal.status == "active"
    assert first.state["terminal_credential"] == second.state["terminal_credential"]
    assert any(line.startswith("Demo terminal: D1 at ACC") for line in second.lines)
    client = api_client("demo")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second.state['terminal_credential']}")
    assert client.get("/api/v1/sync/status").json()["terminal_code"] == "D1"
