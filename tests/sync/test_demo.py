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
        [terminal] = Terminal.objects.exclude(code="P1")
        assert terminal.status == "active"
        # The phone till waits for the terminal app, with a new code at each start.
        phone = Terminal.objects.get(code="P1")
        assert phone.status == "pending"
    assert first.state["phone_pairing_code"] != second.state["phone_pairing_code"]
    assert any(second.state["phone_pairing_code"] in line for line in second.lines)
    app = api_client("demo")
    paired = app.post("/api/v1/sync/pair", {"code": second.state["phone_pairing_code"]}, format="json")
    assert paired.status_code == 201
    assert (
        app.post("/api/v1/sync/pair", {"code": first.state["phone_pairing_code"]}, format="json").status_code
        == 400
    )
    assert first.state["terminal_credential"] == second.state["terminal_credential"]
    assert any(line.startswith("Demo terminal: D1 at ACC") for line in second.lines)
    client = api_client("demo")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second.state['terminal_credential']}")
    assert client.get("/api/v1/sync/status").json()["terminal_code"] == "D1"
