"""Who did something: a person (public user id) possibly through a terminal, or the system."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    label: str = ""
    terminal_id: uuid.UUID | None = None
    ip: str | None = None

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(user_id=None, label=f"system:{job}")

    @classmethod
    def of_user(cls, user: Any, *, ip: str | None = None, terminal_id: uuid.UUID | None = None) -> Actor:
        return cls(user_id=user.pk, label=getattr(user, "email", "") or "", terminal_id=terminal_id, ip=ip)
