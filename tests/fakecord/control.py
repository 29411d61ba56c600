"""The control API: the injection API over HTTP under /_control/..., for a test that drives a fakecord
running in another process (``python -m tests.fakecord``), plus `ControlClient` to call it.

Every handler is a thin wrapper over a FakeDiscord method, so both ways in behave the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .commands import CommandRefused
from .errors import ApiError, json_response
from .interactions import Interaction

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def interaction_view(server: FakeDiscord, record: Interaction) -> JSON:
    return {
        "id": record.id,
        "token": record.token,
        "type": record.type,
        "responded": record.responded,
        "callbacks": record.callbacks,
        "original": server.original_response(record),
        "followups": server.followups(record),
        "payload": record.payload,
    }


def add_control_routes(app: web.Application, server: FakeDiscord) -> None:
    def route(method: str, path: str, fn: Callable[[web.Request, JSON], Awaitable[Any]]) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            body: JSON = await request.json() if request.body_exists else {}
            try:
                result = await fn(request, body)
            except CommandRefused as exc:
                return json_response({"error": str(exc)}, 400)
            except ApiError as exc:
                return json_response(exc.body(), exc.status)
            except (KeyError, TimeoutError) as exc:
                return json_response({"error": repr(exc)}, 404 if isinstance(exc, KeyError) else 408)
            if isinstance(result, web.StreamResponse):
                return result
            return json_response(result) if result is not None else web.Response(status=204)

        app.router.add_route(method, "/_control" + path, handler)

    async def info(r: web.Request, b: JSON) -> JSON:
        return {
            "port": server.port,
            "api_base": server.api_base,
            "gateway_url": server.gateway_url,
            "token": server.token,
            "bot_id": server.bot_id,
            "application_id": server.application_id,
        }

    async def world(r: web.Request, b: JSON) -> JSON:
        return dataclasses.asdict(await server.build_world(b.get("name", "Newsroom")))

    async def guild(r: web.Request, b: JSON) -> JSON:
        return {"id": await server.create_guild(b["name"], owner_id=b.get("owner_id"))}

    async def channel(r: web.Request, b: JSON) -> JSON:
        gid = r.match_info["guild_id"]
        return {
            "id": await server.create_channel(
                gid, b["name"], type=int(b.get("type", 0)), parent_id=b.get("parent_id"), topic=b.get("topic")
            )
        }

    async def role(r: web.Request, b: JSON) -> JSON:
        return {"id": await server.create_role(r.match_info["guild_id"], b["name"], int(b["permissions"]))}

    async def member(r: web.Request, b: JSON) -> JSON:
        return {
            "id": await server.create_member(
                r.match_info["guild_id"], b["username"], roles=b.get("roles", ()), user_id=b.get("user_id")
            )
        }

    async def list_messages(r: web.Request, b: JSON) -> list[JSON]:
        return server.messages(r.match_info["channel_id"])

    async def say(r: web.Request, b: JSON) -> JSON:
        at = dt.datetime.fromisoformat(b["at"]) if b.get("at") else None
        return await server.member_says(
            r.match_info["channel_id"],
            b["author_id"],
            b.get("content", ""),
            reply_to=b.get("reply_to"),
            embeds=b.get("embeds"),
            at=at,
        )

    async def edit(r: web.Request, b: JSON) -> JSON:
        mi = r.match_info
        return await server.member_edits(mi["channel_id"], mi["message_id"], b["content"])

    async def delete(r: web.Request, b: JSON) -> None:
        mi = r.match_info
        await server.delete_message(mi["channel_id"], mi["message_id"])

    async def bulk(r: web.Request, b: JSON) -> JSON:
        return {"ids": await server.bulk_delete(r.match_info["channel_id"], b["ids"])}

    async def thread(r: web.Request, b: JSON) -> JSON:
        return await server.member_starts_thread(
            r.match_info["channel_id"], b["author_id"], b["name"], message_id=b.get("message_id")
        )

    async def post(r: web.Request, b: JSON) -> JSON:
        return await server.member_creates_post(
            r.match_info["channel_id"], b["author_id"], b["name"], b["content"]
        )

    async def thread_state(r: web.Request, b: JSON) -> JSON:
        return await server.set_thread_state(
            r.match_info["thread_id"], archived=b.get("archived"), locked=b.get("locked")
        )

    async def command(r: web.Request, b: JSON) -> JSON:
        record = await server.invoke_command(
            b["name"], channel_id=b["channel_id"], user_id=b["user_id"], options=b.get("options")
        )
        return interaction_view(server, record)

    async def autocomplete(r: web.Request, b: JSON) -> JSON:
        record = await server.autocomplete(
            b["name"],
            channel_id=b["channel_id"],
            user_id=b["user_id"],
            options=b["options"],
            focused=b["focused"],
        )
        return interaction_view(server, record)

    async def message_command(r: web.Request, b: JSON) -> JSON:
        record = await server.invoke_message_command(
            b["name"], channel_id=b["channel_id"], message_id=b["message_id"], user_id=b["user_id"]
        )
        return interaction_view(server, record)

    async def component(r: web.Request, b: JSON) -> JSON:
        record = await server.click_component(
            b["channel_id"],
            b["message_id"],
            b["custom_id"],
            user_id=b["user_id"],
            component_type=int(b.get("component_type", 2)),
            values=b.get("values"),
        )
        return interaction_view(server, record)

    async def modal(r: web.Request, b: JSON) -> JSON:
        opened_by = server.interactions[r.match_info["interaction_id"]]
        record = await server.submit_modal(opened_by, b["fields"], user_id=b.get("user_id"))
        return interaction_view(server, record)

    async def get_interaction(r: web.Request, b: JSON) -> JSON:
        record = server.interactions[r.match_info["interaction_id"]]
        wait = float(r.query.get("wait", "0"))
        if wait > 0:
            await server.wait_for_response(record, within=wait)
        return interaction_view(server, record)

    async def requests(r: web.Request, b: JSON) -> list[JSON]:
        since = int(r.query.get("since", "0"))
        return [dict(dataclasses.asdict(req), index=i) for i, req in enumerate(server.requests) if i >= since]

    async def http_fault(r: web.Request, b: JSON) -> None:
        server.fail_next(
            b["method"],
            b["path"],
            b.get("count", 1),
            status=int(b.get("status", 429)),
            retry_after=float(b.get("retry_after", 0.05)),
            code=int(b.get("code", 0)),
            message=b.get("message"),
            after_processing=bool(b.get("after_processing", False)),
            is_global=bool(b.get("global", False)),
        )

    async def clear_faults(r: web.Request, b: JSON) -> None:
        server.faults.clear()

    async def gateway_fault(r: web.Request, b: JSON) -> None:
        action = b["action"]
        if action == "close":
            await server.close_gateway(int(b.get("code", 4000)))
        elif action == "drop":
            server.drop_gateway()
        elif action == "reconnect":
            await server.send_reconnect()
        elif action == "invalidate":
            await server.invalidate_sessions(resumable=bool(b.get("resumable", False)))
        else:
            raise KeyError(action)

    async def gateway(r: web.Request, b: JSON) -> JSON:
        gw = server.gateway
        return {
            "identify_count": gw.identify_count,
            "resume_count": gw.resume_count,
            "sessions": [
                {"id": s.id, "intents": s.intents, "seq": s.seq, "connected": s.connection is not None}
                for s in gw.sessions.values()
            ],
        }

    async def state(r: web.Request, b: JSON) -> JSON:
        return server.state.to_json()

    async def save(r: web.Request, b: JSON) -> None:
        server.save()

    route("GET", "/info", info)
    route("POST", "/world", world)
    route("POST", "/guilds", guild)
    route("POST", "/guilds/{guild_id}/channels", channel)
    route("POST", "/guilds/{guild_id}/roles", role)
    route("POST", "/guilds/{guild_id}/members", member)
    route("GET", "/channels/{channel_id}/messages", list_messages)
    route("POST", "/channels/{channel_id}/messages", say)
    route("PATCH", "/channels/{channel_id}/messages/{message_id}", edit)
    route("DELETE", "/channels/{channel_id}/messages/{message_id}", delete)
    route("POST", "/channels/{channel_id}/bulk-delete", bulk)
    route("POST", "/channels/{channel_id}/threads", thread)
    route("POST", "/channels/{channel_id}/posts", post)
    route("PATCH", "/threads/{thread_id}", thread_state)
    route("POST", "/interactions/command", command)
    route("POST", "/interactions/autocomplete", autocomplete)
    route("POST", "/interactions/message-command", message_command)
    route("POST", "/interactions/component", component)
    route("POST", "/interactions/{interaction_id}/modal", modal)
    route("GET", "/interactions/{interaction_id}", get_interaction)
    route("GET", "/requests", requests)
    route("POST", "/faults/http", http_fault)
    route("DELETE", "/faults/http", clear_faults)
    route("POST", "/faults/gateway", gateway_fault)
    route("GET", "/gateway", gateway)
    route("GET", "/state", state)
    route("POST", "/save", save)

    async def attachment(request: web.Request) -> web.StreamResponse:
        found = server.files.get(request.match_info["attachment_id"])
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[1], content_type="application/octet-stream")

    app.router.add_get("/_attachments/{attachment_id}/{filename}", attachment)


class ControlClient:
    """Drives a fakecord in another process: ``await client.call("POST", "/world")``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ControlClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, path: str, body: JSON | None = None, **query: str) -> Any:
        assert self._session is not None, "use ControlClient as an async context manager"
        url = f"{self.base_url}/_control{path}"
        async with self._session.request(method, url, json=body, params=query or None) as resp:
            data = await resp.json() if resp.status != 204 else None
            if resp.status >= 400:
                raise ApiError(resp.status, int((data or {}).get("code", 0)), str(data))
            return data

    async def world(self) -> JSON:
        result: JSON = await self.call("POST", "/world")
        return result

    async def say(self, channel_id: str, author_id: str, content: str, **extra: Any) -> JSON:
        result: JSON = await self.call(
            "POST", f"/channels/{channel_id}/messages", {"author_id": author_id, "content": content, **extra}
        )
        return result

    async def command(self, name: str, channel_id: str, user_id: str, options: JSON | None = None) -> JSON:
        result: JSON = await self.call(
            "POST",
            "/interactions/command",
            {"name": name, "channel_id": channel_id, "user_id": user_id, "options": options or {}},
        )
        return result

    async def interaction(self, interaction_id: str, wait: float = 0.0) -> JSON:
        result: JSON = await self.call("GET", f"/interactions/{interaction_id}", wait=str(wait))
        return result
