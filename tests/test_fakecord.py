"""fakecord driven by a real discord.py client over loopback: what the bot will see in end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import logging
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.fakecord import (
    CommandRefused,
    FakecordConfig,
    FakeDiscord,
    World,
    discord_py_pointed_at,
    running_fakecord,
    spawned_fakecord,
)
from tests.fakecord.faults import path_matches
from tests.fakecord.snowflake import Snowflakes, snowflake_time

MESSAGES_ROUTE = "/channels/{channel_id}/messages"


class _Errors(logging.Handler):
    """Collects errors discord.py logs (it swallows exceptions in handlers and parsers)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Harness:
    """A discord.py client connected to a fakecord, with the events it received."""

    def __init__(self, server: FakeDiscord, client: discord.Client) -> None:
        self.server = server
        self.client = client
        self.messages: list[discord.Message] = []
        self.edits: list[discord.RawMessageUpdateEvent] = []
        self.deletes: list[discord.RawMessageDeleteEvent] = []
        self.threads: list[discord.Thread] = []
        self.ready = asyncio.Event()
        self.resumed = asyncio.Event()

        async def on_ready() -> None:
            self.ready.set()

        async def on_resumed() -> None:
            self.resumed.set()

        async def on_message(message: discord.Message) -> None:
            self.messages.append(message)

        async def on_raw_message_edit(event: discord.RawMessageUpdateEvent) -> None:
            self.edits.append(event)

        async def on_raw_message_delete(event: discord.RawMessageDeleteEvent) -> None:
            self.deletes.append(event)

        async def on_thread_create(thread: discord.Thread) -> None:
            self.threads.append(thread)

        for handler in (
            on_ready,
            on_resumed,
            on_message,
            on_raw_message_edit,
            on_raw_message_delete,
            on_thread_create,
        ):
            client.add_listener(handler) if isinstance(client, commands.Bot) else client.event(handler)

    async def wait(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        return await self.server.wait_for(predicate, within)


@contextlib.asynccontextmanager
async def connected(server: FakeDiscord, client: discord.Client) -> AsyncIterator[Harness]:
    """Log the client in against fakecord and wait for on_ready; fail if discord.py logged errors."""
    harness = Harness(server, client)
    errors = _Errors()
    discord_logger = logging.getLogger("discord")
    discord_logger.addHandler(errors)
    with discord_py_pointed_at(server.api_base, server.gateway_url):
        task = asyncio.create_task(client.start(server.token))
        try:
            done, _ = await asyncio.wait(
                [task, asyncio.create_task(harness.ready.wait())],
                timeout=10,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if task in done:
                task.result()
            assert harness.ready.is_set(), "client never became ready"
            yield harness
        finally:
            await client.close()
            with contextlib.suppress(asyncio.CancelledError, discord.ConnectionClosed):
                await asyncio.wait_for(task, 5)
            discord_logger.removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]


class QuickClient(discord.Client):
    """discord.py sleeps 5 s before every re-IDENTIFY (Discord's identify rate limit); tests need not."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_client(*, message_content: bool = False, guild_messages: bool = True) -> discord.Client:
    intents = discord.Intents.default()
    intents.message_content = message_content
    intents.guild_messages = guild_messages
    return QuickClient(intents=intents, guild_ready_timeout=0.05)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with running_fakecord() as fake:
        yield fake


@pytest_asyncio.fixture
async def world(server: FakeDiscord) -> World:
    return await server.build_world()


def frames(server: FakeDiscord, event: str) -> list[Any]:
    return [f.d for f in server.gateway.frames if f.direction == "send" and f.t == event]


def replayed_on_resume(server: FakeDiscord, content: str) -> bool:
    """Whether a MESSAGE_CREATE with this content was sent between a client's RESUME and RESUMED."""
    frames_ = server.gateway.frames
    for i, frame in enumerate(frames_):
        if frame.direction == "recv" and frame.op == 6:
            end = next(j for j in range(i, len(frames_)) if frames_[j].t == "RESUMED")
            if any(f.t == "MESSAGE_CREATE" and f.d["content"] == content for f in frames_[i:end]):
                return True
    return False


# ----- building blocks ---------------------------------------------------------------------------


def test_snowflakes_increase_with_time_and_backdate() -> None:
    ids = Snowflakes()
    minted = [int(ids.next()) for _ in range(1000)]
    assert minted == sorted(minted) and len(set(minted)) == 1000
    old = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    backdated = int(ids.next(at=old))
    assert backdated < minted[0]
    assert abs((snowflake_time(backdated) - old).total_seconds()) < 0.01
    assert int(ids.next()) > minted[-1]


def test_fault_patterns_accept_discord_py_route_templates() -> None:
    assert path_matches(MESSAGES_ROUTE, "/channels/123/messages")
    assert path_matches("/channels/*/messages", "/channels/123/messages")
    assert not path_matches(MESSAGES_ROUTE, "/channels/123/messages/456")
    assert not path_matches("/channels/9/messages", "/channels/123/messages")


@pytest.mark.asyncio
async def test_rest_speaks_discord_json_with_full_ratelimit_headers(server: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{server.api_base}/users/@me", headers={"Authorization": f"Bot {server.token}"}
        ) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["id"] == server.bot_id
            for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
                assert f"X-RateLimit-{header}" in resp.headers
        async with http.get(f"{server.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as resp:
            assert resp.status == 401
            assert await resp.json() == {"message": "401: Unauthorized", "code": 0}
        async with http.get(
            f"{server.api_base}/gateway/bot", headers={"Authorization": f"Bot {server.token}"}
        ) as resp:
            assert (await resp.json())["url"] == server.gateway_url
    assert [(r.method, r.path, r.status) for r in server.requests] == [
        ("GET", "/users/@me", 200),
        ("GET", "/users/@me", 401),
        ("GET", "/gateway/bot", 200),
    ]


@pytest.mark.asyncio
async def test_raw_gateway_zlib_stream_identify_heartbeat_and_bad_resume(server: FakeDiscord) -> None:
    inflate = zlib.decompressobj()

    async def receive(ws: aiohttp.ClientWebSocketResponse) -> Any:
        msg = await ws.receive(timeout=5)
        assert msg.type is aiohttp.WSMsgType.BINARY and msg.data.endswith(b"\x00\x00\xff\xff")
        return json.loads(inflate.decompress(msg.data))

    async with aiohttp.ClientSession() as http:
        url = f"{server.gateway_url}?v=10&encoding=json&compress=zlib-stream"
        async with http.ws_connect(url) as ws:
            hello = await receive(ws)
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await ws.send_json({"op": 1, "d": None})
            assert (await receive(ws))["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": server.token, "intents": 1, "properties": {}}})
            ready = await receive(ws)
            assert ready["t"] == "READY" and ready["s"] == 1
            assert ready["d"]["resume_gateway_url"] == server.gateway_url
        async with http.ws_connect(f"{server.gateway_url}?v=10&encoding=json") as ws:
            assert (await ws.receive_json(timeout=5))["op"] == 10
            await ws.send_json({"op": 6, "d": {"token": server.token, "session_id": "nope", "seq": 3}})
            assert await ws.receive_json(timeout=5) == {"op": 9, "d": False}
        async with http.ws_connect(f"{server.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json(timeout=5)
            await ws.send_json({"op": 2, "d": {"token": "bad", "intents": 1, "properties": {}}})
            closed = await ws.receive(timeout=5)
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004


# ----- a discord.py client against the server ----------------------------------------------------


@pytest.mark.asyncio
async def test_login_ready_and_guild_create_fill_the_client_cache(server: FakeDiscord, world: World) -> None:
    async with connected(server, make_client()) as h:
        client = h.client
        assert client.user is not None and str(client.user.id) == server.bot_id
        guild = client.get_guild(int(world.guild_id))
        assert guild is not None and guild.name == "Newsroom"
        assert {c.name: type(c) for c in guild.channels} == {
            "general": discord.TextChannel,
            "news": discord.TextChannel,
            "comments": discord.ForumChannel,
        }
        assert guild.me is not None
        news = guild.get_channel(int(world.news_id))
        assert isinstance(news, discord.TextChannel)
        assert news.permissions_for(guild.me).send_messages
        assert news.permissions_for(guild.me).create_public_threads
        # A guild created while connected arrives as GUILD_CREATE too.
        new_guild = await server.create_guild("Second")
        await h.wait(lambda: client.get_guild(int(new_guild)))
        fetched = await guild.fetch_channels()
        assert sorted(c.name for c in fetched) == ["comments", "general", "news"]
    # What discord.py 2.7 asks for by default (zstd-stream instead if `zstandard` is installed).
    assert server.gateway.connect_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert [r.path for r in server.requests][:1] == ["/users/@me"]


@pytest.mark.asyncio
async def test_slash_command_sync_response_followup_and_ephemeral(server: FakeDiscord, world: World) -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)

    @bot.tree.command(name="summarize", description="Summarise an article")
    @app_commands.describe(url="Article URL", sentences="How many sentences")
    async def summarize(interaction: discord.Interaction, url: str, sentences: int = 3) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content=f"{sentences} sentences of {url}")
        await interaction.followup.send("the thread is open", ephemeral=True)

    quotes = app_commands.Group(name="quotes", description="Who said what")

    @quotes.command(name="ask", description="Ask who said something")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.send_message(f"asked: {question}", ephemeral=True)

    bot.tree.add_command(quotes)

    @bot.tree.command(name="credit", description="Credit a member in a channel")
    async def credit(
        interaction: discord.Interaction, who: discord.Member, where: discord.TextChannel
    ) -> None:
        await interaction.response.send_message(f"{who.display_name} in #{where.name}")

    async with connected(server, bot):
        bot.tree.copy_global_to(guild=discord.Object(int(world.guild_id)))
        synced = await bot.tree.sync(guild=discord.Object(int(world.guild_id)))
        assert sorted(c.name for c in synced) == ["credit", "quotes", "summarize"]
        stored = {c["name"]: c for c in server.state.commands.values()}
        assert stored["summarize"]["guild_id"] == world.guild_id
        assert [o["name"] for o in stored["summarize"]["options"]] == ["url", "sentences"]

        run = await server.invoke_command(
            "summarize",
            channel_id=world.news_id,
            user_id=world.member_id,
            options={"url": "https://example.org/a", "sentences": 2},
        )
        await server.wait_for(lambda: run.followup_ids)
        assert run.response_type == 5
        original = server.original_response(run)
        assert original is not None and original["content"] == "2 sentences of https://example.org/a"
        assert not original["flags"] & (1 << 7)  # no longer "thinking"
        [followup] = server.followups(run)
        assert followup["content"] == "the thread is open" and followup["flags"] & 64
        history = [m["id"] for m in server.messages(world.news_id)]
        assert original["id"] in history and followup["id"] not in history

        ask_run = await server.invoke_command(
            "quotes ask",
            channel_id=world.news_id,
            user_id=world.member_id,
            options={"question": "who said it?"},
        )
        await server.wait_for_response(ask_run)
        assert ask_run.response_type == 4
        reply = server.original_response(ask_run)
        assert reply is not None and reply["content"] == "asked: who said it?" and reply["flags"] & 64
        credit_run = await server.invoke_command(
            "credit",
            channel_id=world.news_id,
            user_id=world.admin_id,
            options={"who": world.member_id, "where": world.general_id},
        )
        await server.wait_for_response(credit_run)
        credited = server.original_response(credit_run)
        assert credited is not None and credited["content"] == "reader in #general"

        callbacks = server.requests_to("POST", "/interactions/{id}/{token}/callback")
        assert all(r.query.get("with_response") for r in callbacks) and all(
            r.status == 200 for r in callbacks
        )


