"""fakecord: a small Discord-compatible server (REST v10 + gateway) on 127.0.0.1 for tests.

It lets the real, unmodified bot (discord.py 2.x) run against a local world that tests control:
members who post, edit, delete, open threads and run slash commands; faults such as 429s and dropped
gateway connections; and a record of every request and gateway frame for assertions.

Pointing discord.py 2.7 at it (checked against discord.py 2.7.1)
------------------------------------------------------------------
A client must set exactly two things before ``login``/``start``:

1. ``discord.http.Route.BASE = server.api_base`` (``http://127.0.0.1:PORT/api/v10``).
   Every REST call, including interaction callbacks and webhook followups (``discord.webhook``
   builds its routes from the same ``Route`` class), goes through it.
2. ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)``
   (``ws://127.0.0.1:PORT/gateway``). A plain ``Client``/``commands.Bot`` does NOT ask
   ``GET /gateway/bot``: it connects straight to ``DEFAULT_GATEWAY``, and falls back to it again
   after an INVALID_SESSION (op 9, d=false). Only ``AutoShardedClient`` asks ``/gateway/bot``, and
   fakecord answers that with its own ws URL too. After READY, resumes go to READY's
   ``resume_gateway_url``, which points back at this server.

Both are class attributes, so set them once in the bot process (the Parley bot should do it from its
API-base/gateway-URL settings). ``fixtures.discord_py_pointed_at`` does it reversibly for in-process
tests. Use ``server.token`` as the bot token. discord.py asks for ``compress=zlib-stream`` by default
(``zstd-stream`` if the ``zstandard`` package is importable); fakecord serves both, json encoding only.

For fast tests also pass ``guild_ready_timeout=0.1`` (or similar) to the client: discord.py waits that
long (default 2 s) after the last GUILD_CREATE before dispatching ``on_ready``.

Behaviour worth knowing when writing tests
-------------------------------------------
- discord.py sleeps 5 s before every re-IDENTIFY (not the first); override the client's
  ``before_identify_hook`` in tests that invalidate sessions. RESUMEs are immediate.
- Interaction callbacks later than ``FakecordConfig.interaction_deadline_s`` (3 s, as on Discord)
  get 404 code 10062; followups and original-response edits work for 15 minutes.
- Ephemeral messages are kept outside channel history (``FakeDiscord.message_by_id`` reads them) and
  produce no gateway events. The first followup after a deferred (type 5) response resolves the
  "thinking" message instead of creating a new one, as on Discord.
- A thread started from a message has the message's id, and its history begins with a
  THREAD_STARTER_MESSAGE (type 21, empty content, no gateway event); a public thread started without
  a message posts a THREAD_CREATED (type 18) system message in the parent channel. A forum post's
  first message has the thread's id and is not counted in ``message_count``.
- Without the MESSAGE_CONTENT intent, MESSAGE_CREATE/UPDATE of other users' messages (unless they
  mention the bot) arrive with empty content, embeds, attachments and components; with
  ``message_content_enabled=False`` (the portal privilege off) REST reads are blanked the same way
  and IDENTIFY asking for the intent is closed with 4014.
- Disconnected sessions stay resumable for ``resume_window_s`` (300 s) and buffer events meanwhile.
- Not modelled: channel permission overwrites (inject ``fail_next(..., status=403, code=50013)`` to
  test Missing Permissions), DMs, reaction events, presences, voice, real rate-limit buckets (every
  response carries a full, never-exhausted set of headers; 429s come only from ``fail_next``).

Layout
------
- ``server.FakeDiscord``: start/stop, the injection API (``build_world``, ``member_says``,
  ``member_edits``, ``delete_message``, ``bulk_delete``, ``member_starts_thread``,
  ``member_creates_post``, ``invoke_command``, ``autocomplete``, ``click_component``,
  ``invoke_message_command``, ``submit_modal``), faults (``fail_next``, ``close_gateway``,
  ``drop_gateway``, ``send_reconnect``, ``invalidate_sessions``) and observation (``requests``,
  ``gateway.frames``, ``messages``, ``interactions``, ``wait_for``).
- ``state.FakeState``: the world as Discord-shaped JSON; persisted when ``state_path`` is set.
- ``rest``/``gateway``: the two faces a bot sees. ``control``: the same injection API over HTTP
  under ``/_control/...`` plus ``ControlClient``. ``fixtures``: ``running_fakecord()``,
  ``discord_py_pointed_at()``, ``spawned_fakecord()``.
"""

from .commands import CommandRefused
from .control import ControlClient
from .fixtures import discord_py_pointed_at, running_fakecord, spawned_fakecord
from .interactions import Interaction
from .server import FakecordConfig, FakeDiscord, RecordedRequest, World

__all__ = [
    "CommandRefused",
    "ControlClient",
    "FakeDiscord",
    "FakecordConfig",
    "Interaction",
    "RecordedRequest",
    "World",
    "discord_py_pointed_at",
    "running_fakecord",
    "spawned_fakecord",
]
