"""The real ParleyBot inside simcord (a simulated Discord), over a real database file.

`running_bot()` opens the real services from Settings (SQLite in tmp_path, fetching allowed to reach
127.0.0.1 so pages and feeds come from a local aiohttp server), builds the real bot, starts it in
simcord, creates a guild with a text channel, a forum, an admin and a member, and syncs the slash
commands the way `parley sync-commands` would. Pages and feeds are made-up text written for these
tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import simcord
from simcord import ChannelHandle, GuildHandle, MemberActor

from bot.app import ParleyBot
from bot.services import Services, open_services
from bot.settings import DatabaseSettings, DiscordSettings, FeedSettings, FetchSettings, Settings

ZWSP = "\u200b"


def make_settings(
    tmp_path: Path,
    *,
    message_content: bool = True,
    post_spacing_s: float = 5.0,
    max_backfill: int = 20,
) -> Settings:
    return Settings(
        database=DatabaseSettings(path=str(tmp_path / "parley.db")),
        fetch=FetchSettings(allow_private=True, timeout_s=5.0),
        feeds=FeedSettings(post_spacing_s=post_spacing_s, max_backfill=max_backfill),
        discord=DiscordSettings(message_content_intent=message_content),
    )


@dataclass
class World:
    env: simcord.Env
    bot: ParleyBot
    services: Services
    guild: GuildHandle
    news: ChannelHandle
    forum: ChannelHandle
    admin: MemberActor
    member: MemberActor
    commands: dict[str, discord.app_commands.AppCommand]

    def take_errors(self) -> list[BaseException]:
        """Errors the bot's handlers reported (simcord records them even when handled); reading
        them acknowledges them, so the run does not fail on purpose-made errors."""
        return self.env.errors

    def add_guild(self, name: str) -> tuple[GuildHandle, ChannelHandle, MemberActor]:
        guild = self.env.create_guild(name)
        channel = guild.create_text_channel("news")
        role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        admin = guild.add_member(self.env.create_user(f"{name}-admin"), roles=[role])
        return guild, channel, admin


@asynccontextmanager
async def running_bot(settings: Settings, **options: Any) -> AsyncIterator[World]:
    async with open_services(settings) as services:
        bot = ParleyBot(services, settings)
        async with simcord.run(bot, **options) as env:
            guild = env.create_guild("Newsroom")
            news = guild.create_text_channel("news")
            forum = guild.create_forum_channel("stories")
            admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
            admin = guild.add_member(env.create_user("ada"), roles=[admins])
            member = guild.add_member(env.create_user("max"))
            synced = {c.name: c for c in await bot.tree.sync()}
            yield World(env, bot, services, guild, news, forum, admin, member, synced)


# What the bot sends --------------------------------------------------------------------------


def _message_payloads(body: Any) -> Iterator[dict[str, Any]]:
    """Every message body inside a request: plain sends, interaction responses, forum posts."""
    if not isinstance(body, dict):
        return
    if "content" in body or "embeds" in body:
        yield body
    for key in ("data", "message"):
        inner = body.get(key)
        if isinstance(inner, dict) and ("content" in inner or "embeds" in inner):
            yield inner


def assert_nothing_can_ping(env: simcord.Env) -> int:
    """Every message the bot sent so far disabled all mentions; returns how many were checked."""
    checked = 0
    for request in env.http_requests:
        for payload in _message_payloads(request.json):
            mentions = payload.get("allowed_mentions")
            where = f"{request.method} {request.path}"
            assert mentions is not None, f"{where} sent without allowed_mentions"
            assert mentions.get("parse") == [], where
            assert not mentions.get("users") and not mentions.get("roles"), where
            assert not mentions.get("replied_user"), where
            checked += 1
    return checked


def sent_texts(env: simcord.Env) -> list[str]:
    """All content and embed text the bot sent, for checking that outside text was escaped."""
    texts: list[str] = []
    for request in env.http_requests:
        for payload in _message_payloads(request.json):
            if payload.get("content"):
                texts.append(payload["content"])
            for embed in payload.get("embeds") or []:
                texts += [embed.get("title") or "", embed.get("description") or ""]
                texts += [(embed.get("author") or {}).get("name") or ""]
                texts += [f.get("value") or "" for f in embed.get("fields") or []]
    return [t for t in texts if t]


# Made-up pages and feeds -----------------------------------------------------------------------


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    published: str = "2025-12-30T09:00:00+00:00",
    site: str = "Harbour Gazette",
) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published}">
</head><body>
<nav><a href="/">Home</a> <a href="/city">City</a></nav>
<article><h1>{title}</h1>
{body}
</article>
<footer>Copyright {site}</footer>
</body></html>"""


def story_paragraphs(topic: str, speaker: str = "Mayor Jane Holloway") -> list[str]:
    """Several paragraphs of plain news prose about `topic`, with one direct quotation."""
    return [
        f"The city council met on Tuesday evening to discuss {topic}, a question that has divided "
        "residents of the harbour district for most of the past year.",
        f"\u201cWe have listened to every neighbourhood and we will act on {topic} before the summer,\u201d "
        f"said {speaker}, who chaired the meeting in the old town hall.",
        "Council officers presented three options, each with a different cost and timetable, and "
        "members asked for a detailed report on the likely effect on local shops and schools.",
        "Residents who spoke at the meeting asked for clearer information about the works and for "
        "regular updates, while business owners said they feared a long period of disruption.",
        "A final decision is expected at the next full council meeting, which is open to the public "
        "and will be streamed online for those who cannot attend in person.",
    ]


def rss_feed(title: str, items: list[tuple[str, str, str]]) -> str:
    """RSS 2.0 with (title, link, RFC 822 date) items, newest first as feeds list them."""
    entries = "\n".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate></item>"
        for t, link, date in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{title}</title><link>http://example.test/</link>
<description>Test feed</description>
{entries}
</channel></rss>"""


def replace_settings(settings: Settings, **sections: Any) -> Settings:
    return dataclasses.replace(settings, **sections)