@pytest.mark.asyncio
async def test_commands_never_synced_or_badly_invoked_are_refused(server: FakeDiscord, world: World) -> None:
    with pytest.raises(CommandRefused):
        await server.invoke_command("summarize", channel_id=world.news_id, user_id=world.member_id)
    async with aiohttp.ClientSession() as http:
        url = f"{server.api_base}/applications/{server.application_id}/commands"
        headers = {"Authorization": f"Bot {server.token}"}
        bad = [{"name": "Bad Name", "description": "x", "type": 1}]
        async with http.put(url, json=bad, headers=headers) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50035
        good = [
            {
                "name": "admin",
                "description": "Admin",
                "type": 1,
                "default_member_permissions": "8",
                "options": [{"name": "feed", "description": "Feed URL", "type": 3, "required": True}],
            }
        ]
        async with http.put(url, json=good, headers=headers) as resp:
            assert resp.status == 200
    with pytest.raises(CommandRefused, match="missing required"):
        await server.invoke_command("admin", channel_id=world.news_id, user_id=world.admin_id)
    with pytest.raises(CommandRefused, match="lacks permissions"):
        await server.invoke_command(
            "admin", channel_id=world.news_id, user_id=world.member_id, options={"feed": "x"}
        )
    record = await server.invoke_command(
        "admin", channel_id=world.news_id, user_id=world.admin_id, options={"feed": "x"}
    )
    assert record.payload["data"]["options"] == [{"name": "feed", "type": 3, "value": "x"}]


