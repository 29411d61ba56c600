"""Actions on channels, messages and threads, shared by members (the injection API) and the bot
(REST): each mutates the state and dispatches the gateway event Discord would send.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from typing import Any

from .core import Core, UploadedFile, World
from .errors import (
    EDIT_OTHERS_MESSAGE,
    THREAD_ALREADY_CREATED,
    THREAD_LOCKED,
    TOO_OLD_TO_BULK_DELETE,
    WRONG_CHANNEL_TYPE,
    ApiError,
    form_error,
)
from .messages import (
    THREAD_CREATED,
    THREAD_STARTER_MESSAGE,
    apply_edit,
    build_message,
    validate_body,
)
from .snowflake import now_iso
from .state import (
    GUILD_ANNOUNCEMENT,
    GUILD_FORUM,
    GUILD_TEXT,
    HAS_THREAD,
    MESSAGEABLE_TYPES,
    POST_CONTAINER_TYPES,
    PUBLIC_THREAD,
    THREAD_TYPES,
    message_age,
    sid,
)

JSON = dict[str, Any]

THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
BULK_DELETE_MAX_AGE = dt.timedelta(days=14)


class MessageActions(Core):
    """World setup, messages and threads; `member_*` methods are the injection API, `bot_*` serve REST."""

    # ----- world setup ---------------------------------------------------------------------------

    async def create_guild(self, name: str, *, owner_id: int | str | None = None) -> str:
        guild = self.state.add_guild(name, owner_id=sid(owner_id) if owner_id is not None else None)
        self.state_changed()
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
        self.state_changed()
        await self.gateway.dispatch("CHANNEL_CREATE", self.state.channel_payload(channel["id"]))
        return str(channel["id"])

    async def create_forum(self, guild_id: int | str, name: str, *, topic: str | None = None) -> str:
        return await self.create_channel(guild_id, name, type=GUILD_FORUM, topic=topic)

    async def create_role(self, guild_id: int | str, name: str, permissions: int) -> str:
        role = self.state.add_role(guild_id, name, permissions)
        self.state_changed()
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
        self.state_changed()
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
        self.state_changed()
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
        self.state_changed()
        await self.gateway.dispatch(
            "MESSAGE_CREATE", self.state.message_payload(message["id"], for_gateway=True)
        )
        return message

    async def _announce_update(self, message: JSON) -> None:
        self.state_changed()
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
        self.state_changed()
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
        self.state_changed()
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
        self.state_changed()
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
        self.state_changed()
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
        self.state_changed()
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
            self.state_changed()
            await self.gateway.dispatch("CHANNEL_UPDATE", self.state.channel_payload(channel_id))
        return self.state.channel_payload(channel_id)
