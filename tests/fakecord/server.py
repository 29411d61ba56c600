"""FakeDiscord: the server object tests hold. It owns the state, the gateway and the HTTP app, and is
the one place where things happen in the fake world: every change (from the bot over REST, or from a
test acting as a member) goes through an action here that mutates the state and dispatches the
matching gateway event.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from . import commands as cmds
from . import interactions as ix
from .errors import (
    ALREADY_ACKNOWLEDGED,
    EDIT_OTHERS_MESSAGE,
    THREAD_ALREADY_CREATED,
    THREAD_LOCKED,
    TOO_OLD_TO_BULK_DELETE,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    WRONG_CHANNEL_TYPE,
    ApiError,
    form_error,
    not_found,
)
from .faults import FaultRule, Faults
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT, Gateway, GatewayOptions
from .messages import (
    CHAT_INPUT_COMMAND,
    CONTEXT_MENU_COMMAND,
    DEFAULT,
    THREAD_CREATED,
    THREAD_STARTER_MESSAGE,
    apply_edit,
    build_message,
    validate_body,
)
from .snowflake import now_iso
from .state import (
    EPHEMERAL,
    GUILD_ANNOUNCEMENT,
    GUILD_FORUM,
    GUILD_TEXT,
    HAS_THREAD,
    LOADING,
    MESSAGEABLE_TYPES,
    POST_CONTAINER_TYPES,
    PUBLIC_THREAD,
    THREAD_TYPES,
    FakeState,
    message_age,
    sid,
)

JSON = dict[str, Any]
T = TypeVar("T")
log = logging.getLogger(__name__)

# Application flags Discord sets when a privileged intent is enabled in the developer portal.
APP_FLAG_PRESENCE, APP_FLAG_MEMBERS, APP_FLAG_MESSAGE_CONTENT = 1 << 12, 1 << 14, 1 << 18
THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
BULK_DELETE_MAX_AGE = dt.timedelta(days=14)


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


class FakeDiscord:
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
            GatewayOptions(self.config.token, self.config.heartbeat_interval_ms, privileged),
            self._changed,
        )
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.interactions: dict[str, ix.Interaction] = {}
        self.ephemeral_messages: dict[str, JSON] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self._waiters = _Waiters()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._save_handle: asyncio.TimerHandle | None = None
        self.port = 0

    # ----- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        from .control import add_control_routes
        from .rest import build_api

        app = web.Application()
        api = build_api(self)
        app.add_subapp("/api/v10", api)
        app.add_subapp("/api/v9", build_api(self, "/api/v9"))
        app.router.add_get("/gateway", self.gateway.handle)
        add_control_routes(app, self)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await self._site.start()
        server = self._site._server
        assert server is not None and isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        self.gateway.public_url = self.gateway_url
        log.info("fakecord listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        self.gateway.abort_connections()
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        self.save()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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

    def _mutated(self) -> None:
        """State changed: wake waiters and schedule a (debounced) save."""
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
        from .faults import path_matches

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

    # ----- faults --------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        pattern: str,
        count: int | None = 1,
        *,
        status: int = 429,
        retry_after: float = 0.05,
        code: int = 0,
        message: str | None = None,
        after_processing: bool = False,
        is_global: bool = False,
    ) -> None:
        """Make the next `count` matching requests fail (count=None: until `faults.clear()`)."""
        self.faults.add(
            FaultRule(
                method.upper(), pattern, status, retry_after, is_global, code, message, after_processing
            ),
            count,
        )

    async def close_gateway(self, code: int = 4000) -> None:
        await self.gateway.close_connections(code)

    def drop_gateway(self) -> None:
        self.gateway.abort_connections()

    async def send_reconnect(self) -> None:
        await self.gateway.send_reconnect()

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        await self.gateway.invalidate_sessions(resumable=resumable)

    # ----- world setup ---------------------------------------------------------------------------

    async def create_guild(self, name: str, *, owner_id: int | str | None = None) -> str:
        guild = self.state.add_guild(name, owner_id=sid(owner_id) if owner_id is not None else None)
        self._mutated()
        await self.gateway.dispatch(
            "GUILD_CREATE", self.state.guild_create_payload(guild["id"], all_members=False, unavailable=None)
        )
        return str(guild["id"])

    async def create_channel(
        self,
        guild_id: int | str,
        name: str,
        *,
        type: int = GUILD_TEXT,
        parent_id: int | str | None = None,
        topic: str | None = None,
    ) -> str:
        channel = self.state.add_channel(
            guild_id,
            name,
            type=type,
            topic=topic,
            parent_id=sid(parent_id) if parent_id is not None else None,
        )
        self._mutated()
        await self.gateway.dispatch("CHANNEL_CREATE", self.state.channel_payload(channel["id"]))
        return str(channel["id"])

    async def create_forum(self, guild_id: int | str, name: str, *, topic: str | None = None) -> str:
        return await self.create_channel(guild_id, name, type=GUILD_FORUM, topic=topic)

    async def create_role(self, guild_id: int | str, name: str, permissions: int) -> str:
        role = self.state.add_role(guild_id, name, permissions)
        self._mutated()
        await self.gateway.dispatch("GUILD_ROLE_CREATE", {"guild_id": sid(guild_id), "role": role})
        return str(role["id"])

    async def create_member(
        self,
        guild_id: int | str,
        username: str,
        *,
        roles: Iterable[int | str] = (),
        user_id: int | str | None = None,
        bot: bool = False,
    ) -> str:
        """A user joining the guild (a new user unless user_id names an existing one)."""
        uid = sid(user_id) if user_id is not None else str(self.state.add_user(username, bot=bot)["id"])
        self.state.add_member(guild_id, uid, roles=[sid(r) for r in roles])
        self._mutated()
        payload = self.state.member_payload(guild_id, uid)
        payload["guild_id"] = sid(guild_id)
        await self.gateway.dispatch("GUILD_MEMBER_ADD", payload)
        return uid

    async def build_world(self, name: str = "Newsroom") -> World:
        admin_user = self.state.add_user("editor")
        guild_id = await self.create_guild(name, owner_id=admin_user["id"])
        await self.create_member(guild_id, "editor", user_id=admin_user["id"])
        general = await self.create_channel(guild_id, "general", topic="Chat")
        news = await self.create_channel(guild_id, "news", topic="Article summaries")
        forum = await self.create_forum(guild_id, "comments", topic="One post per article")
        member = await self.create_member(guild_id, "reader")
        return World(guild_id, general, news, forum, member, str(admin_user["id"]))

    # ----- message plumbing shared by members and the bot ----------------------------------------

    async def _touch_thread(self, channel: JSON) -> None:
        """Posting in an archived thread unarchives it, as on Discord; locked threads refuse."""
        if channel["type"] not in THREAD_TYPES or not channel["thread_metadata"]["archived"]:
            return
        if channel["thread_metadata"]["locked"]:
            raise ApiError(400, THREAD_LOCKED, "Thread is locked")
        await self._update_thread(channel, archived=False)

    async def _update_thread(self, thread: JSON, **changes: Any) -> None:
        meta = thread["thread_metadata"]
        for key in ("archived", "locked", "auto_archive_duration", "invitable"):
            if key in changes and changes[key] is not None:
                meta[key] = changes[key]
        if "archived" in changes and changes["archived"] is not None:
            meta["archive_timestamp"] = now_iso()
        for key in ("name", "rate_limit_per_user", "applied_tags", "flags"):
            if key in changes and changes[key] is not None:
                thread[key] = changes[key]
        self._mutated()
        await self.gateway.dispatch("THREAD_UPDATE", self.state.channel_payload(thread["id"]))

    def _messageable(self, channel_id: int | str) -> JSON:
        channel = self.state.channel(channel_id)
        if channel["type"] not in MESSAGEABLE_TYPES:
            raise ApiError(400, WRONG_CHANNEL_TYPE, "Cannot send messages in a non-text channel")
        return channel

    async def _post(
        self,
        channel_id: str,
        author_id: str,
        body: JSON,
        *,
        message_id: str | None = None,
        message_type: int | None = None,
        attachments: Sequence[JSON] = (),
        extra: JSON | None = None,
        counts: bool = True,
    ) -> JSON:
        """Build, store and announce a channel message."""
        channel = self._messageable(channel_id)
        await self._touch_thread(channel)
        message = build_message(
            self.state,
            channel["id"],
            author_id,
            body,
            message_id=message_id,
            message_type=message_type,
            attachments=attachments,
            extra=extra,
        )
        self.state.add_message(message)
        if channel["type"] in THREAD_TYPES and counts:
            channel["message_count"] += 1
            channel["total_message_sent"] += 1
        self._mutated()
        await self.gateway.dispatch(
            "MESSAGE_CREATE", self.state.message_payload(message["id"], for_gateway=True)
        )
        return message

    async def _announce_update(self, message: JSON) -> None:
        self._mutated()
        if message["id"] in self.state.messages:
            await self.gateway.dispatch(
                "MESSAGE_UPDATE", self.state.message_payload(message["id"], for_gateway=True)
            )

    async def _remove(self, channel_id: str, message_id: str) -> None:
        message = self.state.message(channel_id, message_id)
        self.state.remove_message(message["id"])
        channel = self.state.channels[message["channel_id"]]
        if (
            channel["type"] in THREAD_TYPES
            and channel["message_count"] > 0
            and message["id"] != channel["id"]
        ):
            channel["message_count"] -= 1
        self._mutated()
        payload = {"id": message["id"], "channel_id": message["channel_id"]}
        if channel.get("guild_id"):
            payload["guild_id"] = channel["guild_id"]
        await self.gateway.dispatch("MESSAGE_DELETE", payload)

    def _attachments(self, files: Sequence[UploadedFile], body: JSON) -> list[JSON]:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        out = []
        for f in files:
            att_id = self.state.ids.next()
            self.files[att_id] = (f.filename, f.data)
            meta = described.get(str(f.index), {})
            out.append(
                {
                    "id": att_id,
                    "filename": meta.get("filename") or f.filename,
                    "description": meta.get("description"),
                    "content_type": f.content_type,
                    "size": len(f.data),
                    "url": f"{self.base_url}/_attachments/{att_id}/{f.filename}",
                    "proxy_url": f"{self.base_url}/_attachments/{att_id}/{f.filename}",
                }
            )
        return out

    # ----- members acting (the injection API) ----------------------------------------------------

    def _check_member(self, channel_id: int | str, author_id: int | str) -> None:
        guild_id = self.state.guild_of_channel(channel_id)
        if guild_id is not None:
            self.state.member(guild_id, author_id)

    async def member_says(
        self,
        channel_id: int | str,
        author_id: int | str,
        content: str = "",
        *,
        reply_to: int | str | None = None,
        embeds: Sequence[JSON] | None = None,
        at: dt.datetime | None = None,
        files: Sequence[tuple[str, bytes]] = (),
    ) -> JSON:
        """A member posts a message (a reply when reply_to is set); `at` back-dates its id and timestamp."""
        self._check_member(channel_id, author_id)
        body: JSON = {"content": content, "embeds": list(embeds or [])}
        if reply_to is not None:
            body["message_reference"] = {"message_id": sid(reply_to), "channel_id": sid(channel_id)}
        uploads = [
            UploadedFile(i, name, "application/octet-stream", data) for i, (name, data) in enumerate(files)
        ]
        validate_body(body, n_files=len(uploads))
        message_id = self.state.ids.next(at) if at is not None else None
        return await self._post(
            sid(channel_id),
            sid(author_id),
            body,
            message_id=message_id,
            attachments=self._attachments(uploads, body),
        )

    async def member_edits(self, channel_id: int | str, message_id: int | str, content: str) -> JSON:
        message = self.state.message(channel_id, message_id)
        body = {"content": content}
        validate_body(body, editing=True)
        apply_edit(self.state, message, body)
        await self._announce_update(message)
        return message

    async def delete_message(self, channel_id: int | str, message_id: int | str) -> None:
        await self._remove(sid(channel_id), sid(message_id))

    async def bulk_delete(self, channel_id: int | str, message_ids: Iterable[int | str]) -> list[str]:
        cid = sid(channel_id)
        channel = self.state.channel(cid)
        ids = [
            sid(m)
            for m in message_ids
            if sid(m) in self.state.messages and self.state.messages[sid(m)]["channel_id"] == cid
        ]
        for mid in ids:
            self.state.remove_message(mid)
        self._mutated()
        payload: JSON = {"ids": ids, "channel_id": cid}
        if channel.get("guild_id"):
            payload["guild_id"] = channel["guild_id"]
        await self.gateway.dispatch("MESSAGE_DELETE_BULK", payload)
        return ids

    async def member_starts_thread(
        self, channel_id: int | str, author_id: int | str, name: str, *, message_id: int | str | None = None
    ) -> JSON:
        """A member opens a thread, from a message when message_id is given."""
        self._check_member(channel_id, author_id)
        return await self._start_thread(
            sid(channel_id),
            sid(author_id),
            {"name": name, "type": PUBLIC_THREAD},
            sid(message_id) if message_id is not None else None,
        )

    async def member_creates_post(
        self,
        forum_id: int | str,
        author_id: int | str,
        name: str,
        content: str,
        *,
        applied_tags: Sequence[str] = (),
    ) -> JSON:
        self._check_member(forum_id, author_id)
        body = {"name": name, "applied_tags": list(applied_tags), "message": {"content": content}}
        return await self._create_post(sid(forum_id), sid(author_id), body, [])

    async def set_thread_state(
        self, thread_id: int | str, *, archived: bool | None = None, locked: bool | None = None
    ) -> JSON:
        thread = self.state.channel(thread_id)
        await self._update_thread(thread, archived=archived, locked=locked)
        return thread

    async def delete_channel(self, channel_id: int | str) -> JSON:
        channel = self.state.remove_channel(sid(channel_id))
        self._mutated()
        if channel["type"] in THREAD_TYPES:
            await self.gateway.dispatch(
                "THREAD_DELETE", {k: channel[k] for k in ("id", "guild_id", "parent_id", "type")}
            )
        else:
            await self.gateway.dispatch("CHANNEL_DELETE", channel)
        return channel

    # ----- threads (shared by REST and members) --------------------------------------------------

    async def _start_thread(
        self, channel_id: str, author_id: str, body: JSON, message_id: str | None
    ) -> JSON:
        channel = self.state.channel(channel_id)
        if channel["type"] not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            raise ApiError(400, WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type")
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
        duration = body.get("auto_archive_duration")
        if duration is not None and duration not in THREAD_ARCHIVE_DURATIONS:
            raise form_error(
                "auto_archive_duration", "Value must be one of (60, 1440, 4320, 10080).", "BASE_TYPE_CHOICES"
            )
        if message_id is not None:
            starter = self.state.message(channel_id, message_id)
            if message_id in self.state.channels:
                raise ApiError(
                    400, THREAD_ALREADY_CREATED, "A thread has already been created for this message"
                )
            thread_type = 10 if channel["type"] == GUILD_ANNOUNCEMENT else PUBLIC_THREAD
            thread = self.state.add_thread(
                channel_id,
                name,
                owner_id=author_id,
                type=thread_type,
                thread_id=message_id,
                auto_archive_duration=duration,
            )
            starter["flags"] |= HAS_THREAD
            # Discord opens the thread with a THREAD_STARTER_MESSAGE system message (no gateway event).
            first = build_message(
                self.state,
                thread["id"],
                starter["author"]["id"],
                {
                    "message_reference": {"message_id": message_id, "channel_id": channel_id},
                    "allowed_mentions": {"parse": []},
                },
                message_type=THREAD_STARTER_MESSAGE,
            )
            self.state.add_message(first)
        else:
            thread_type = int(body.get("type") or 12)
            if thread_type not in THREAD_TYPES:
                raise form_error("type", "Value is not a thread type.", "BASE_TYPE_CHOICES")
            thread = self.state.add_thread(
                channel_id, name, owner_id=author_id, type=thread_type, auto_archive_duration=duration
            )
        self._mutated()
        await self.gateway.dispatch(
            "THREAD_CREATE", dict(self.state.channel_payload(thread["id"]), newly_created=True)
        )
        if message_id is None and thread["type"] == PUBLIC_THREAD:
            await self._post(
                channel_id,
                author_id,
                {"content": name, "allowed_mentions": {"parse": []}},
                message_type=THREAD_CREATED,
                extra={
                    "message_reference": {
                        "type": 0,
                        "channel_id": thread["id"],
                        "guild_id": thread["guild_id"],
                    }
                },
            )
        return thread

    async def _create_post(
        self, forum_id: str, author_id: str, body: JSON, files: Sequence[UploadedFile]
    ) -> JSON:
        """A forum/media post: a thread whose first message has the thread's id."""
        forum = self.state.channel(forum_id)
        if forum["type"] not in POST_CONTAINER_TYPES:
            raise ApiError(400, WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type")
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
        first = body.get("message")
        if not isinstance(first, dict):
            raise form_error("message", "This field is required", "BASE_TYPE_REQUIRED")
        validate_body(first, n_files=len(files))
        thread = self.state.add_thread(
            forum_id,
            name,
            owner_id=author_id,
            type=PUBLIC_THREAD,
            auto_archive_duration=body.get("auto_archive_duration"),
            applied_tags=[sid(t) for t in body.get("applied_tags") or []],
        )
        self._mutated()
        await self.gateway.dispatch(
            "THREAD_CREATE", dict(self.state.channel_payload(thread["id"]), newly_created=True)
        )
        await self._post(
            thread["id"],
            author_id,
            first,
            message_id=thread["id"],
            counts=False,
            attachments=self._attachments(files, first),
        )
        forum["last_message_id"] = thread["id"]
        return thread

    # ----- the bot acting over REST --------------------------------------------------------------

    async def bot_sends(self, channel_id: str, body: JSON, files: Sequence[UploadedFile] = ()) -> JSON:
        channel = self._messageable(channel_id)
        validate_body(body, n_files=len(files))
        nonce = body.get("nonce")
        key = f"{channel['id']}:{self.bot_id}:{nonce}"
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.state.nonces.get(key)
            if (
                seen is not None
                and time.time() - seen[1] < self.config.nonce_window_s
                and seen[0] in self.state.messages
            ):
                return self.state.messages[seen[0]]
        message = await self._post(
            channel["id"], self.bot_id, body, attachments=self._attachments(files, body)
        )
        if nonce is not None:
            self.state.nonces[key] = (message["id"], time.time())
        return message

    async def bot_edits(
        self, channel_id: str, message_id: str, body: JSON, files: Sequence[UploadedFile] = ()
    ) -> JSON:
        message = self.state.message(channel_id, message_id)
        if message["author"]["id"] != self.bot_id and set(body) - {"flags"}:
            raise ApiError(403, EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user")
        validate_body(body, editing=True)
        apply_edit(self.state, message, body, self._attachments(files, body))
        await self._announce_update(message)
        return message

    async def bot_bulk_deletes(self, channel_id: str, body: JSON) -> None:
        ids = [sid(m) for m in body.get("messages") or []]
        if not 2 <= len(ids) <= 100:
            raise form_error("messages", "Must be between 2 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
        for mid in ids:
            if message_age(mid) > BULK_DELETE_MAX_AGE:
                raise ApiError(
                    400,
                    TOO_OLD_TO_BULK_DELETE,
                    "You can only bulk delete messages that are under 14 days old.",
                )
        await self.bulk_delete(channel_id, ids)

    async def bot_starts_thread(self, channel_id: str, message_id: str | None, body: JSON) -> JSON:
        return await self._start_thread(channel_id, self.bot_id, body, message_id)

    async def bot_creates_thread(self, channel_id: str, body: JSON, files: Sequence[UploadedFile]) -> JSON:
        """POST /channels/{id}/threads: a forum post in forums, a message-less thread elsewhere."""
        channel = self.state.channel(channel_id)
        if channel["type"] in POST_CONTAINER_TYPES:
            thread = await self._create_post(channel_id, self.bot_id, body, files)
            payload = self.state.channel_payload(thread["id"])
            payload["message"] = self.state.message_payload(thread["id"])
            return payload
        thread = await self._start_thread(channel_id, self.bot_id, body, None)
        return self.state.channel_payload(thread["id"])

    async def bot_edits_channel(self, channel_id: str, body: JSON) -> JSON:
        channel = self.state.channel(channel_id)
        if channel["type"] in THREAD_TYPES:
            await self._update_thread(
                channel,
                **{
                    k: body.get(k)
                    for k in (
                        "archived",
                        "locked",
                        "auto_archive_duration",
                        "invitable",
                        "name",
                        "rate_limit_per_user",
                        "applied_tags",
                        "flags",
                    )
                },
            )
        else:
            for key in (
                "name",
                "topic",
                "nsfw",
                "rate_limit_per_user",
                "position",
                "parent_id",
                "default_auto_archive_duration",
            ):
                if key in body:
                    channel[key] = body[key]
            self._mutated()
            await self.gateway.dispatch("CHANNEL_UPDATE", self.state.channel_payload(channel_id))
        return self.state.channel_payload(channel_id)

    # ----- interactions: a member using the bot --------------------------------------------------

    async def _interaction(
        self,
        itype: int,
        channel_id: int | str,
        user_id: int | str,
        data: JSON | None,
        message: JSON | None = None,
    ) -> ix.Interaction:
        channel = self.state.channel(channel_id)
        guild_id = channel.get("guild_id")
        iid = self.state.ids.next()
        token = f"fakecord-{secrets.token_urlsafe(32)}"
        payload: JSON = {
            "id": iid,
            "application_id": self.application_id,
            "type": itype,
            "token": token,
            "version": 1,
            "channel_id": channel["id"],
            "channel": self.state.channel_payload(channel["id"]),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
            "context": 0 if guild_id else 1,
            "authorizing_integration_owners": {"0": guild_id} if guild_id else {"1": sid(user_id)},
        }
        if data is not None:
            payload["data"] = data
        if guild_id is not None:
            payload.update(
                guild_id=guild_id,
                guild={"id": guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=self.state.member_payload(guild_id, user_id, with_permissions=True),
                app_permissions=str(self.state.member_permissions(guild_id, self.bot_id)),
            )
        else:
            payload["user"] = self.state.user_payload(user_id)
        if message is not None:
            payload["message"] = message
        record = ix.Interaction(iid, token, itype, payload)
        self.interactions[iid] = record
        self._changed()
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    async def invoke_command(
        self,
        name: str,
        *,
        channel_id: int | str,
        user_id: int | str,
        options: Mapping[str, Any] | None = None,
    ) -> ix.Interaction:
        """A member runs a slash command: `name` may hold sub-commands ("quotes ask")."""
        return await self._chat_input(ix.APPLICATION_COMMAND, name, channel_id, user_id, options or {}, None)

    async def autocomplete(
        self,
        name: str,
        *,
        channel_id: int | str,
        user_id: int | str,
        options: Mapping[str, Any],
        focused: str,
    ) -> ix.Interaction:
        """A member is typing into option `focused` (its partial value is options[focused])."""
        return await self._chat_input(ix.AUTOCOMPLETE, name, channel_id, user_id, options, focused)

    async def _chat_input(
        self,
        itype: int,
        name: str,
        channel_id: int | str,
        user_id: int | str,
        options: Mapping[str, Any],
        focused: str | None,
    ) -> ix.Interaction:
        guild_id = self.state.guild_of_channel(channel_id)
        parts = name.split()
        command = cmds.find_command(self.state, parts[0], cmds.CHAT_INPUT, guild_id)
        cmds.check_permission(self.state, command, guild_id, sid(user_id))
        built, resolved = cmds.build_options(self.state, command, parts[1:], options, guild_id, focused)
        data: JSON = {"id": command["id"], "name": command["name"], "type": cmds.CHAT_INPUT, "options": built}
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interaction(itype, channel_id, user_id, data)

    async def invoke_message_command(
        self, name: str, *, channel_id: int | str, message_id: int | str, user_id: int | str
    ) -> ix.Interaction:
        """A member picks a message context-menu command ("Apps > name") on a message."""
        guild_id = self.state.guild_of_channel(channel_id)
        command = cmds.find_command(self.state, name, cmds.MESSAGE_COMMAND, guild_id)
        cmds.check_permission(self.state, command, guild_id, sid(user_id))
        target = self.state.message_payload(self.state.message(channel_id, message_id)["id"])
        data: JSON = {
            "id": command["id"],
            "name": name,
            "type": cmds.MESSAGE_COMMAND,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interaction(ix.APPLICATION_COMMAND, channel_id, user_id, data)

    async def click_component(
        self,
        channel_id: int | str,
        message_id: int | str,
        custom_id: str,
        *,
        user_id: int | str,
        component_type: int = 2,
        values: Sequence[str] | None = None,
    ) -> ix.Interaction:
        """A member clicks a button (component_type 2) or picks select values on a message."""
        mid = sid(message_id)
        message = self.state.messages.get(mid) or self.ephemeral_messages.get(mid)
        if message is None or message["channel_id"] != sid(channel_id):
            raise not_found(UNKNOWN_MESSAGE, "Message")
        ids = _custom_ids(message.get("components") or [])
        if custom_id not in ids:
            raise cmds.CommandRefused(f"message {mid} has no component {custom_id!r} (has {sorted(ids)})")
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return await self._interaction(
            ix.MESSAGE_COMPONENT,
            channel_id,
            user_id,
            data,
            message=self.state.message_payload(mid) if mid in self.state.messages else dict(message),
        )

    async def submit_modal(
        self, opened_by: ix.Interaction, fields: Mapping[str, str], *, user_id: int | str | None = None
    ) -> ix.Interaction:
        """A member fills in and submits the modal the bot answered `opened_by` with."""
        modal = opened_by.modal
        if modal is None:
            raise cmds.CommandRefused(f"interaction {opened_by.id} was not answered with a modal")
        known = _custom_ids(modal.get("components") or [])
        unknown = set(fields) - known
        if unknown:
            raise cmds.CommandRefused(f"modal has no inputs {sorted(unknown)}")
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in fields.items()
        ]
        user = user_id if user_id is not None else _interaction_user(opened_by.payload)
        data = {"custom_id": modal["custom_id"], "components": rows}
        message = opened_by.payload.get("message")
        return await self._interaction(
            ix.MODAL_SUBMIT, opened_by.payload["channel_id"], user, data, message=message
        )

    # ----- interactions: the bot answering -------------------------------------------------------

    def _live_interaction(self, interaction_id: str, token: str) -> ix.Interaction:
        record = self.interactions.get(interaction_id)
        if record is None or record.token != token or record.age() > self.config.interaction_deadline_s:
            raise ApiError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        return record

    def _webhook_interaction(self, app_id: str, token: str) -> ix.Interaction:
        if app_id != self.application_id:
            raise not_found(UNKNOWN_WEBHOOK, "Webhook")
        for record in self.interactions.values():
            if record.token == token and record.age() <= ix.TOKEN_LIFETIME_S:
                return record
        raise not_found(UNKNOWN_WEBHOOK, "Webhook")

    async def _interaction_message(
        self, record: ix.Interaction, data: JSON, files: Sequence[UploadedFile], *, loading: bool = False
    ) -> JSON:
        """A message created by an interaction response or followup (ephemeral ones stay out of history)."""
        ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        payload = record.payload
        command_data = payload.get("data") or {}
        mtype = DEFAULT
        if record.type == ix.APPLICATION_COMMAND:
            mtype = (
                CHAT_INPUT_COMMAND if command_data.get("type", 1) == cmds.CHAT_INPUT else CONTEXT_MENU_COMMAND
            )
        user = _interaction_user_payload(payload)
        extra: JSON = {
            "webhook_id": self.application_id,
            "application_id": self.application_id,
            "interaction_metadata": {
                "id": record.id,
                "type": record.type,
                "user": user,
                "authorizing_integration_owners": payload["authorizing_integration_owners"],
            },
        }
        if record.type == ix.APPLICATION_COMMAND:
            extra["interaction_metadata"]["name"] = command_data.get("name")
            extra["interaction"] = {
                "id": record.id,
                "type": record.type,
                "name": command_data.get("name"),
                "user": user,
            }
        if loading:
            extra["flags"] = LOADING | (EPHEMERAL if ephemeral else 0)
        body = dict(data) if not loading else {}
        body.pop("message_reference", None)
        if ephemeral or loading:
            body.setdefault("content", "")
        channel_id = payload["channel_id"]
        if ephemeral:
            message = build_message(
                self.state,
                channel_id,
                self.bot_id,
                body,
                message_type=mtype,
                attachments=self._attachments(files, body),
                extra=extra,
            )
            message["flags"] |= EPHEMERAL
            self.ephemeral_messages[message["id"]] = message
            self._changed()
            return message
        return await self._post(
            channel_id,
            self.bot_id,
            body,
            message_type=mtype,
            attachments=self._attachments(files, body),
            extra=extra,
        )

    async def interaction_callback(
        self, interaction_id: str, token: str, body: JSON, files: Sequence[UploadedFile]
    ) -> JSON:
        record = self._live_interaction(interaction_id, token)
        if record.responded:
            raise ApiError(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        ctype = body.get("type")
        if ctype not in ix.ALLOWED_CALLBACKS.get(record.type, set()):
            raise form_error(
                "type",
                f"Callback type {ctype} is not valid for interaction type {record.type}",
                "INTERACTION_RESPONSE_TYPE_INVALID",
            )
        data: JSON = body.get("data") or {}
        message: JSON | None = None
        if ctype == ix.CHANNEL_MESSAGE_WITH_SOURCE:
            validate_body(data, n_files=len(files), allow_ephemeral=True)
            message = await self._interaction_message(record, data, files)
        elif ctype == ix.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            message = await self._interaction_message(record, data, files, loading=True)
        elif ctype in (ix.DEFERRED_UPDATE_MESSAGE, ix.UPDATE_MESSAGE):
            source = record.payload.get("message")
            if source is None:
                raise form_error("type", "No message to update", "INTERACTION_RESPONSE_TYPE_INVALID")
            message = self.message_by_id(source["id"])
            if ctype == ix.UPDATE_MESSAGE:
                validate_body(data, editing=True)
                apply_edit(self.state, message, data, self._attachments(files, data))
                await self._announce_update(message)
        elif ctype == ix.AUTOCOMPLETE_RESULT:
            choices = data.get("choices") or []
            if len(choices) > 25:
                raise form_error("data.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        elif ctype == ix.MODAL and not (
            data.get("custom_id") and data.get("title") and data.get("components")
        ):
            raise form_error("data", "A modal needs custom_id, title and components", "BASE_TYPE_REQUIRED")
        record.callbacks.append({"type": ctype, "data": data})
        if message is not None:
            record.original_message_id = message["id"]
        self._changed()
        flags = int((message or {}).get("flags") or 0)
        response: JSON = {
            "interaction": {
                "id": record.id,
                "type": record.type,
                "response_message_loading": ctype == ix.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            },
            "resource": {"type": ctype},
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = self._message_view(message)
        return response

    def _message_view(self, message: JSON) -> JSON:
        if message["id"] in self.state.messages:
            return self.state.message_payload(message["id"])
        return dict(message)

    async def execute_webhook(
        self, app_id: str, token: str, body: JSON, files: Sequence[UploadedFile]
    ) -> JSON:
        """A followup. The first followup after a deferred response resolves the "thinking" message."""
        record = self._webhook_interaction(app_id, token)
        if not record.responded:
            raise not_found(UNKNOWN_WEBHOOK, "Webhook")
        original = self.original_response(record)
        if original is not None and original["flags"] & LOADING and not record.followup_ids:
            validate_body(body, n_files=len(files), allow_ephemeral=True)
            message = await self._edit_webhook_message(record, original, body, files)
        else:
            validate_body(body, n_files=len(files), allow_ephemeral=True)
            message = await self._interaction_message(record, body, files)
        record.followup_ids.append(message["id"])
        self._changed()
        return self._message_view(message)

    def _webhook_message(self, record: ix.Interaction, message_id: str) -> JSON:
        if message_id == "@original":
            original = self.original_response(record)
            if original is None:
                raise not_found(UNKNOWN_MESSAGE, "Message")
            return original
        if message_id != record.original_message_id and message_id not in record.followup_ids:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        try:
            return self.message_by_id(message_id)
        except KeyError:
            raise not_found(UNKNOWN_MESSAGE, "Message") from None

    async def _edit_webhook_message(
        self, record: ix.Interaction, message: JSON, body: JSON, files: Sequence[UploadedFile]
    ) -> JSON:
        validate_body(body, editing=True)
        was_loading = bool(message["flags"] & LOADING)
        apply_edit(self.state, message, body, self._attachments(files, body))
        if was_loading:
            message["flags"] &= ~LOADING
            message["edited_timestamp"] = None
        await self._announce_update(message)
        return message

    async def webhook_message(self, app_id: str, token: str, message_id: str) -> JSON:
        record = self._webhook_interaction(app_id, token)
        return self._message_view(self._webhook_message(record, message_id))

    async def edit_webhook_message(
        self, app_id: str, token: str, message_id: str, body: JSON, files: Sequence[UploadedFile]
    ) -> JSON:
        record = self._webhook_interaction(app_id, token)
        message = self._webhook_message(record, message_id)
        return self._message_view(await self._edit_webhook_message(record, message, body, files))

    async def delete_webhook_message(self, app_id: str, token: str, message_id: str) -> None:
        record = self._webhook_interaction(app_id, token)
        message = self._webhook_message(record, message_id)
        if self.ephemeral_messages.pop(message["id"], None) is not None:
            self._changed()
            return
        await self._remove(message["channel_id"], message["id"])


def _custom_ids(components: Sequence[JSON]) -> set[str]:
    found: set[str] = set()
    for component in components:
        if component.get("custom_id"):
            found.add(component["custom_id"])
        for key in ("components", "accessory", "component"):
            child = component.get(key)
            if isinstance(child, list):
                found |= _custom_ids(child)
            elif isinstance(child, dict):
                found |= _custom_ids([child])
    return found


def _interaction_user_payload(payload: JSON) -> JSON:
    user: JSON = payload["member"]["user"] if "member" in payload else payload["user"]
    return user


def _interaction_user(payload: JSON) -> str:
    return str(_interaction_user_payload(payload)["id"])