@pytest.mark.asyncio
async def test_autocomplete_buttons_context_menu_and_modal(server: FakeDiscord, world: World) -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)

    async def speakers(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["Ishiba", "Isaac", "Trump"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.lower().startswith(current.lower())]

    @bot.tree.command(name="who", description="Who said what")
    @app_commands.autocomplete(speaker=speakers)
    async def who(interaction: discord.Interaction, speaker: str) -> None:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="More", custom_id="more"))
        view.add_item(discord.ui.Button(label="Hide", custom_id="hide"))
        await interaction.response.send_message(f"quotes of {speaker}", view=view)

    @bot.tree.context_menu(name="Add to discussion")
    async def add(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"added {message.content}", ephemeral=True)

    class Feedback(discord.ui.Modal, title="Feedback"):
        text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Text", custom_id="text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"thanks for {self.text.value}", ephemeral=True)

    @bot.tree.command(name="feedback", description="Tell us")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    async def on_interaction(interaction: discord.Interaction) -> None:
        custom_id = interaction.data.get("custom_id") if interaction.data else None
        if custom_id == "more":
            await interaction.response.edit_message(content="more quotes", view=None)
        elif custom_id == "hide":
            await interaction.response.defer()  # type 6: acknowledge, edit later
            await interaction.delete_original_response()

    bot.add_listener(on_interaction)

    async with connected(server, bot):
        await bot.tree.sync()
        typing = await server.autocomplete(
            "who",
            channel_id=world.general_id,
            user_id=world.member_id,
            options={"speaker": "is"},
            focused="speaker",
        )
        await server.wait_for_response(typing)
        assert typing.autocomplete_choices == [
            {"name": "Ishiba", "value": "Ishiba"},
            {"name": "Isaac", "value": "Isaac"},
        ]

        run = await server.invoke_command(
            "who", channel_id=world.general_id, user_id=world.member_id, options={"speaker": "Ishiba"}
        )
        await server.wait_for_response(run)
        posted = server.original_response(run)
        assert posted is not None and posted["content"] == "quotes of Ishiba" and posted["type"] == 20
        click = await server.click_component(world.general_id, posted["id"], "more", user_id=world.member_id)
        await server.wait_for_response(click)
        assert click.response_type == 7
        assert server.message_by_id(posted["id"])["content"] == "more quotes"
        assert server.message_by_id(posted["id"])["components"] == []
        with pytest.raises(CommandRefused):  # the buttons are gone now
            await server.click_component(world.general_id, posted["id"], "hide", user_id=world.member_id)

        again = await server.invoke_command(
            "who", channel_id=world.general_id, user_id=world.member_id, options={"speaker": "Trump"}
        )
        await server.wait_for_response(again)
        shown = server.original_response(again)
        assert shown is not None
        hide = await server.click_component(world.general_id, shown["id"], "hide", user_id=world.member_id)
        await server.wait_for(lambda: shown["id"] not in server.state.messages)
        assert hide.response_type == 6

        said = await server.member_says(world.general_id, world.member_id, "a comment")
        menu = await server.invoke_message_command(
            "Add to discussion", channel_id=world.general_id, message_id=said["id"], user_id=world.member_id
        )
        await server.wait_for_response(menu)
        answer = server.original_response(menu)
        assert answer is not None and answer["content"] == "added a comment"

        asked = await server.invoke_command("feedback", channel_id=world.general_id, user_id=world.member_id)
        await server.wait_for_response(asked)
        assert asked.modal is not None and asked.modal["title"] == "Feedback"
        submitted = await server.submit_modal(asked, {"text": "great site"})
        await server.wait_for_response(submitted)
        thanks = server.original_response(submitted)
        assert thanks is not None and thanks["content"] == "thanks for great site"


