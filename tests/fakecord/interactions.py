"""Records of interactions the fake sent to the bot, and what the bot answered."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Callback types.
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}

TOKEN_LIFETIME_S = 15 * 60


@dataclass(eq=False)
class Interaction:
    """One interaction: the INTERACTION_CREATE payload and the bot's answers, in arrival order.

    Messages are referenced by id; read them with `FakeDiscord.message_by_id` (ephemeral ones are
    kept outside channel history, as on Discord, but are readable the same way).
    """

    id: str
    token: str
    type: int
    payload: JSON
    created_at: float = field(default_factory=time.monotonic)
    callbacks: list[JSON] = field(default_factory=list)
    original_message_id: str | None = None
    followup_ids: list[str] = field(default_factory=list)

    @property
    def responded(self) -> bool:
        return bool(self.callbacks)

    @property
    def response_type(self) -> int | None:
        return self.callbacks[0].get("type") if self.callbacks else None

    @property
    def response_data(self) -> JSON:
        return dict(self.callbacks[0].get("data") or {}) if self.callbacks else {}

    @property
    def autocomplete_choices(self) -> list[JSON] | None:
        if self.response_type != AUTOCOMPLETE_RESULT:
            return None
        choices: list[JSON] = self.response_data.get("choices") or []
        return choices

    @property
    def modal(self) -> JSON | None:
        return self.response_data if self.response_type == MODAL else None

    def age(self) -> float:
        return time.monotonic() - self.created_at
