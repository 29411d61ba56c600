"""FakeDiscord: the server object tests hold. Everything that happens in the fake world goes through
an action (message_actions, interaction_actions) that mutates the state and dispatches the matching
gateway event; this class adds the HTTP/websocket lifecycle and fault injection.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from .control import add_control_routes
from .core import FakecordConfig, RecordedRequest, UploadedFile, World
from .faults import FaultRule
from .interaction_actions import InteractionActions
from .rest import build_api

log = logging.getLogger(__name__)

__all__ = ["FakeDiscord", "FakecordConfig", "RecordedRequest", "UploadedFile", "World"]


class FakeDiscord(InteractionActions):
    """A fake Discord on 127.0.0.1: `await start()` (or `async with`), then point a client at
    `api_base` and `gateway_url` with `token`."""

    def __init__(self, config: FakecordConfig | None = None) -> None:
        super().__init__(config)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    # ----- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
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