@pytest.mark.asyncio
async def test_late_interaction_response_is_unknown_interaction() -> None:
    async with running_fakecord(FakecordConfig(interaction_deadline_s=0.2)) as server:
        world = await server.build_world()
        client = make_client()
        tree = app_commands.CommandTree(client)
        failures: list[int] = []

        @tree.command(name="slow", description="Too slow")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.4)
            try:
                await interaction.response.send_message("late")
            except discord.NotFound as exc:
                failures.append(exc.code)

        async with connected(server, client):
            await tree.sync()
            await server.invoke_command("slow", channel_id=world.general_id, user_id=world.member_id)
            await server.wait_for(lambda: failures)
        assert failures == [10062]


@pytest.mark.asyncio
async def test_member_messages_edits_deletes_and_the_content_intent(
    server: FakeDiscord, world: World
) -> None:
    async with connected(server, make_client(message_content=False)) as h:
        first = await server.member_says(world.general_id, world.member_id, "hello there")
        mention = await server.member_says(
            world.general_id, world.member_id, f"<@{server.bot_id}> hi bot", reply_to=first["id"]
        )
        await h.wait(lambda: len(h.messages) == 2)
        assert [m.content for m in h.messages] == ["", f"<@{server.bot_id}> hi bot"]
        assert h.messages[1].reference is not None and h.messages[1].reference.message_id == int(first["id"])
        assert isinstance(h.messages[0].author, discord.Member)
        created = frames(server, "MESSAGE_CREATE")
        assert all(f["guild_id"] == world.guild_id and "member" in f for f in created)
        await server.member_edits(world.general_id, first["id"], "hello, edited")
        await h.wait(lambda: h.edits)
        assert h.edits[0].message.content == ""  # still hidden without the intent
        await server.delete_message(world.general_id, mention["id"])
        await h.wait(lambda: h.deletes)
        assert h.deletes[0].message_id == int(mention["id"])
        assert [m["content"] for m in server.messages(world.general_id)] == ["hello, edited"]

    async with connected(server, make_client(message_content=True)) as h:
        await server.member_says(world.general_id, world.member_id, "now visible")
        await h.wait(lambda: h.messages)
        assert h.messages[0].content == "now visible"

    async with connected(server, make_client(guild_messages=False)) as h:
        before = len(frames(server, "MESSAGE_CREATE"))
        await server.member_says(world.general_id, world.member_id, "nobody hears this")
        await asyncio.sleep(0.1)
        assert len(frames(server, "MESSAGE_CREATE")) == before and not h.messages


