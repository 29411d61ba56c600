"""A real local HTTP server for tests: pages, feeds, redirects, slow, huge and gzip-bomb bodies.

Tests exercise the real fetching code against a real socket on 127.0.0.1 (port 0, so parallel runs
never collide). Routes can be added while the server runs, and every request is recorded so a test
can assert what reached the server (conditional headers, or that a refused request never arrived).

    async with LocalServer() as server:
        server.page("/story", "<html>...</html>")
        server.redirect("/old", "/story")
        url = server.url("/old")

`StaticResolver` answers DNS questions from a dict, so tests can give made-up names any address
without a single real DNS query leaving the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import ipaddress
import socket
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]


class LocalServer:
    """An aiohttp server on `host` (default 127.0.0.1), port chosen by the OS unless given."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._wanted_port = port
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self._routes: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None

    # lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> LocalServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._wanted_port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # addresses ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @property
    def endpoint(self) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
        """(address, port) as used by `AddressPolicy.allowed_endpoints`."""
        return ipaddress.ip_address(self.host), self.port

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    # routes ------------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(RecordedRequest(request.method, request.path, dict(request.headers)))
        handler = self._routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found", content_type="text/plain")
        return await handler(request)

    def route(self, path: str, handler: Handler) -> str:
        """Serve `path` with any handler; returns the full URL."""
        self._routes[path] = handler
        return self.url(path)

    def page(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str | None = "text/html; charset=utf-8",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> str:
        """A fixed body. With `etag`/`last_modified`, a matching conditional request gets a 304."""
        data = body.encode("utf-8") if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.StreamResponse:
            extra = dict(headers or {})
            if etag is not None:
                extra["ETag"] = etag
            if last_modified is not None:
                extra["Last-Modified"] = last_modified
            if (etag is not None and request.headers.get("If-None-Match") == etag) or (
                last_modified is not None and request.headers.get("If-Modified-Since") == last_modified
            ):
                return web.Response(status=304, headers=extra)
            if content_type is not None:
                extra["Content-Type"] = content_type
            return web.Response(status=status, body=data, headers=extra)

        return self.route(path, handler)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": location})

        return self.route(path, handler)

    def slow(
        self,
        path: str,
        *,
        chunks: int = 50,
        delay_s: float = 0.2,
        chunk: bytes = b"<p>slow</p>\n",
        content_type: str = "text/html; charset=utf-8",
    ) -> str:
        """Headers at once, then one small chunk every `delay_s`: a page that trickles forever."""

        async def handler(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse(headers={"Content-Type": content_type})
            await resp.prepare(request)
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                for _ in range(chunks):
                    await resp.write(chunk)
                    await asyncio.sleep(delay_s)
            return resp

        return self.route(path, handler)

    def huge(
        self,
        path: str,
        size: int,
        *,
        declare_length: bool = False,
        content_type: str = "text/html; charset=utf-8",
    ) -> str:
        """`size` bytes of filler, streamed (optionally with a Content-Length announcing it)."""
        block = b"<p>" + b"x" * (64 * 1024 - 8) + b"</p>\n"

        async def handler(request: web.Request) -> web.StreamResponse:
            headers = {"Content-Type": content_type}
            if declare_length:
                headers["Content-Length"] = str(size)
            resp = web.StreamResponse(headers=headers)
            await resp.prepare(request)
            sent = 0
            with contextlib.suppress(ConnectionError):
                while sent < size:
                    piece = block[: size - sent]
                    await resp.write(piece)
                    sent += len(piece)
                await resp.write_eof()
            return resp

        return self.route(path, handler)

    def compressed(
        self,
        path: str,
        body: str | bytes,
        *,
        encoding: str = "gzip",
        content_type: str = "text/html; charset=utf-8",
    ) -> str:
        """A body compressed by hand with `encoding` (gzip, deflate, raw-deflate or any label)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        if encoding == "gzip":
            payload, label = gzip.compress(data), "gzip"
        elif encoding == "deflate":
            payload, label = zlib.compress(data), "deflate"
        elif encoding == "raw-deflate":
            obj = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            payload, label = obj.compress(data) + obj.flush(), "deflate"
        else:
            payload, label = data, encoding

        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(
                body=payload, headers={"Content-Type": content_type, "Content-Encoding": label}
            )

        return self.route(path, handler)

    def gzip_bomb(self, path: str, size: int = 200_000_000) -> str:
        """A small gzip body (about size/1000 bytes) that inflates to `size` bytes of zeros."""
        obj = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = b"\0" * 1_000_000
        parts = [obj.compress(zeros) for _ in range(size // len(zeros))]
        parts.append(obj.flush())
        payload = b"".join(parts)

        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(
                body=payload,
                headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
            )

        return self.route(path, handler)


class RawServer:
    """A TCP server on 127.0.0.1 that answers every connection with the same raw bytes, for
    responses aiohttp's server will not produce (no Content-Type at all, broken framing)."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.port = 0
        self.connections = 0
        self._server: asyncio.base_events.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(self.response)
            await writer.drain()
        writer.close()

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def endpoint(self) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
        return ipaddress.ip_address("127.0.0.1"), self.port

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


class StaticResolver(AbstractResolver):
    """Answers from a dict of name -> addresses; unknown names fail like NXDOMAIN. No real DNS.

    `rebind` makes a name answer differently on successive lookups (the last answer sticks), to
    imitate DNS rebinding; `calls` records every lookup."""

    def __init__(self, answers: Mapping[str, Sequence[str]] | None = None) -> None:
        self.answers: dict[str, list[str]] = {k.lower(): list(v) for k, v in (answers or {}).items()}
        self._pending: dict[str, list[list[str]]] = {}
        self.calls: list[str] = []

    def set(self, name: str, addresses: Sequence[str]) -> None:
        self.answers[name.lower()] = list(addresses)

    def rebind(self, name: str, *answers: Sequence[str]) -> None:
        """Answer the first lookup with answers[0], the second with answers[1], and so on."""
        self._pending[name.lower()] = [list(a) for a in answers]

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        name = host.lower().rstrip(".")
        pending = self._pending.get(name)
        if pending:
            self.answers[name] = pending.pop(0)
        addresses = self.answers.get(name)
        if not addresses:
            raise OSError(socket.EAI_NONAME, f"{host}: name not known (StaticResolver)")
        results: list[ResolveResult] = []
        for address in addresses:
            ip = ipaddress.ip_address(address)
            results.append(
                {
                    "hostname": host,
                    "host": address,
                    "port": port,
                    "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        return results

    async def close(self) -> None:
        return None
