"""Application commands: validating a bulk overwrite, and turning a test's "user typed /x a:1" into
the option payload Discord would send.

Only commands the bot actually synced can be invoked, with options shaped by the synced schema; a
bot whose sync is broken therefore fails its tests the way it would fail in production.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ApiError, form_error
from .state import THREAD_TYPES, FakeState, sid

JSON = dict[str, Any]

CHAT_INPUT = 1
USER_COMMAND = 2
MESSAGE_COMMAND = 3

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11

_NAME = re.compile(r"^[-_\w]{1,32}$")
_MAX_PER_TYPE = {CHAT_INPUT: 100, USER_COMMAND: 15, MESSAGE_COMMAND: 15}


class CommandRefused(Exception):
    """The fake Discord client would not let a user run this (unknown command, bad options, no permission)."""


def _check_name(name: Any, path: str, *, chat_input: bool) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        raise form_error(f"{path}.name", "Must be between 1 and 32 in length.", "BASE_TYPE_BAD_LENGTH")
    if chat_input and (not _NAME.match(name) or name != name.lower()):
        raise form_error(f"{path}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME")


def _check_description(description: Any, path: str) -> None:
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        raise form_error(
            f"{path}.description", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH"
        )


def _check_options(options: Sequence[JSON], path: str, *, depth: int) -> None:
    if len(options) > 25:
        raise form_error(f"{path}.options", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    names = [o.get("name") for o in options]
    if len(set(names)) != len(names):
        raise form_error(
            f"{path}.options",
            "Option names must be unique",
            "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
        )
    kinds = {o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options}
    if len(kinds) > 1:
        raise form_error(
            f"{path}.options",
            "Sub-command and sub-command group option types are mutually exclusive to all other types",
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
        )
    seen_optional = False
    for i, option in enumerate(options):
        opath = f"{path}.options.{i}"
        _check_name(option.get("name"), opath, chat_input=True)
        _check_description(option.get("description"), opath)
        otype = option.get("type")
        if otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= 2 or (otype == SUB_COMMAND_GROUP and depth >= 1):
                raise form_error(
                    f"{opath}.type",
                    "Sub-commands nested too deeply",
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                )
            if otype == SUB_COMMAND_GROUP and any(
                o.get("type") != SUB_COMMAND for o in option.get("options") or []
            ):
                raise form_error(
                    f"{opath}.options",
                    "Groups may only hold sub-commands",
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                )
            _check_options(option.get("options") or [], opath, depth=depth + 1)
            continue
        if otype not in range(STRING, ATTACHMENT + 1):
            raise form_error(f"{opath}.type", "Value is not a valid option type", "BASE_TYPE_CHOICES")
        if option.get("required"):
            if seen_optional:
                raise form_error(
                    f"{opath}.required",
                    "Required options must be placed before non-required options",
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > 25:
            raise form_error(f"{opath}.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        if choices and option.get("autocomplete"):
            raise form_error(
                f"{opath}.autocomplete",
                "Autocomplete cannot be set with choices",
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
            )


def validate_overwrite(commands: Any) -> None:
    """Check a bulk-overwrite body roughly as strictly as Discord does (names, lengths, option order)."""
    if not isinstance(commands, list):
        raise form_error("_root", "Must be an array.", "BASE_TYPE_ARRAY")
    counts: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        ctype = command.get("type", CHAT_INPUT)
        if ctype not in _MAX_PER_TYPE:
            raise form_error(f"{i}.type", "Value is not a valid command type", "BASE_TYPE_CHOICES")
        counts[ctype] = counts.get(ctype, 0) + 1
        if counts[ctype] > _MAX_PER_TYPE[ctype]:
            raise ApiError(400, 30032, "Maximum number of application commands reached")
        _check_name(command.get("name"), str(i), chat_input=ctype == CHAT_INPUT)
        if (ctype, command["name"]) in seen:
            raise form_error(
                str(i), "Application command names must be unique", "APPLICATION_COMMANDS_DUPLICATE_NAME"
            )
        seen.add((ctype, command["name"]))
        if ctype == CHAT_INPUT:
            _check_description(command.get("description"), str(i))
            _check_options(command.get("options") or [], str(i), depth=0)
        elif command.get("description"):
            raise form_error(
                f"{i}.description",
                "Context menu commands cannot have a description",
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            )


def store_overwrite(state: FakeState, commands: list[JSON], guild_id: str | None) -> list[JSON]:
    """Replace the scope's commands; a command keeps its id when its (type, name) survives, as on Discord."""
    existing = {
        (c.get("type", 1), c["name"]): c for c in state.commands.values() if c.get("guild_id") == guild_id
    }
    for command in existing.values():
        del state.commands[command["id"]]
    stored = []
    for body in commands:
        ctype = body.get("type", CHAT_INPUT)
        old = existing.get((ctype, body["name"]))
        command = {
            "id": old["id"] if old else state.ids.next(),
            "application_id": state.application["id"],
            "version": state.ids.next(),
            "type": ctype,
            "name": body["name"],
            "description": body.get("description") or "",
            "options": body.get("options") or [],
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": bool(body.get("nsfw", False)),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "name_localizations": body.get("name_localizations"),
            "description_localizations": body.get("description_localizations"),
        }
        if command["default_member_permissions"] is not None:
            command["default_member_permissions"] = str(command["default_member_permissions"])
        if guild_id is not None:
            command["guild_id"] = guild_id
        state.commands[command["id"]] = command
        stored.append(command)
    return stored