@pytest.mark.asyncio
async def test_disallowed_privileged_intent_closes_with_4014() -> None:
    async with running_fakecord(FakecordConfig(message_content_enabled=False)) as server:
        client = make_client(message_content=True)
        with (
            discord_py_pointed_at(server.api_base, server.gateway_url),
            pytest.raises(discord.PrivilegedIntentsRequired),
        ):
            await asyncio.wait_for(client.start(server.token), 10)
        await client.close()
        # Without the privilege, REST reads come back without content too.
        world = await server.build_world()
        said = await server.member_says(world.general_id, world.member_id, "secret words")
        async with aiohttp.ClientSession() as http:
            url = f"{server.api_base}/channels/{world.general_id}/messages/{said['id']}"
            async with http.get(url, headers={"Authorization": f"Bot {server.token}"}) as resp:
                assert (await resp.json())["content"] == ""


@pytest.mark.asyncio
async def test_bot_messages_are_echoed_and_history_pages_newest_first(
    server: FakeDiscord, world: World
) -> None:
    async with connected(server, make_client()) as h:
        channel = h.client.get_channel(int(world.news_id))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send(
            "summary",
            embed=discord.Embed(title="Title", description="Body"),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await h.wait(lambda: h.messages)
        assert h.messages[0].id == sent.id and h.messages[0].embeds[0].title == "Title"
        ids = [sent.id]
        for n in range(6):
            ids.append(int((await server.member_says(world.news_id, world.member_id, f"m{n}"))["id"]))

        page = await h.client.http.logs_from(int(world.news_id), 3, after=ids[1])
        assert [int(m["id"]) for m in page] == [ids[4], ids[3], ids[2]]  # the 3 just after, newest first
        page = await h.client.http.logs_from(int(world.news_id), 2, before=ids[3])
        assert [int(m["id"]) for m in page] == [ids[2], ids[1]]
        page = await h.client.http.logs_from(int(world.news_id), 3, around=ids[3])
        assert [int(m["id"]) for m in page] == [ids[4], ids[3], ids[2]]

        oldest_first = [m.id async for m in channel.history(limit=None, after=discord.Object(ids[0]))]
        assert oldest_first == ids[1:]
        newest_first = [m.id async for m in channel.history(limit=4)]
        assert newest_first == ids[::-1][:4]

        await sent.edit(content="summary, revised")
        await h.wait(lambda: h.edits)
        assert server.message_by_id(sent.id)["content"] == "summary, revised"
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert too_long.value.code == 50035
        with pytest.raises(discord.HTTPException) as other:
            await channel.get_partial_message(ids[1]).edit(content="not mine")
        assert other.value.code == 50005


@pytest.mark.asyncio
async def test_429_on_send_is_retried_and_stored_once(server: FakeDiscord, world: World) -> None:
    async with connected(server, make_client()) as h:
        channel = h.client.get_channel(int(world.news_id))
        assert isinstance(channel, discord.TextChannel)
        server.fail_next("POST", MESSAGES_ROUTE, count=2, retry_after=0.05)
        await channel.send("after the storm")
        sends = server.requests_to("POST", MESSAGES_ROUTE)
        assert [r.status for r in sends] == [429, 429, 200]
        assert [m["content"] for m in server.messages(world.news_id)] == ["after the storm"]


@pytest.mark.asyncio
async def test_nonce_dedupes_a_send_whose_response_was_lost(server: FakeDiscord, world: World) -> None:
    async with connected(server, make_client()) as h:
        channel = h.client.get_channel(int(world.news_id))
        assert isinstance(channel, discord.TextChannel)
        # The message is stored, then the response is lost (500); discord.py retries with the same nonce.
        server.fail_next("POST", MESSAGES_ROUTE, status=500, after_processing=True)
        sent = await channel.send("exactly once", nonce=12345)
        assert [r.status for r in server.requests_to("POST", MESSAGES_ROUTE)] == [500, 200]
        assert [m["id"] for m in server.messages(world.news_id)] == [str(sent.id)]
        again = await h.client.http.send_message(
            int(world.news_id),
            params=discord.http.handle_message_parameters(content="different text", nonce=12345),
        )
        assert again["id"] == str(sent.id)
        other = await h.client.http.send_message(
            int(world.news_id), params=discord.http.handle_message_parameters(content="new", nonce=999)
        )
        assert other["id"] != str(sent.id)


@pytest.mark.asyncio
async def test_threads_from_messages_forum_posts_and_archiving(server: FakeDiscord, world: World) -> None:
    async with connected(server, make_client(message_content=True)) as h:
        guild = h.client.get_guild(int(world.guild_id))
        assert guild is not None
        news = guild.get_channel(int(world.news_id))
        forum = guild.get_channel(int(world.forum_id))
        assert isinstance(news, discord.TextChannel) and isinstance(forum, discord.ForumChannel)

        summary = await news.send("An article summary")
        thread = await summary.create_thread(name="Discuss: article", auto_archive_duration=1440)
        assert thread.id == summary.id and thread.parent_id == news.id
        await h.wait(lambda: h.threads)
        assert frames(server, "THREAD_CREATE")[0]["newly_created"] is True
        await server.member_says(thread.id, world.member_id, "first comment")
        await h.wait(lambda: any(m.channel.id == thread.id for m in h.messages))
        assert server.state.channel(thread.id)["message_count"] == 1
        starter, comment = server.messages(thread.id)
        assert starter["type"] == 21 and starter["message_reference"]["message_id"] == str(summary.id)
        assert comment["content"] == "first comment"

        post = await forum.create_thread(name="Article 2", content="Post body")
        assert post.thread.id == post.message.id and post.message.content == "Post body"
        active = await guild.active_threads()
        assert {t.id for t in active} == {thread.id, post.thread.id}

        await thread.edit(archived=True)
        await h.wait(lambda: server.state.channel(thread.id)["thread_metadata"]["archived"])
        archived = [t.id async for t in news.archived_threads()]
        assert archived == [thread.id]
        # A member posting in an archived (unlocked) thread unarchives it.
        await server.member_says(thread.id, world.member_id, "late comment")
        assert not server.state.channel(thread.id)["thread_metadata"]["archived"]
        fetched = await h.client.fetch_channel(thread.id)
        assert isinstance(fetched, discord.Thread) and not fetched.archived

        member_thread = await server.member_starts_thread(world.general_id, world.member_id, "member chat")
        await h.wait(lambda: any(t.id == int(member_thread["id"]) for t in h.threads))
        system = server.messages(world.general_id)[-1]
        assert system["type"] == 18 and system["message_reference"]["channel_id"] == member_thread["id"]


@pytest.mark.asyncio
async def test_gateway_close_then_resume_replays_missed_events(server: FakeDiscord, world: World) -> None:
    async with connected(server, make_client(message_content=True)) as h:
        await server.close_gateway(4000)
        await server.member_says(world.general_id, world.member_id, "while you were away")
        await asyncio.wait_for(h.resumed.wait(), 10)
        await h.wait(lambda: h.messages)
        assert [m.content for m in h.messages] == ["while you were away"]
        assert replayed_on_resume(server, "while you were away")

        h.resumed.clear()
        server.drop_gateway()  # abrupt TCP drop, no close frame
        await server.member_says(world.general_id, world.member_id, "after the drop")
        await asyncio.wait_for(h.resumed.wait(), 10)
        await h.wait(lambda: len(h.messages) == 2)
        assert replayed_on_resume(server, "after the drop")

        h.resumed.clear()
        await server.send_reconnect()
        await asyncio.wait_for(h.resumed.wait(), 10)
        assert (server.gateway.identify_count, server.gateway.resume_count) == (1, 3)

        h.ready.clear()
        await server.invalidate_sessions(resumable=False)
        await asyncio.wait_for(h.ready.wait(), 10)
        assert server.gateway.identify_count == 2
        assert [m.content for m in h.messages] == ["while you were away", "after the drop"]


@pytest.mark.asyncio
async def test_members_intent_chunks_the_member_list(server: FakeDiscord, world: World) -> None:
    intents = discord.Intents.default()
    intents.members = True
    async with connected(server, QuickClient(intents=intents, guild_ready_timeout=0.05)) as h:
        guild = h.client.get_guild(int(world.guild_id))
        assert guild is not None and guild.chunked
        assert sorted(m.name for m in guild.members) == ["Parley", "editor", "reader"]
        joined = await server.create_member(world.guild_id, "newcomer")
        await h.wait(lambda: guild.get_member(int(joined)))
    assert any(f.op == 8 for f in server.gateway.frames if f.direction == "recv")


@pytest.mark.asyncio
async def test_bot_replies_fetches_deletes_and_bulk_deletes(server: FakeDiscord, world: World) -> None:
    bulk: list[discord.RawBulkMessageDeleteEvent] = []
    async with connected(server, make_client(message_content=True)) as h:
        h.client.event(_collect(bulk, "on_raw_bulk_message_delete"))
        channel = h.client.get_channel(int(world.general_id))
        assert isinstance(channel, discord.TextChannel)
        question = await server.member_says(world.general_id, world.member_id, "who said it?")
        asked = await channel.fetch_message(int(question["id"]))
        reply = await asked.reply("Ishiba did", mention_author=False)
        stored = server.message_by_id(reply.id)
        assert stored["type"] == 19 and stored["message_reference"]["message_id"] == question["id"]
        assert stored["mentions"] == []  # mention_author=False: nobody is pinged
        pinged = await asked.reply("Ishiba did")
        assert [u["id"] for u in server.message_by_id(pinged.id)["mentions"]] == [world.member_id]

        await reply.delete()
        await h.wait(lambda: any(d.message_id == reply.id for d in h.deletes))
        extra = [await channel.send(f"n{i}") for i in range(3)]
        await channel.delete_messages(extra)
        await h.wait(lambda: bulk)
        assert bulk[0].message_ids == {m.id for m in extra}
        ancient = await server.member_says(
            world.general_id, world.member_id, "old", at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
        )
        with pytest.raises(discord.HTTPException) as too_old:
            await channel.delete_messages([discord.Object(int(ancient["id"])), pinged])
        assert too_old.value.code == 50034
        history = [m.id async for m in channel.history(limit=None, oldest_first=True)]
        assert history == [int(ancient["id"]), int(question["id"]), pinged.id]


@pytest.mark.asyncio
async def test_file_uploads_and_attachments_round_trip(server: FakeDiscord, world: World) -> None:
    async with connected(server, make_client(message_content=True)) as h:
        channel = h.client.get_channel(int(world.general_id))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("the export", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "comments.csv"))
        assert [a.filename for a in sent.attachments] == ["comments.csv"]
        assert await sent.attachments[0].read() == b"a,b\n1,2\n"
        [upload] = server.requests_to("POST", MESSAGES_ROUTE)
        assert upload.files == ("comments.csv",) and upload.body["content"] == "the export"

        await server.member_says(
            world.general_id, world.member_id, "see attached", files=[("notes.txt", b"hi")]
        )
        await h.wait(lambda: any(m.content == "see attached" for m in h.messages))
        theirs = next(m for m in h.messages if m.content == "see attached")
        assert await theirs.attachments[0].read() == b"hi"


