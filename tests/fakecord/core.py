"""The core of the fake server: its configuration, state, gateway and request log, change
notification (so tests can wait for "the bot answered"), and read access for assertions.

The actions that change the world build on this (message_actions, then interaction_actions), and
`server.FakeDiscord` adds the HTTP lifecycle on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from . import interactions as ix
from .faults import Faults, path_matches
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT, Gateway, GatewayOptions
from .state import (
    FakeState,
    sid,
)

JSON = dict[str, Any]
T = TypeVar("T")
log = logging.getLogger(__name__)

# Application flags Discord sets when a privileged intent is enabled in the developer portal.
APP_FLAG_PRESENCE, APP_FLAG_MEMBERS, APP_FLAG_MESSAGE_CONTENT = 1 << 12, 1 << 14, 1 << 18


@dataclass(frozen=True)
class FakecordConfig:
    """How the fake behaves. Defaults follow Discord; tests shrink timings where they need to."""

    host: str = "127.0.0.1"
    port: int = 0
    token: str = "fakecord-bot-token"
    bot_name: str = "Parley"
    state_path: Path | None = None
    # Privileged intents switched on in the (imaginary) developer portal.
    message_content_enabled: bool = True
    members_enabled: bool = True
    presences_enabled: bool = False
    heartbeat_interval_ms: int = 41250
    interaction_deadline_s: float = 3.0
    ratelimit_headers: bool = True
    nonce_window_s: float = 300.0
    resume_window_s: float = 300.0


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request as the server saw it (path is relative to the API base, e.g. /channels/1/messages)."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    files: tuple[str, ...]
    status: int
    at: float


@dataclass(frozen=True)
class UploadedFile:
    index: int
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class World:
    """A ready-made newsroom guild: two text channels, a forum, a member and an admin."""

    guild_id: str
    general_id: str
    news_id: str
    forum_id: str
    member_id: str
    admin_id: str


@dataclass
class _Waiters:
    """Wakes everything waiting for "something changed" (a cheap broadcast without locks)."""

    event: asyncio.Event = field(default_factory=asyncio.Event)

    def pulse(self) -> None:
        self.event.set()
        self.event = asyncio.Event()


class Core:
    """State, gateway, request log and waiting; the action layers build on this."""

    def __init__(self, config: FakecordConfig | None = None) -> None:
        self.config = config or FakecordConfig()
        path = self.config.state_path
        self.state = (
            FakeState.load(path)
            if path is not None and path.exists()
            else FakeState(bot_name=self.config.bot_name)
        )
        flags = (
            (APP_FLAG_MESSAGE_CONTENT if self.config.message_content_enabled else 0)
            | (APP_FLAG_MEMBERS if self.config.members_enabled else 0)
            | (APP_FLAG_PRESENCE if self.config.presences_enabled else 0)
        )
        self.state.application["flags"] = flags
        privileged = (
            (MESSAGE_CONTENT if self.config.message_content_enabled else 0)
            | (GUILD_MEMBERS if self.config.members_enabled else 0)
            | (GUILD_PRESENCES if self.config.presences_enabled else 0)
        )
        self.gateway = Gateway(
            self.state,
            GatewayOptions(
                self.config.token,
                self.config.heartbeat_interval_ms,
                privileged,
                resume_window_s=self.config.resume_window_s,
            ),
            self._changed,
        )
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.interactions: dict[str, ix.Interaction] = {}
        self.ephemeral_messages: dict[str, JSON] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self._waiters = _Waiters()
        self._save_handle: asyncio.TimerHandle | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/gateway"

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def bot_id(self) -> str:
        return self.state.bot_id

    @property
    def application_id(self) -> str:
        return str(self.state.application["id"])

    def save(self) -> None:
        if self.config.state_path is not None:
            self.state.save(self.config.state_path)

    # ----- change notification and waiting -------------------------------------------------------

    def _changed(self) -> None:
        self._waiters.pulse()

    def state_changed(self) -> None:
        """Called after every change to the world: wakes waiters and schedules a (debounced) save."""
        self._changed()
        if self.config.state_path is not None and self._save_handle is None:
            loop = asyncio.get_running_loop()
            self._save_handle = loop.call_later(0.05, self._deferred_save)

    def _deferred_save(self) -> None:
        self._save_handle = None
        self.save()

    async def wait_for(self, predicate: Callable[[], T], within: float = 5.0) -> T:
        """Wait until predicate() is truthy (re-checked after every request, event and change)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"fakecord: condition not met within {within}s")
            event = self._waiters.event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(remaining, 0.25))

    async def wait_for_response(self, interaction: ix.Interaction, within: float = 5.0) -> ix.Interaction:
        await self.wait_for(lambda: interaction.responded, within)
        return interaction

    async def wait_for_identify(self, count: int = 1, within: float = 10.0) -> None:
        await self.wait_for(lambda: self.gateway.identify_count >= count, within)

    def record(self, request: RecordedRequest) -> None:
        self.requests.append(request)
        self._changed()

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and path_matches(pattern, r.path)]

    # ----- observation ---------------------------------------------------------------------------

    def messages(self, channel_id: int | str) -> list[JSON]:
        """A channel's messages, oldest first, with full content."""
        return self.state.channel_messages(channel_id)

    def message_by_id(self, message_id: int | str) -> JSON:
        mid = sid(message_id)
        found = self.state.messages.get(mid) or self.ephemeral_messages.get(mid)
        if found is None:
            raise KeyError(f"no message {mid}")
        return found

    def original_response(self, interaction: ix.Interaction) -> JSON | None:
        mid = interaction.original_message_id
        return None if mid is None else (self.state.messages.get(mid) or self.ephemeral_messages.get(mid))

    def followups(self, interaction: ix.Interaction) -> list[JSON]:
        return [
            self.message_by_id(m)
            for m in interaction.followup_ids
            if m in self.state.messages or m in self.ephemeral_messages
        ]