def find_command(state: FakeState, name: str, ctype: int, guild_id: str | None) -> JSON:
    """The synced command a user in this guild would see: guild commands shadow global ones."""
    scoped = [c for c in state.commands.values() if c["name"] == name and c["type"] == ctype]
    for command in scoped:
        if guild_id is not None and command.get("guild_id") == guild_id:
            return command
    for command in scoped:
        if "guild_id" not in command:
            return command
    raise CommandRefused(f"no synced command {name!r} of type {ctype} visible in guild {guild_id}")


def check_permission(state: FakeState, command: JSON, guild_id: str | None, user_id: str) -> None:
    required = command.get("default_member_permissions")
    if guild_id is None or required is None:
        return
    if state.member_permissions(guild_id, user_id) & int(required) != int(required):
        raise CommandRefused(f"user {user_id} lacks permissions {required} for /{command['name']}")


def build_options(
    state: FakeState,
    command: JSON,
    path: Sequence[str],
    values: Mapping[str, Any],
    guild_id: str | None,
    focused: str | None = None,
) -> tuple[list[JSON], JSON]:
    """The `options` and `resolved` of an interaction for `/command path... name:value ...`."""
    schema: list[JSON] = command.get("options") or []
    chain: list[JSON] = []
    for part in path:
        sub = next(
            (o for o in schema if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)), None
        )
        if sub is None:
            raise CommandRefused(f"/{command['name']} has no sub-command {part!r}")
        chain.append(sub)
        schema = sub.get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        raise CommandRefused(f"/{command['name']} needs a sub-command")
    resolved: JSON = {}
    leaf: list[JSON] = []
    by_name = {o["name"]: o for o in schema}
    for name, value in values.items():
        option = by_name.get(name)
        if option is None:
            raise CommandRefused(f"/{command['name']} has no option {name!r}")
        leaf.append(_option_value(state, option, value, guild_id, resolved, focused=name == focused))
    if focused is None:
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        if missing:
            raise CommandRefused(f"/{command['name']} is missing required options {missing}")
    elif focused not in values:
        raise CommandRefused(f"focused option {focused!r} needs a (partial) value")
    options = leaf
    for sub in reversed(chain):
        options = [{"name": sub["name"], "type": sub["type"], "options": options}]
    return options, resolved


def _option_value(
    state: FakeState, option: JSON, value: Any, guild_id: str | None, resolved: JSON, *, focused: bool
) -> JSON:
    otype = option["type"]
    payload: JSON = {"name": option["name"], "type": otype}
    if focused:
        payload.update(value=str(value), focused=True)
        return payload
    if otype == STRING:
        payload["value"] = str(value)
    elif otype == INTEGER:
        payload["value"] = int(value)
    elif otype == NUMBER:
        payload["value"] = float(value)
    elif otype == BOOLEAN:
        payload["value"] = bool(value)
    elif otype in (USER, CHANNEL, ROLE, MENTIONABLE):
        payload["value"] = sid(value)
        _resolve(state, otype, sid(value), guild_id, resolved)
    else:
        raise CommandRefused(f"option type {otype} is not supported by fakecord")
    choices = option.get("choices")
    if choices and payload["value"] not in [c["value"] for c in choices]:
        raise CommandRefused(f"{value!r} is not a choice of option {option['name']!r}")
    return payload


def _resolve(state: FakeState, otype: int, target: str, guild_id: str | None, resolved: JSON) -> None:
    roles = {r["id"]: r for r in state.guild(guild_id)["roles"]} if guild_id else {}
    if otype in (USER, MENTIONABLE) and target in state.users:
        resolved.setdefault("users", {})[target] = state.user_payload(target)
        if guild_id is not None and target in state.members.get(guild_id, {}):
            member = state.member_payload(guild_id, target, with_user=False, with_permissions=True)
            resolved.setdefault("members", {})[target] = member
    elif otype in (ROLE, MENTIONABLE) and target in roles:
        resolved.setdefault("roles", {})[target] = roles[target]
    elif otype == CHANNEL:
        channel = state.channel_payload(target)
        entry = {k: channel.get(k) for k in ("id", "name", "type", "parent_id", "guild_id")}
        entry["permissions"] = str(state.member_permissions(channel["guild_id"], state.bot_id))
        if channel["type"] in THREAD_TYPES:
            entry["thread_metadata"] = channel["thread_metadata"]
        resolved.setdefault("channels", {})[target] = entry
    else:
        raise CommandRefused(f"cannot resolve {target} as option type {otype}")