def _collect(into: list[Any], name: str) -> Callable[..., Any]:
    async def handler(event: Any) -> None:
        into.append(event)

    handler.__name__ = name
    return handler


@pytest.mark.asyncio
async def test_state_survives_a_server_restart(tmp_path: Path) -> None:
    path = tmp_path / "fakecord.json"
    async with running_fakecord(FakecordConfig(state_path=path)) as first:
        world = await first.build_world()
        said = await first.member_says(world.news_id, world.member_id, "kept")
        async with connected(first, make_client()) as h:
            thread = await h.client.http.start_thread_with_message(
                int(world.news_id), int(said["id"]), name="t", auto_archive_duration=60, rate_limit_per_user=0
            )
    async with running_fakecord(FakecordConfig(state_path=path)) as second:
        assert second.bot_id == first.bot_id
        assert [m["content"] for m in second.messages(world.news_id)] == ["kept"]
        assert second.state.channel(thread["id"])["name"] == "t"
        newer = await second.member_says(world.news_id, world.member_id, "newer")
        assert int(newer["id"]) > int(said["id"])
        async with connected(second, make_client()) as h:
            guild = h.client.get_guild(int(world.guild_id))
            assert guild is not None and guild.get_thread(int(thread["id"])) is not None


@pytest.mark.asyncio
async def test_control_api_drives_a_server_in_another_process() -> None:
    async with spawned_fakecord("--world") as remote:
        world = remote.info["world"]
        said = await remote.control.say(world["general_id"], world["member_id"], "from afar")
        messages = await remote.control.call("GET", f"/channels/{world['general_id']}/messages")
        assert [m["id"] for m in messages] == [said["id"]]
        await remote.control.call("POST", "/faults/http", {"method": "GET", "path": "/users/@me", "count": 1})
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bot {remote.token}"}
            async with http.get(f"{remote.api_base}/users/@me", headers=headers) as resp:
                assert resp.status == 429 and resp.headers["Via"]
                body = await resp.json()
                assert body["global"] is False and body["retry_after"] > 0
        requests = await remote.control.call("GET", "/requests")
        assert [(r["path"], r["status"]) for r in requests] == [("/users/@me", 429)]
