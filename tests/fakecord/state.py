"""The fake Discord's world: users, guilds, roles, members, channels, threads, messages, commands.

Everything is kept as Discord-shaped JSON dicts keyed by string ids (as Discord sends them), so the
state is its own persistence format and payloads are views over it. This module only mutates and
reads data; sending events is the server's job.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import (
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    not_found,
)
from .snowflake import Snowflakes, now_iso, snowflake_time

JSON = dict[str, Any]

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES | MANAGE_THREADS | CREATE_PRIVATE_THREADS

# Channel types.
GUILD_TEXT = 0
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
GUILD_MEDIA = 16
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})
POST_CONTAINER_TYPES = frozenset({GUILD_FORUM, GUILD_MEDIA})
MESSAGEABLE_TYPES = frozenset({GUILD_TEXT, GUILD_ANNOUNCEMENT}) | THREAD_TYPES

# Message flags and the parts of a message hidden without the MESSAGE_CONTENT intent.
HAS_THREAD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7
CONTENT_FIELDS = ("content", "embeds", "attachments", "components", "poll")

STATE_FORMAT = 1


def sid(value: int | str) -> str:
    """Ids arrive as ints from Python callers and as strings from JSON; the state uses strings."""
    return str(int(value))


class FakeState:
    """All world data plus read helpers that render Discord payloads from it."""

    def __init__(self, *, bot_name: str = "Parley", snowflakes: Snowflakes | None = None) -> None:
        self.ids = snowflakes or Snowflakes()
        bot_id = self.ids.next()
        self.bot_id = bot_id
        self.users: dict[str, JSON] = {bot_id: _user(bot_id, bot_name, bot=True)}
        self.application: JSON = {
            "id": bot_id,
            "name": bot_name,
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": None,
        }
        self.guilds: dict[str, JSON] = {}
        self.members: dict[str, dict[str, JSON]] = {}
        self.channels: dict[str, JSON] = {}
        self.thread_members: dict[str, dict[str, str]] = {}  # thread id -> user id -> join timestamp
        self.messages: dict[str, JSON] = {}
        self.commands: dict[str, JSON] = {}  # command id -> command (guild commands carry guild_id)
        self.nonces: dict[str, tuple[str, float]] = {}  # "channel:author:nonce" -> (message id, unix time)
        self._by_channel: dict[str, list[int]] = {}

    # ----- lookups -------------------------------------------------------------------------------

    @property
    def bot_user(self) -> JSON:
        return self.users[self.bot_id]

    def guild(self, guild_id: int | str) -> JSON:
        try:
            return self.guilds[sid(guild_id)]
        except (KeyError, ValueError):
            raise not_found(UNKNOWN_GUILD, "Guild") from None

    def channel(self, channel_id: int | str) -> JSON:
        try:
            return self.channels[sid(channel_id)]
        except (KeyError, ValueError):
            raise not_found(UNKNOWN_CHANNEL, "Channel") from None

    def user(self, user_id: int | str) -> JSON:
        try:
            return self.users[sid(user_id)]
        except (KeyError, ValueError):
            raise not_found(UNKNOWN_USER, "User") from None

    def member(self, guild_id: int | str, user_id: int | str) -> JSON:
        try:
            return self.members[sid(guild_id)][sid(user_id)]
        except (KeyError, ValueError):
            raise not_found(UNKNOWN_MEMBER, "Member") from None

    def message(self, channel_id: int | str, message_id: int | str) -> JSON:
        try:
            msg = self.messages[sid(message_id)]
        except (KeyError, ValueError):
            raise not_found(UNKNOWN_MESSAGE, "Message") from None
        if msg["channel_id"] != sid(channel_id):
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return msg

    def channel_message_ids(self, channel_id: int | str) -> list[int]:
        """Message ids of a channel in ascending (oldest first) order."""
        return self._by_channel.get(sid(channel_id), [])

    def channel_messages(self, channel_id: int | str) -> list[JSON]:
        return [self.messages[str(i)] for i in self.channel_message_ids(channel_id)]

    def guild_channels(self, guild_id: int | str, *, threads: bool = False) -> Iterator[JSON]:
        gid = sid(guild_id)
        for ch in self.channels.values():
            if ch.get("guild_id") == gid and (ch["type"] in THREAD_TYPES) == threads:
                yield ch

    def guild_of_channel(self, channel_id: int | str) -> str | None:
        guild_id: str | None = self.channel(channel_id).get("guild_id")
        return guild_id

    # ----- mutation ------------------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> JSON:
        user_id = self.ids.next()
        self.users[user_id] = _user(user_id, username, bot=bot, global_name=global_name)
        return self.users[user_id]

    def add_guild(
        self, name: str, *, owner_id: str | None = None, bot_permissions: int = BOT_PERMISSIONS
    ) -> JSON:
        guild_id = self.ids.next()
        bot_role_id = self.ids.next()
        roles = [
            _role(guild_id, "@everyone", EVERYONE_PERMISSIONS, position=0),
            _role(
                bot_role_id,
                self.bot_user["username"],
                bot_permissions,
                position=1,
                managed=True,
                tags={"bot_id": self.bot_id},
            ),
        ]
        self.guilds[guild_id] = {
            "id": guild_id,
            "name": name,
            "owner_id": owner_id or self.bot_id,
            "roles": roles,
            "joined_at": now_iso(),
            "preferred_locale": "en-US",
            "features": [],
        }
        self.members[guild_id] = {}
        self.add_member(guild_id, self.bot_id, roles=[bot_role_id])
        return self.guilds[guild_id]

    def add_role(self, guild_id: int | str, name: str, permissions: int) -> JSON:
        guild = self.guild(guild_id)
        role = _role(self.ids.next(), name, permissions, position=len(guild["roles"]))
        guild["roles"].append(role)
        return role

    def add_member(
        self, guild_id: int | str, user_id: int | str, *, roles: Iterable[str] = (), nick: str | None = None
    ) -> JSON:
        gid, uid = sid(guild_id), sid(user_id)
        self.guild(gid)
        self.user(uid)
        member = {"user_id": uid, "roles": [sid(r) for r in roles], "nick": nick, "joined_at": now_iso()}
        self.members[gid][uid] = member
        return member

    def add_channel(
        self,
        guild_id: int | str,
        name: str,
        *,
        type: int = GUILD_TEXT,
        parent_id: str | None = None,
        topic: str | None = None,
    ) -> JSON:
        gid = sid(guild_id)
        self.guild(gid)
        channel_id = self.ids.next()
        position = sum(1 for _ in self.guild_channels(gid))
        channel: JSON = {
            "id": channel_id,
            "type": type,
            "guild_id": gid,
            "name": name,
            "position": position,
            "parent_id": parent_id,
            "topic": topic,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "permission_overwrites": [],
            "last_message_id": None,
            "default_auto_archive_duration": 1440,
        }
        if type in POST_CONTAINER_TYPES:
            channel.update(
                available_tags=[],
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
                flags=0,
                default_thread_rate_limit_per_user=0,
            )
        self.channels[channel_id] = channel
        return channel

    def add_thread(
        self,
        parent_id: int | str,
        name: str,
        *,
        owner_id: str,
        type: int = PUBLIC_THREAD,
        thread_id: str | None = None,
        auto_archive_duration: int | None = None,
        applied_tags: Iterable[str] = (),
    ) -> JSON:
        parent = self.channel(parent_id)
        thread_id = thread_id or self.ids.next()
        now = now_iso()
        thread: JSON = {
            "id": thread_id,
            "type": type,
            "guild_id": parent["guild_id"],
            "parent_id": parent["id"],
            "owner_id": owner_id,
            "name": name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 0,
            "total_message_sent": 0,
            "flags": 0,
            "applied_tags": list(applied_tags),
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": auto_archive_duration
                or parent.get("default_auto_archive_duration", 1440),
                "archive_timestamp": now,
                "locked": False,
                "create_timestamp": now,
                **({"invitable": True} if type == PRIVATE_THREAD else {}),
            },
        }
        self.channels[thread_id] = thread
        self.thread_members[thread_id] = {}
        self.join_thread(thread_id, owner_id)
        return thread

    def join_thread(self, thread_id: str, user_id: str) -> None:
        members = self.thread_members.setdefault(thread_id, {})
        members.setdefault(user_id, now_iso())
        self.channels[thread_id]["member_count"] = min(len(members), 50)

    def leave_thread(self, thread_id: str, user_id: str) -> None:
        members = self.thread_members.setdefault(thread_id, {})
        members.pop(user_id, None)
        self.channels[thread_id]["member_count"] = min(len(members), 50)

    def add_message(self, message: JSON) -> JSON:
        """Store a fully built message and index it by channel in id order."""
        mid, cid = message["id"], message["channel_id"]
        self.messages[mid] = message
        bisect.insort(self._by_channel.setdefault(cid, []), int(mid))
        channel = self.channels[cid]
        if int(mid) > int(channel.get("last_message_id") or 0):
            channel["last_message_id"] = mid
        return message

    def remove_message(self, message_id: str) -> JSON | None:
        message = self.messages.pop(message_id, None)
        if message is not None:
            ids = self._by_channel.get(message["channel_id"], [])
            index = bisect.bisect_left(ids, int(message_id))
            if index < len(ids) and ids[index] == int(message_id):
                ids.pop(index)
        return message

    def remove_channel(self, channel_id: str) -> JSON:
        channel = self.channels.pop(channel_id)
        for mid in list(self._by_channel.pop(channel_id, [])):
            self.messages.pop(str(mid), None)
        self.thread_members.pop(channel_id, None)
        return channel

    # ----- permissions ---------------------------------------------------------------------------

    def member_permissions(self, guild_id: int | str, user_id: int | str) -> int:
        guild = self.guild(guild_id)
        member = self.member(guild_id, user_id)
        if guild["owner_id"] == sid(user_id):
            return ALL_PERMISSIONS
        roles = {r["id"]: r for r in guild["roles"]}
        perms = int(roles[guild["id"]]["permissions"])
        for role_id in member["roles"]:
            if role_id in roles:
                perms |= int(roles[role_id]["permissions"])
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    # ----- payloads ------------------------------------------------------------------------------

    def user_payload(self, user_id: int | str) -> JSON:
        return dict(self.user(user_id))

    def member_payload(
        self,
        guild_id: int | str,
        user_id: int | str,
        *,
        with_user: bool = True,
        with_permissions: bool = False,
    ) -> JSON:
        member = self.member(guild_id, user_id)
        payload: JSON = {
            "roles": list(member["roles"]),
            "nick": member["nick"],
            "joined_at": member["joined_at"],
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "avatar": None,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user_payload(user_id)
        if with_permissions:
            payload["permissions"] = str(self.member_permissions(guild_id, user_id))
        return payload

    def channel_payload(self, channel_id: int | str) -> JSON:
        channel = copy.deepcopy(self.channel(channel_id))
        if channel["type"] in THREAD_TYPES:
            joined = self.thread_members.get(channel["id"], {}).get(self.bot_id)
            if joined is not None:
                channel["member"] = _thread_member(channel["id"], self.bot_id, joined)
        return channel

    def thread_member_payloads(self, thread_id: str) -> list[JSON]:
        return [
            _thread_member(thread_id, uid, at) for uid, at in self.thread_members.get(thread_id, {}).items()
        ]

    def guild_payload(self, guild_id: int | str) -> JSON:
        guild = self.guild(guild_id)
        payload = {k: copy.deepcopy(v) for k, v in guild.items() if k != "joined_at"}
        payload.update(
            icon=None,
            splash=None,
            discovery_splash=None,
            banner=None,
            description=None,
            afk_channel_id=None,
            afk_timeout=300,
            system_channel_id=None,
            system_channel_flags=0,
            rules_channel_id=None,
            public_updates_channel_id=None,
            safety_alerts_channel_id=None,
            verification_level=0,
            default_message_notifications=1,
            explicit_content_filter=0,
            mfa_level=0,
            nsfw_level=0,
            premium_tier=0,
            premium_subscription_count=0,
            premium_progress_bar_enabled=False,
            vanity_url_code=None,
            max_members=500000,
            emojis=[],
            stickers=[],
        )
        return payload

    def guild_create_payload(
        self, guild_id: int | str, *, all_members: bool, unavailable: bool | None
    ) -> JSON:
        """GUILD_CREATE: the guild plus channels, active threads, roles and members.

        Like Discord, members are only the bot itself unless the caller asks for all of them
        (the real gateway sends the full list only to small guilds with the presence intent).
        """
        gid = sid(guild_id)
        payload = self.guild_payload(gid)
        members = self.members[gid]
        user_ids = list(members) if all_members else [self.bot_id]
        payload.update(
            joined_at=self.guilds[gid]["joined_at"],
            large=False,
            member_count=len(members),
            members=[self.member_payload(gid, uid) for uid in user_ids],
            channels=[self.channel_payload(ch["id"]) for ch in self.guild_channels(gid)],
            threads=[
                self.channel_payload(t["id"])
                for t in self.guild_channels(gid, threads=True)
                if not t["thread_metadata"]["archived"]
            ],
            presences=[],
            voice_states=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        if unavailable is not None:
            payload["unavailable"] = unavailable
        return payload

    def message_payload(self, message_id: str, *, for_gateway: bool = False) -> JSON:
        """A stored message as Discord shows it; gateway events add guild_id and the author's member."""
        message = copy.deepcopy(self.messages[message_id])
        ref = message.get("message_reference")
        if message["type"] == 19 and ref is not None:
            target = self.messages.get(ref.get("message_id", ""))
            message["referenced_message"] = copy.deepcopy(target) if target is not None else None
        thread = self.channels.get(message_id)
        if (
            thread is not None
            and thread["type"] in THREAD_TYPES
            and thread["parent_id"] == message["channel_id"]
        ):
            message["thread"] = self.channel_payload(message_id)
        if for_gateway:
            guild_id = self.channels[message["channel_id"]].get("guild_id")
            if guild_id is not None:
                message["guild_id"] = guild_id
                author_id = message["author"]["id"]
                if author_id in self.members.get(guild_id, {}) and "webhook_id" not in message:
                    message["member"] = self.member_payload(guild_id, author_id, with_user=False)
        return message

    # ----- persistence ---------------------------------------------------------------------------

    def to_json(self) -> JSON:
        return {
            "format": STATE_FORMAT,
            "last_snowflake": self.ids.last,
            "bot_id": self.bot_id,
            "users": self.users,
            "application": self.application,
            "guilds": self.guilds,
            "members": self.members,
            "channels": self.channels,
            "thread_members": self.thread_members,
            "messages": self.messages,
            "commands": self.commands,
        }

    @classmethod
    def from_json(cls, data: JSON) -> FakeState:
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported fakecord state format {data.get('format')!r}")
        state = cls.__new__(cls)
        state.ids = Snowflakes(int(data["last_snowflake"]))
        state.bot_id = data["bot_id"]
        state.users = data["users"]
        state.application = data["application"]
        state.guilds = data["guilds"]
        state.members = data["members"]
        state.channels = data["channels"]
        state.thread_members = data["thread_members"]
        state.messages = data["messages"]
        state.commands = data["commands"]
        state.nonces = {}
        state._by_channel = {}
        for mid, message in state.messages.items():
            state._by_channel.setdefault(message["channel_id"], []).append(int(mid))
        for ids in state._by_channel.values():
            ids.sort()
        return state

    def save(self, path: Path) -> None:
        """Write atomically so a server killed mid-write leaves the previous file intact."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_json(), fh)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> FakeState:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def _user(user_id: str, username: str, *, bot: bool = False, global_name: str | None = None) -> JSON:
    return {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def _role(
    role_id: str,
    name: str,
    permissions: int,
    *,
    position: int,
    managed: bool = False,
    tags: JSON | None = None,
) -> JSON:
    role: JSON = {
        "id": role_id,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }
    if tags is not None:
        role["tags"] = tags
    return role


def _thread_member(thread_id: str, user_id: str, joined_at: str) -> JSON:
    return {"id": thread_id, "user_id": user_id, "join_timestamp": joined_at, "flags": 0}


def message_age(message_id: str) -> dt.timedelta:
    return dt.datetime.now(dt.UTC) - snowflake_time(message_id)
