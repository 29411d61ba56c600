"""REST API v10: the routes a bot uses, as thin handlers over FakeDiscord's actions.

A middleware does what every Discord response has in common: bot-token auth (interaction callbacks
and webhook routes authenticate by their token instead), injected faults, Discord-shaped JSON errors,
a full set of rate-limit headers, and recording the request for assertions.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from . import commands as cmds
from .core import RecordedRequest, UploadedFile
from .errors import UNKNOWN_COMMAND, ApiError, form_error, json_response, not_found
from .gateway import content_visible, without_content
from .snowflake import snowflake_time
from .state import THREAD_TYPES, sid

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SERVER_KEY = web.AppKey("fakecord", object)
BODY_KEY = web.RequestKey("body", object)
FILES_KEY = web.RequestKey("files", list)
_TOKEN_ROUTES = ("/interactions/", "/webhooks/")


def _server(request: web.Request) -> FakeDiscord:
    server: FakeDiscord = request.app[SERVER_KEY]  # type: ignore[assignment]
    return server


def _body(request: web.Request) -> Any:
    return request.get(BODY_KEY)


def _files(request: web.Request) -> list[UploadedFile]:
    files: list[UploadedFile] = request.get(FILES_KEY) or []
    return files


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true")


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """JSON bodies, or multipart bodies (payload_json plus files[n]) as discord.py sends uploads."""
    if not request.body_exists:
        return None, []
    if request.content_type == "multipart/form-data":
        body: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read()
            if name == "payload_json":
                body = json.loads(data)
            elif name.startswith("files["):
                index = int(name[len("files[") : -1])
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append(UploadedFile(index, part.filename or f"file{index}", ctype, bytes(data)))
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


def _ratelimit_headers(route: str) -> dict[str, str]:
    bucket = hashlib.sha1(route.encode()).hexdigest()[:16]
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": bucket,
    }


def _middleware(server: FakeDiscord, prefix: str) -> Any:
    @web.middleware
    async def api(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path[len(prefix) :] or "/"
        body: Any = None
        files: list[UploadedFile] = []
        try:
            body, files = await _read_body(request)
            request[BODY_KEY], request[FILES_KEY] = body, files
            authorised = request.headers.get("Authorization") == f"Bot {server.token}"
            if not authorised and not path.startswith(_TOKEN_ROUTES):
                raise ApiError(401, 0, "401: Unauthorized")
            fault = server.faults.take(request.method, path)
            if fault is not None and not fault.after_processing:
                response: web.StreamResponse = fault.response()
            else:
                response = await handler(request)
                if fault is not None:
                    response = fault.response()
        except ApiError as exc:
            response = json_response(exc.body(), exc.status)
        except web.HTTPException as exc:
            response = json_response({"message": f"{exc.status}: {exc.reason}", "code": 0}, exc.status)
        if server.config.ratelimit_headers and response.status != 429:
            resource = request.match_info.route.resource
            route = f"{request.method} {resource.canonical if resource is not None else path}"
            response.headers.update(_ratelimit_headers(route))
        server.record(
            RecordedRequest(
                request.method,
                path,
                dict(request.query),
                body,
                tuple(f.filename for f in files),
                response.status,
                time.time(),
            )
        )
        return response

    return api


def build_api(server: FakeDiscord, prefix: str = "/api/v10") -> web.Application:
    api = web.Application(middlewares=[_middleware(server, prefix)])
    api[SERVER_KEY] = server
    r = api.router
    r.add_get("/users/@me", get_me)
    r.add_get("/users/{user_id}", get_user)
    r.add_get("/oauth2/applications/@me", get_application)
    r.add_get("/applications/@me", get_application)
    r.add_get("/gateway", get_gateway)
    r.add_get("/gateway/bot", get_gateway_bot)
    for base in ("/applications/{app_id}/commands", "/applications/{app_id}/guilds/{guild_id}/commands"):
        r.add_get(base, list_commands)
        r.add_put(base, overwrite_commands)
        r.add_post(base, upsert_command)
        r.add_get(base + "/{command_id}", get_command)
        r.add_patch(base + "/{command_id}", edit_command)
        r.add_delete(base + "/{command_id}", delete_command)
    r.add_post("/interactions/{interaction_id}/{token}/callback", interaction_callback)
    r.add_post("/webhooks/{app_id}/{token}", execute_webhook)
    r.add_get("/webhooks/{app_id}/{token}/messages/{message_id}", get_webhook_message)
    r.add_patch("/webhooks/{app_id}/{token}/messages/{message_id}", edit_webhook_message)
    r.add_delete("/webhooks/{app_id}/{token}/messages/{message_id}", delete_webhook_message)
    r.add_post("/channels/{channel_id}/messages/bulk-delete", bulk_delete)
    r.add_post("/channels/{channel_id}/messages", create_message)
    r.add_get("/channels/{channel_id}/messages", history)
    r.add_get("/channels/{channel_id}/messages/{message_id}", get_message)
    r.add_patch("/channels/{channel_id}/messages/{message_id}", edit_message)
    r.add_delete("/channels/{channel_id}/messages/{message_id}", delete_message)
    r.add_put("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", add_reaction)
    r.add_delete("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", remove_reaction)
    r.add_post("/channels/{channel_id}/messages/{message_id}/threads", start_thread_from_message)
    r.add_post("/channels/{channel_id}/threads", create_thread)
    r.add_get("/channels/{channel_id}/threads/archived/public", archived_public_threads)
    r.add_put("/channels/{channel_id}/thread-members/@me", join_thread)
    r.add_delete("/channels/{channel_id}/thread-members/@me", leave_thread)
    r.add_get("/channels/{channel_id}/thread-members", thread_members)
    r.add_post("/channels/{channel_id}/typing", typing)
    r.add_get("/channels/{channel_id}", get_channel)
    r.add_patch("/channels/{channel_id}", edit_channel)
    r.add_delete("/channels/{channel_id}", delete_channel)
    r.add_get("/guilds/{guild_id}", get_guild)
    r.add_get("/guilds/{guild_id}/channels", guild_channels)
    r.add_get("/guilds/{guild_id}/roles", guild_roles)
    r.add_get("/guilds/{guild_id}/threads/active", active_threads)
    r.add_get("/guilds/{guild_id}/members", list_members)
    r.add_get("/guilds/{guild_id}/members/{user_id}", get_member)
    return api


def _no_content() -> web.Response:
    return web.Response(status=204)


# ----- identity ----------------------------------------------------------------------------------


async def get_me(request: web.Request) -> web.Response:
    state = _server(request).state
    return json_response(dict(state.bot_user, verified=True, mfa_enabled=False, flags=0, email=None))


async def get_user(request: web.Request) -> web.Response:
    return json_response(_server(request).state.user_payload(request.match_info["user_id"]))


async def get_application(request: web.Request) -> web.Response:
    server = _server(request)
    app = dict(server.state.application)
    owner = next((u for u in server.state.users.values() if not u["bot"]), server.state.bot_user)
    app.update(owner=owner, bot=server.state.bot_user, redirect_uris=[], interactions_endpoint_url=None)
    return json_response(app)


async def get_gateway(request: web.Request) -> web.Response:
    return json_response({"url": _server(request).gateway_url})


async def get_gateway_bot(request: web.Request) -> web.Response:
    return json_response(
        {
            "url": _server(request).gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }
    )


# ----- application commands ----------------------------------------------------------------------


def _command_scope(request: web.Request) -> str | None:
    server = _server(request)
    if request.match_info["app_id"] != server.application_id:
        raise ApiError(403, 50001, "Missing Access")
    guild_id = request.match_info.get("guild_id")
    if guild_id is not None:
        server.state.guild(guild_id)
        return sid(guild_id)
    return None


def _scoped_commands(request: web.Request) -> list[JSON]:
    scope = _command_scope(request)
    return [c for c in _server(request).state.commands.values() if c.get("guild_id") == scope]


async def list_commands(request: web.Request) -> web.Response:
    return json_response(_scoped_commands(request))


async def overwrite_commands(request: web.Request) -> web.Response:
    server = _server(request)
    scope = _command_scope(request)
    body = _body(request)
    cmds.validate_overwrite(body)
    stored = cmds.store_overwrite(server.state, body, scope)
    server.state_changed()
    return json_response(stored)


async def upsert_command(request: web.Request) -> web.Response:
    server = _server(request)
    body = _body(request)
    current = _scoped_commands(request)
    kept = [c for c in current if (c["type"], c["name"]) != (body.get("type", 1), body.get("name"))]
    merged = [*kept, body]
    cmds.validate_overwrite(merged)
    stored = cmds.store_overwrite(server.state, merged, _command_scope(request))
    server.state_changed()
    return json_response(stored[-1], status=201)


def _command(request: web.Request) -> JSON:
    wanted = request.match_info["command_id"]
    for command in _scoped_commands(request):
        if command["id"] == wanted:
            return command
    raise not_found(UNKNOWN_COMMAND, "application command")


async def get_command(request: web.Request) -> web.Response:
    return json_response(_command(request))


async def edit_command(request: web.Request) -> web.Response:
    server = _server(request)
    command = _command(request)
    merged = [
        dict(command, **_body(request)) if c["id"] == command["id"] else c for c in _scoped_commands(request)
    ]
    cmds.validate_overwrite(merged)
    stored = cmds.store_overwrite(server.state, merged, _command_scope(request))
    server.state_changed()
    return json_response(next(c for c in stored if c["id"] == command["id"]))


async def delete_command(request: web.Request) -> web.Response:
    server = _server(request)
    del server.state.commands[_command(request)["id"]]
    server.state_changed()
    return _no_content()


# ----- interactions and their webhooks -----------------------------------------------------------


async def interaction_callback(request: web.Request) -> web.Response:
    server = _server(request)
    body = _body(request)
    if not isinstance(body, dict):
        raise form_error("type", "This field is required", "BASE_TYPE_REQUIRED")
    response = await server.interaction_callback(
        request.match_info["interaction_id"], request.match_info["token"], body, _files(request)
    )
    return json_response(response) if _flag(request, "with_response") else _no_content()


async def execute_webhook(request: web.Request) -> web.Response:
    server = _server(request)
    message = await server.execute_webhook(
        request.match_info["app_id"], request.match_info["token"], _body(request) or {}, _files(request)
    )
    return json_response(message) if _flag(request, "wait") else _no_content()


async def get_webhook_message(request: web.Request) -> web.Response:
    m = request.match_info
    return json_response(await _server(request).webhook_message(m["app_id"], m["token"], m["message_id"]))


async def edit_webhook_message(request: web.Request) -> web.Response:
    m = request.match_info
    message = await _server(request).edit_webhook_message(
        m["app_id"], m["token"], m["message_id"], _body(request) or {}, _files(request)
    )
    return json_response(message)


async def delete_webhook_message(request: web.Request) -> web.Response:
    m = request.match_info
    await _server(request).delete_webhook_message(m["app_id"], m["token"], m["message_id"])
    return _no_content()


# ----- messages ----------------------------------------------------------------------------------


def _visible(server: FakeDiscord, message: JSON) -> JSON:
    """REST hides content too when the app lacks the message-content privilege."""
    payload = server.state.message_payload(message["id"])
    if server.config.message_content_enabled:
        return payload
    channel = server.state.channels[message["channel_id"]]
    probe = dict(payload, guild_id=channel.get("guild_id"))
    return payload if content_visible(probe, server.bot_id) else without_content(payload)


async def create_message(request: web.Request) -> web.Response:
    server = _server(request)
    message = await server.bot_sends(
        sid(request.match_info["channel_id"]), _body(request) or {}, _files(request)
    )
    return json_response(_visible(server, message))


def _limit(request: web.Request) -> int:
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise form_error("limit", "Value is not int.", "NUMBER_TYPE_COERCE") from None
    if not 1 <= limit <= 100:
        raise form_error("limit", "Int value should be between 1 and 100.", "NUMBER_TYPE_MAX")
    return limit


async def history(request: web.Request) -> web.Response:
    """GET messages: always newest first, also for `after` pages (the oldest ones after the anchor)."""
    server = _server(request)
    channel = server.state.channel(request.match_info["channel_id"])
    limit = _limit(request)
    ids = server.state.channel_message_ids(channel["id"])
    q = request.query
    if "around" in q:
        anchor = int(q["around"])
        pos = bisect.bisect_left(ids, anchor)
        half = limit // 2
        start = max(0, pos - half)
        chosen = ids[start : start + limit]
    elif "after" in q:
        after = int(q["after"])
        chosen = [i for i in ids if i > after][:limit]
    else:
        before = int(q["before"]) if "before" in q else None
        eligible = [i for i in ids if before is None or i < before]
        chosen = eligible[-limit:]
    return json_response([_visible(server, server.state.messages[str(i)]) for i in reversed(chosen)])


async def get_message(request: web.Request) -> web.Response:
    server = _server(request)
    m = request.match_info
    return json_response(_visible(server, server.state.message(m["channel_id"], m["message_id"])))


async def edit_message(request: web.Request) -> web.Response:
    server = _server(request)
    m = request.match_info
    message = await server.bot_edits(
        sid(m["channel_id"]), sid(m["message_id"]), _body(request) or {}, _files(request)
    )
    return json_response(_visible(server, message))


async def delete_message(request: web.Request) -> web.Response:
    m = request.match_info
    await _server(request).delete_message(m["channel_id"], m["message_id"])
    return _no_content()


async def bulk_delete(request: web.Request) -> web.Response:
    server = _server(request)
    await server.bot_bulk_deletes(sid(request.match_info["channel_id"]), _body(request) or {})
    return _no_content()


async def add_reaction(request: web.Request) -> web.Response:
    server = _server(request)
    m = request.match_info
    message = server.state.message(m["channel_id"], m["message_id"])
    reactions = message.setdefault("reactions", [])
    emoji = m["emoji"]
    found = next((r for r in reactions if r["emoji"]["name"] == emoji), None)
    if found is None:
        reactions.append({"emoji": {"id": None, "name": emoji}, "count": 1, "me": True})
    elif not found["me"]:
        found.update(count=found["count"] + 1, me=True)
    server.state_changed()
    return _no_content()


async def remove_reaction(request: web.Request) -> web.Response:
    server = _server(request)
    m = request.match_info
    message = server.state.message(m["channel_id"], m["message_id"])
    for reaction in message.get("reactions", []):
        if reaction["emoji"]["name"] == m["emoji"] and reaction["me"]:
            reaction.update(count=reaction["count"] - 1, me=False)
    message["reactions"] = [r for r in message.get("reactions", []) if r["count"] > 0]
    server.state_changed()
    return _no_content()


async def typing(request: web.Request) -> web.Response:
    _server(request).state.channel(request.match_info["channel_id"])
    return _no_content()


# ----- channels and threads ----------------------------------------------------------------------


async def start_thread_from_message(request: web.Request) -> web.Response:
    server = _server(request)
    m = request.match_info
    thread = await server.bot_starts_thread(sid(m["channel_id"]), sid(m["message_id"]), _body(request) or {})
    return json_response(server.state.channel_payload(thread["id"]), status=201)


async def create_thread(request: web.Request) -> web.Response:
    server = _server(request)
    payload = await server.bot_creates_thread(
        sid(request.match_info["channel_id"]), _body(request) or {}, _files(request)
    )
    return json_response(payload, status=201)


def _parse_before(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.isdigit():
        return snowflake_time(value)
    return dt.datetime.fromisoformat(value)


async def archived_public_threads(request: web.Request) -> web.Response:
    server = _server(request)
    channel = server.state.channel(request.match_info["channel_id"])
    before = _parse_before(request.query.get("before"))
    limit = int(request.query.get("limit", "50"))
    threads = [
        t
        for t in server.state.channels.values()
        if t["type"] in (10, 11) and t["parent_id"] == channel["id"] and t["thread_metadata"]["archived"]
    ]
    threads = [
        t
        for t in threads
        if before is None or dt.datetime.fromisoformat(t["thread_metadata"]["archive_timestamp"]) < before
    ]
    threads.sort(key=lambda t: t["thread_metadata"]["archive_timestamp"], reverse=True)
    page = threads[:limit]
    members = [
        m for t in page for m in server.state.thread_member_payloads(t["id"]) if m["user_id"] == server.bot_id
    ]
    return json_response(
        {
            "threads": [server.state.channel_payload(t["id"]) for t in page],
            "members": members,
            "has_more": len(threads) > limit,
        }
    )


async def join_thread(request: web.Request) -> web.Response:
    server = _server(request)
    thread = server.state.channel(request.match_info["channel_id"])
    if thread["type"] not in THREAD_TYPES:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    server.state.join_thread(thread["id"], server.bot_id)
    server.state_changed()
    return _no_content()


async def leave_thread(request: web.Request) -> web.Response:
    server = _server(request)
    thread = server.state.channel(request.match_info["channel_id"])
    server.state.leave_thread(thread["id"], server.bot_id)
    server.state_changed()
    return _no_content()


async def thread_members(request: web.Request) -> web.Response:
    server = _server(request)
    thread = server.state.channel(request.match_info["channel_id"])
    return json_response(server.state.thread_member_payloads(thread["id"]))


async def get_channel(request: web.Request) -> web.Response:
    return json_response(_server(request).state.channel_payload(request.match_info["channel_id"]))


async def edit_channel(request: web.Request) -> web.Response:
    server = _server(request)
    return json_response(
        await server.bot_edits_channel(sid(request.match_info["channel_id"]), _body(request) or {})
    )


async def delete_channel(request: web.Request) -> web.Response:
    server = _server(request)
    return json_response(await server.delete_channel(request.match_info["channel_id"]))


# ----- guilds and members ------------------------------------------------------------------------


async def get_guild(request: web.Request) -> web.Response:
    server = _server(request)
    payload = server.state.guild_payload(request.match_info["guild_id"])
    if _flag(request, "with_counts"):
        payload["approximate_member_count"] = len(server.state.members[payload["id"]])
        payload["approximate_presence_count"] = 0
    return json_response(payload)


async def guild_channels(request: web.Request) -> web.Response:
    state = _server(request).state
    state.guild(request.match_info["guild_id"])
    return json_response(
        [state.channel_payload(c["id"]) for c in state.guild_channels(request.match_info["guild_id"])]
    )


async def guild_roles(request: web.Request) -> web.Response:
    return json_response(_server(request).state.guild(request.match_info["guild_id"])["roles"])


async def active_threads(request: web.Request) -> web.Response:
    server = _server(request)
    gid = request.match_info["guild_id"]
    server.state.guild(gid)
    threads = [
        t for t in server.state.guild_channels(gid, threads=True) if not t["thread_metadata"]["archived"]
    ]
    members = [
        m
        for t in threads
        for m in server.state.thread_member_payloads(t["id"])
        if m["user_id"] == server.bot_id
    ]
    return json_response(
        {"threads": [server.state.channel_payload(t["id"]) for t in threads], "members": members}
    )


async def list_members(request: web.Request) -> web.Response:
    state = _server(request).state
    gid = sid(request.match_info["guild_id"])
    state.guild(gid)
    after = int(request.query.get("after", "0"))
    limit = min(1000, max(1, int(request.query.get("limit", "1"))))
    ids = sorted(int(u) for u in state.members[gid] if int(u) > after)[:limit]
    return json_response([state.member_payload(gid, str(u)) for u in ids])


async def get_member(request: web.Request) -> web.Response:
    m = request.match_info
    return json_response(_server(request).state.member_payload(m["guild_id"], m["user_id"]))
