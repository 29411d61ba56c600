"""Interactions: a member using the bot (slash commands, autocomplete, components, context menus,
modals) and the bot answering (callbacks, followups, original-response edits).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from . import commands as cmds
from . import interactions as ix
from .core import UploadedFile
from .errors import (
    ALREADY_ACKNOWLEDGED,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    form_error,
    not_found,
)
from .message_actions import MessageActions
from .messages import (
    CHAT_INPUT_COMMAND,
    CONTEXT_MENU_COMMAND,
    DEFAULT,
    apply_edit,
    build_message,
    validate_body,
)
from .state import (
    EPHEMERAL,
    LOADING,
    sid,
)

JSON = dict[str, Any]


class InteractionActions(MessageActions):
    """Interactions sent to the bot, and the callbacks/webhook calls it answers them with."""

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
        was_loading = bool(message["flags"] & LOADING)
        # The followup that resolves a deferred response repeats the EPHEMERAL flag (discord.py sends
        # it) and Discord accepts it there; the defer already decided whether the answer is ephemeral.
        validate_body(body, editing=True, allow_ephemeral=was_loading)
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
