"""Validation and construction of messages the way Discord's API checks and stores them.

The limits matter for a test server: a bot that sends a 2001-character message or an embed over
6000 characters gets a 400 from Discord, so it gets one here too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .errors import EMPTY_MESSAGE, UNKNOWN_MESSAGE, ApiError, form_error
from .snowflake import iso, now_iso, snowflake_time
from .state import EPHEMERAL, FakeState, sid

JSON = dict[str, Any]

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
MAX_FIELDS = 25
BOT_SETTABLE_FLAGS = (
    (1 << 2) | (1 << 12) | (1 << 15)
)  # SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, COMPONENTS_V2

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")

# Message types.
DEFAULT = 0
THREAD_CREATED = 18
REPLY = 19
CHAT_INPUT_COMMAND = 20
THREAD_STARTER_MESSAGE = 21
CONTEXT_MENU_COMMAND = 23


def embed_length(embed: JSON) -> int:
    """Characters Discord counts toward the 6000 total of a message's embeds."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "") + len(
        (embed.get("author") or {}).get("name") or ""
    )
    for field in embed.get("fields") or []:
        total += len(field.get("name") or "") + len(field.get("value") or "")
    return total


def validate_embeds(embeds: Sequence[JSON]) -> None:
    if len(embeds) > MAX_EMBEDS:
        raise form_error("embeds", f"Must be {MAX_EMBEDS} or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    for i, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            if len(embed.get(key) or "") > limit:
                raise form_error(
                    f"embeds.{i}.{key}", f"Must be {limit} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
                )
        fields = embed.get("fields") or []
        if len(fields) > MAX_FIELDS:
            raise form_error(f"embeds.{i}.fields", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        for j, field in enumerate(fields):
            if not field.get("name") or not field.get("value"):
                raise form_error(f"embeds.{i}.fields.{j}", "This field is required", "BASE_TYPE_REQUIRED")
            if len(field["name"]) > 256 or len(field["value"]) > 1024:
                raise form_error(f"embeds.{i}.fields.{j}", "Field too long.", "BASE_TYPE_MAX_LENGTH")
        if len((embed.get("footer") or {}).get("text") or "") > 2048:
            raise form_error(
                f"embeds.{i}.footer.text", "Must be 2048 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
        if len((embed.get("author") or {}).get("name") or "") > 256:
            raise form_error(
                f"embeds.{i}.author.name", "Must be 256 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
    if sum(embed_length(e) for e in embeds) > MAX_EMBED_TOTAL:
        raise form_error("embeds", "Embed size exceeds maximum size of 6000", "MAX_EMBED_SIZE_EXCEEDED")


def validate_body(
    body: JSON, *, n_files: int = 0, allow_ephemeral: bool = False, editing: bool = False
) -> None:
    """Reject what Discord rejects: over-long content, bad embeds, empty messages."""
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise form_error("content", "Could not interpret value as string.")
    if content is not None and len(content) > MAX_CONTENT:
        raise form_error("content", f"Must be {MAX_CONTENT} or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    embeds = body.get("embeds")
    if embeds is not None:
        validate_embeds(embeds)
    flags = int(body.get("flags") or 0)
    allowed = BOT_SETTABLE_FLAGS | (EPHEMERAL if allow_ephemeral else 0)
    if flags & ~allowed:
        raise form_error("flags", "Invalid flags.", "MESSAGE_FLAGS_INVALID")
    if editing:
        return
    if not (
        content or embeds or n_files or body.get("sticker_ids") or body.get("components") or body.get("poll")
    ):
        raise ApiError(400, EMPTY_MESSAGE, "Cannot send an empty message")


def resolve_mentions(
    state: FakeState, guild_id: str | None, content: str, allowed: JSON | None, replied_author: str | None
) -> tuple[list[JSON], list[str], bool]:
    """Who a message actually pings, after allowed_mentions (absent means "parse everything")."""
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    explicit_users = {sid(u) for u in (allowed or {}).get("users") or []}
    explicit_roles = {sid(r) for r in (allowed or {}).get("roles") or []}
    user_ids: list[str] = []
    for found in USER_MENTION.findall(content):
        if found in state.users and found not in user_ids and ("users" in parse or found in explicit_users):
            user_ids.append(found)
    replied = True if allowed is None else bool(allowed.get("replied_user", False))
    if replied_author is not None and replied and replied_author not in user_ids:
        user_ids.append(replied_author)
    roles: list[str] = []
    if guild_id is not None:
        known = {r["id"] for r in state.guild(guild_id)["roles"]}
        roles = [
            r
            for r in dict.fromkeys(ROLE_MENTION.findall(content))
            if r in known and ("roles" in parse or r in explicit_roles)
        ]
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    mentions = []
    for uid in user_ids:
        user = state.user_payload(uid)
        if guild_id is not None and uid in state.members.get(guild_id, {}):
            user["member"] = state.member_payload(guild_id, uid, with_user=False)
        mentions.append(user)
    return mentions, roles, everyone


def build_message(
    state: FakeState,
    channel_id: str,
    author_id: str,
    body: JSON,
    *,
    message_id: str | None = None,
    message_type: int | None = None,
    attachments: Sequence[JSON] = (),
    extra: JSON | None = None,
) -> JSON:
    """A complete stored message from a create-message body (content, embeds, reference, ...)."""
    channel = state.channel(channel_id)
    guild_id = channel.get("guild_id")
    reference = body.get("message_reference")
    replied_author = None
    mtype = DEFAULT if message_type is None else message_type
    if reference is not None:
        ref_channel = sid(reference.get("channel_id") or channel_id)
        target = state.messages.get(sid(reference["message_id"]))
        if target is None or target["channel_id"] != ref_channel:
            if reference.get("fail_if_not_exists", True):
                raise ApiError(
                    400,
                    UNKNOWN_MESSAGE,
                    "Unknown message",
                    {
                        "message_reference": {
                            "_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                        }
                    },
                )
            reference = None
        else:
            reference = {
                "type": 0,
                "message_id": target["id"],
                "channel_id": ref_channel,
                "guild_id": guild_id,
            }
            replied_author = target["author"]["id"]
            if message_type is None:
                mtype = REPLY
    content = body.get("content") or ""
    mentions, role_mentions, everyone = resolve_mentions(
        state, guild_id, content, body.get("allowed_mentions"), replied_author
    )
    mid = message_id or state.ids.next()
    embeds = [{"type": "rich", **e} for e in body.get("embeds") or []]
    message: JSON = {
        "id": mid,
        "channel_id": channel["id"],
        "author": state.user_payload(author_id),
        "content": content,
        "timestamp": iso(snowflake_time(mid)),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": everyone,
        "mentions": mentions,
        "mention_roles": role_mentions,
        "attachments": list(attachments),
        "embeds": embeds,
        "pinned": False,
        "type": mtype,
        "flags": int(body.get("flags") or 0),
        "components": list(body.get("components") or []),
    }
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    if reference is not None:
        message["message_reference"] = reference
    if body.get("poll") is not None:
        message["poll"] = body["poll"]
    if extra:
        message.update(extra)
    return message


def apply_edit(
    state: FakeState, message: JSON, body: JSON, attachments: Sequence[JSON] | None = None
) -> JSON:
    """Apply a PATCH body to a stored message in place (only the keys present change)."""
    guild_id = state.channels[message["channel_id"]].get("guild_id")
    if "content" in body:
        message["content"] = body["content"] or ""
        mentions, roles, everyone = resolve_mentions(
            state, guild_id, message["content"], body.get("allowed_mentions"), None
        )
        message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
    if "embeds" in body:
        message["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
    if "components" in body:
        message["components"] = list(body["components"] or [])
    if "flags" in body and body["flags"] is not None:
        message["flags"] = (message["flags"] & ~BOT_SETTABLE_FLAGS) | (
            int(body["flags"]) & BOT_SETTABLE_FLAGS
        )
    if "attachments" in body or attachments:
        listed = {str(a.get("id")) for a in body.get("attachments") or []}
        kept = [a for a in message["attachments"] if a["id"] in listed]
        message["attachments"] = kept + list(attachments or [])
    message["edited_timestamp"] = now_iso()
    return message
