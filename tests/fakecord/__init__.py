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
