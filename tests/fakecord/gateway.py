"""The gateway websocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay,
intent filtering, member chunks, and the faults a test can inject (close, abrupt drop, RECONNECT,
INVALID_SESSION).

Sessions outlive connections, as on Discord: events dispatched while a bot is disconnected are
buffered in its session and replayed on RESUME.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .state import CONTENT_FIELDS, FakeState

JSON = dict[str, Any]
log = logging.getLogger(__name__)

# Opcodes.
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Intents.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ALL_INTENTS = (1 << 26) - 1

# Close codes.
UNKNOWN_ERROR, UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED, AUTHENTICATION_FAILED = (
    4000,
    4001,
    4002,
    4003,
    4004,
)
ALREADY_AUTHENTICATED, INVALID_API_VERSION, INVALID_INTENTS, DISALLOWED_INTENTS = 4005, 4012, 4013, 4014


def required_intent(event: str, payload: JSON) -> int:
    """The intent bit a session needs to receive an event (0: always delivered)."""
    in_guild = bool(payload.get("guild_id"))
    if event.startswith("MESSAGE_REACTION_"):
        return GUILD_MESSAGE_REACTIONS if in_guild else DIRECT_MESSAGE_REACTIONS
    if event.startswith("MESSAGE_"):
        return GUILD_MESSAGES if in_guild else DIRECT_MESSAGES
    if event.startswith("GUILD_MEMBER_") or event == "THREAD_MEMBERS_UPDATE":
        return GUILD_MEMBERS
    if event.startswith(("GUILD_", "CHANNEL_", "THREAD_")) and event != "GUILD_MEMBERS_CHUNK":
        return GUILDS
    return 0


def without_content(message: JSON) -> JSON:
    """A message as an app without the MESSAGE_CONTENT intent sees it."""
    blank = dict(message)
    for key in CONTENT_FIELDS:
        if key == "content":
            blank[key] = ""
        elif key == "poll":
            blank.pop(key, None)
        else:
            blank[key] = []
    return blank


def content_visible(message: JSON, bot_id: str) -> bool:
    """Discord shows content to apps without the intent only for their own messages, messages that
    mention them, and DMs."""
    return (
        message["author"]["id"] == bot_id
        or not message.get("guild_id")
        or any(m["id"] == bot_id for m in message.get("mentions") or [])
    )


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway payload, as sent by the client ("recv") or by the server ("send")."""

    direction: str
    op: int
    t: str | None
    s: int | None
    d: Any
    session_id: str | None
    at: float


class _Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...


