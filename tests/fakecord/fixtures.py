"""Helpers for tests: a running fakecord, pointing discord.py (in this process) at it, and a fakecord
in a child process for tests that want the server and the test in different processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .control import ControlClient
from .server import FakecordConfig, FakeDiscord

REPO_ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def running_fakecord(config: FakecordConfig | None = None) -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord (`.api_base`, `.gateway_url`, `.port`, `.token`), stopped on exit."""
    server = FakeDiscord(config)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@contextlib.contextmanager
def discord_py_pointed_at(api_base: str, gateway_url: str) -> Iterator[None]:
    """Point discord.py in this process at a fakecord, restoring the real endpoints on exit.

    These are the two settings a client needs (see the package docstring); both are class
    attributes, so this changes every discord client in the process while active.
    """
    import discord.gateway
    import discord.http
    import yarl

    route = discord.http.Route
    ws = discord.gateway.DiscordWebSocket
    old_base, old_gateway = route.BASE, ws.DEFAULT_GATEWAY
    route.BASE = api_base
    ws.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        route.BASE = old_base
        ws.DEFAULT_GATEWAY = old_gateway


@dataclass(frozen=True)
class RemoteFakecord:
    """A fakecord in a child process, driven over its control API."""

    info: dict[str, Any]
    control: ControlClient

    @property
    def api_base(self) -> str:
        return str(self.info["api_base"])

    @property
    def gateway_url(self) -> str:
        return str(self.info["gateway_url"])

    @property
    def port(self) -> int:
        return int(self.info["port"])

    @property
    def token(self) -> str:
        return str(self.info["token"])


@contextlib.asynccontextmanager
async def spawned_fakecord(*args: str, startup_s: float = 20.0) -> AsyncIterator[RemoteFakecord]:
    """Run ``python -m tests.fakecord ARGS`` and yield once it has printed its address line."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakecord",
        *args,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stderr = bytearray()

    async def drain() -> None:  # keep the child from blocking on a full stderr pipe
        assert proc.stderr is not None
        while chunk := await proc.stderr.read(65536):
            stderr.extend(chunk)

    drainer = asyncio.create_task(drain())
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), startup_s)
        if not line:
            await drainer
            raise RuntimeError(f"fakecord child exited early: {stderr.decode(errors='replace')}")
        info = json.loads(line)
        async with ControlClient(f"http://127.0.0.1:{info['port']}") as control:
            yield RemoteFakecord(info, control)
    finally:
        drainer.cancel()
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