class _ZlibStream:
    """zlib-stream transport compression: one deflate stream per connection, each payload ending
    in a sync flush (00 00 ff ff), which is what discord.py waits for."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj()

    def compress(self, data: bytes) -> bytes:
        return self._deflate.compress(data) + self._deflate.flush(zlib.Z_SYNC_FLUSH)


class _ZstdStream:
    """zstd-stream, which discord.py requests instead of zlib-stream when `zstandard` is installed."""

    def __init__(self) -> None:
        import zstandard

        self._flush_mode = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        self._stream = zstandard.ZstdCompressor().compressobj()

    def compress(self, data: bytes) -> bytes:
        out: bytes = self._stream.compress(data) + self._stream.flush(self._flush_mode)
        return out


def _compressor(kind: str | None) -> _Compressor | None:
    if kind == "zlib-stream":
        return _ZlibStream()
    if kind == "zstd-stream":
        return _ZstdStream()
    return None


class Connection:
    """One websocket. Sends are serialised because the compression stream is stateful."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        compressor: _Compressor | None,
        record: Callable[[GatewayFrame], None],
    ) -> None:
        self.ws = ws
        self.transport = request.transport
        self.compressor = compressor
        self.session: Session | None = None
        self.server_closed = False
        self._lock = asyncio.Lock()
        self._record = record

    async def send(self, payload: JSON) -> None:
        """Send one payload; frames are recorded only when actually written to an open socket."""
        text = json.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                return
            try:
                if self.compressor is None:
                    await self.ws.send_str(text)
                else:
                    await self.ws.send_bytes(self.compressor.compress(text.encode()))
            except (ConnectionError, RuntimeError):
                return
        session_id = self.session.id if self.session else None
        t, s, d = payload.get("t"), payload.get("s"), payload.get("d")
        self._record(GatewayFrame("send", payload["op"], t, s, d, session_id, time.time()))

    async def close(self, code: int, reason: str = "") -> None:
        self.server_closed = True
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()), timeout=2.0)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (a network failure, from the client's view)."""
        self.server_closed = True
        if self.transport is not None:
            self.transport.abort()


@dataclass(eq=False)
class Session:
    id: str
    token: str
    intents: int
    shard: list[int] | None
    connection: Connection | None = None
    disconnected_at: float | None = None  # monotonic time the last connection went away
    seq: int = 0
    buffer: deque[tuple[int, str, JSON]] = field(default_factory=lambda: deque(maxlen=5000))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wants(self, event: str, payload: JSON) -> bool:
        needed = required_intent(event, payload)
        return needed == 0 or bool(self.intents & needed)


@dataclass
class GatewayOptions:
    token: str
    heartbeat_interval_ms: int = 41250
    allowed_privileged_intents: int = PRIVILEGED_INTENTS
    ack_heartbeats: bool = True
    resume_window_s: float = 300.0  # how long a disconnected session stays resumable


class Gateway:
    """Owns sessions and connections; the server calls `dispatch` for every event it creates."""

    def __init__(self, state: FakeState, options: GatewayOptions, on_change: Callable[[], None]) -> None:
        self.state = state
        self.options = options
        self.public_url = ""
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.frames: list[GatewayFrame] = []
        self.connect_queries: list[dict[str, str]] = []  # ?v=&encoding=&compress= of each connection
        self.identify_count = 0
        self.resume_count = 0
        self._on_change = on_change

    def _record(self, frame: GatewayFrame) -> None:
        self.frames.append(frame)
        self._on_change()

    # ----- websocket handler ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="expected a websocket upgrade")
        await ws.prepare(request)
        compress = request.query.get("compress")
        conn = Connection(ws, request, None, self._record)
        self.connections.add(conn)
        self.connect_queries.append(dict(request.query))
        try:
            if request.query.get("v", "10") not in ("9", "10"):
                await conn.close(INVALID_API_VERSION, "Invalid API version")
                return ws
            if request.query.get("encoding", "json") != "json":
                await conn.close(DECODE_ERROR, "fakecord speaks json encoding only")
                return ws
            if compress not in (None, "zlib-stream", "zstd-stream"):
                await conn.close(DECODE_ERROR, f"unknown compression {compress}")
                return ws
            conn.compressor = _compressor(compress)
            await conn.send({"op": HELLO, "d": {"heartbeat_interval": self.options.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                        break
                    await conn.close(DECODE_ERROR, "Error while decoding payload.")
                    break
                try:
                    frame = json.loads(msg.data)
                    op = int(frame["op"])
                except (ValueError, KeyError, TypeError):
                    await conn.close(DECODE_ERROR, "Error while decoding payload.")
                    break
                session_id = conn.session.id if conn.session else None
                self._record(GatewayFrame("recv", op, None, None, frame.get("d"), session_id, time.time()))
                await self._on_frame(conn, op, frame.get("d"))
                if conn.server_closed:
                    break
        finally:
            self._forget(conn)
        return ws

    def _forget(self, conn: Connection) -> None:
        self.connections.discard(conn)
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
            session.disconnected_at = time.monotonic()
            # A client that closes with 1000/1001 is logging out; Discord invalidates that session.
            if not conn.server_closed and conn.ws.close_code in (1000, 1001):
                self.sessions.pop(session.id, None)
        self._on_change()

    async def _on_frame(self, conn: Connection, op: int, d: Any) -> None:
        if op == HEARTBEAT:
            if self.options.ack_heartbeats:
                await conn.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(conn, d or {})
        elif op == RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await conn.close(NOT_AUTHENTICATED, "Not authenticated.")
        elif op == REQUEST_GUILD_MEMBERS:
            await self._request_members(conn.session, d or {})
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            pass  # recorded; nothing in the fake world depends on presence or voice
        else:
            await conn.close(UNKNOWN_OPCODE, "Unknown opcode.")

    @staticmethod
    def _attach(session: Session, conn: Connection) -> None:
        session.connection = conn
        session.disconnected_at = None
        conn.session = session

    def _expire_sessions(self) -> None:
        """Forget sessions disconnected longer than the resume window (a crashed bot's old session)."""
        limit = time.monotonic() - self.options.resume_window_s
        for session in list(self.sessions.values()):
            if session.disconnected_at is not None and session.disconnected_at < limit:
                del self.sessions[session.id]

    def _token_ok(self, token: Any) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ") == self.options.token

    async def _identify(self, conn: Connection, d: JSON) -> None:
        if conn.session is not None:
            await conn.close(ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if not self._token_ok(d.get("token")):
            await conn.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents & ~ALL_INTENTS:
            await conn.close(INVALID_INTENTS, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.options.allowed_privileged_intents:
            await conn.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        session = Session(uuid.uuid4().hex, d["token"], intents, d.get("shard"))
        self.sessions[session.id] = session
        async with session.lock:
            self._attach(session, conn)
            await self._emit(session, "READY", self._ready_payload(session))
            if intents & GUILDS:
                for guild_id in list(self.state.guilds):
                    payload = self.state.guild_create_payload(guild_id, all_members=False, unavailable=False)
                    await self._emit(session, "GUILD_CREATE", payload)
        self.identify_count += 1
        self._on_change()

    def _ready_payload(self, session: Session) -> JSON:
        user = dict(self.state.bot_user, verified=True, mfa_enabled=False, flags=0, email=None)
        ready: JSON = {
            "v": 10,
            "user": user,
            "guilds": [{"id": gid, "unavailable": True} for gid in self.state.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.public_url,
            "application": {"id": self.state.application["id"], "flags": self.state.application["flags"]},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fakecord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        return ready

    async def _resume(self, conn: Connection, d: JSON) -> None:
        self._expire_sessions()
        session = self.sessions.get(str(d.get("session_id")))
        seq = d.get("seq") or 0
        if (
            session is None
            or not self._token_ok(d.get("token"))
            or (session.buffer and session.buffer[0][0] > seq + 1)
        ):
            await conn.send({"op": INVALID_SESSION, "d": False})
            return
        old = session.connection
        async with session.lock:
            self._attach(session, conn)
            for s, t, payload in list(session.buffer):
                if s > seq:
                    await conn.send({"op": DISPATCH, "t": t, "s": s, "d": payload})
            await self._emit(session, "RESUMED", {"_trace": ["fakecord"]})
        if old is not None and old is not conn:
            await old.close(UNKNOWN_ERROR, "Session resumed elsewhere.")
        self.resume_count += 1
        self._on_change()

    async def _request_members(self, session: Session, d: JSON) -> None:
        guild_id = str(d.get("guild_id"))
        members = self.state.members.get(guild_id, {})
        not_found: list[str] = []
        if d.get("user_ids"):
            wanted = [str(u) for u in (d["user_ids"] if isinstance(d["user_ids"], list) else [d["user_ids"]])]
            chosen = [u for u in wanted if u in members]
            not_found = [u for u in wanted if u not in members]
        else:
            query = str(d.get("query") or "").lower()
            chosen = [u for u in members if self.state.users[u]["username"].lower().startswith(query)]
            if d.get("limit"):
                chosen = chosen[: int(d["limit"])]
        payload: JSON = {
            "guild_id": guild_id,
            "members": [self.state.member_payload(guild_id, u) for u in chosen],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if d.get("nonce") is not None:
            payload["nonce"] = d["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", payload)

    # ----- dispatch ------------------------------------------------------------------------------

    async def _emit(self, session: Session, event: str, payload: JSON) -> None:
        """Number, buffer and (if connected) send one event; the caller holds session.lock."""
        session.seq += 1
        session.buffer.append((session.seq, event, payload))
        if session.connection is not None:
            await session.connection.send({"op": DISPATCH, "t": event, "s": session.seq, "d": payload})

    async def dispatch(self, event: str, payload: JSON) -> None:
        """Deliver an event to every session entitled to it (connected now or resumable later)."""
        self._expire_sessions()
        for session in list(self.sessions.values()):
            if not session.wants(event, payload):
                continue
            view = payload
            if (
                event in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
                and not session.intents & MESSAGE_CONTENT
                and not content_visible(payload, self.state.bot_id)
            ):
                view = without_content(payload)
            async with session.lock:
                await self._emit(session, event, view)

    # ----- faults --------------------------------------------------------------------------------

    async def close_connections(self, code: int = UNKNOWN_ERROR) -> None:
        """Close every connection with a close frame; sessions stay resumable."""
        await asyncio.gather(*(c.close(code, "fakecord fault") for c in list(self.connections)))

    def abort_connections(self) -> None:
        for conn in list(self.connections):
            conn.abort()

    async def send_reconnect(self) -> None:
        await asyncio.gather(*(c.send({"op": RECONNECT, "d": None}) for c in list(self.connections)))

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        conns = [c for c in self.connections if c.session is not None]
        if not resumable:
            self.sessions.clear()
        await asyncio.gather(*(c.send({"op": INVALID_SESSION, "d": resumable}) for c in conns))

    def connected_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.connection is not None]
