"""Safe text and embeds within Discord's limits (cogs/common.py), on made-up examples."""

from __future__ import annotations

from discord import app_commands

from bot.news.fetch import FetchError
from bot.posting import parse_marker
from bot.quotes.ask import Answer
from bot.store.articles import StoredArticle
from cogs.common import (
    DESCRIPTION_LIMIT,
    ELLIPSIS,
    EMBED_TOTAL_LIMIT,
    FIELD_LIMIT,
    TITLE_LIMIT,
    UserError,
    article_embed,
    clip,
    describe_error,
    format_date,
    masked_link,
    neutralise_mentions,
    quote_embed,
    safe,
    thread_name,
)

ZWSP = "\u200b"


def article(**changes: object) -> StoredArticle:
    values: dict[str, object] = {
        "id": 42,
        "guild_id": 1,
        "title": "Tram line opens",
        "url": "https://news.example/tram",
        "canonical_url": None,
        "external_id": None,
        "author": None,
        "published_at": "2025-05-02",
        "site_name": "City Desk",
        "language": "en",
        "text": "The tram line opened.",
        "summary": ("The new tram line opened on Friday.", "Crowds rode it all day."),
        "summary_method": "extractive",
        "speakers": ("Ana Ruiz", "Transit Authority"),
    }
    values.update(changes)
    return StoredArticle(**values)  # type: ignore[arg-type]


def test_mentions_are_broken_and_cannot_ping() -> None:
    text = "@everyone @here <@123456789012345678> <@!123456789012345678> <@&987654321098765432> <#55>"
    out = neutralise_mentions(text)
    for raw in ("@everyone", "@here", "<@1", "<@!1", "<@&9", "<#5"):
        assert raw not in out
    assert f"@{ZWSP}everyone" in out and f"<@&{ZWSP}987654321098765432>" in out
    assert neutralise_mentions("mail me at ana@example.org") == "mail me at ana@example.org"


def test_safe_escapes_markdown_but_keeps_links() -> None:
    out = safe("**Big** news_today: see https://news.example/a_b_c > quoted `code`")
    assert out.startswith("\\*\\*Big\\*\\* news\\_today")
    assert "https://news.example/a_b_c" in out
    assert "\\`code\\`" in out
    assert safe(None) == "" and safe("") == ""


def test_clip_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert clip("short", 10) == "short"
    cut = clip("one two three four five six", 15)
    assert len(cut) <= 15 and cut.endswith(ELLIPSIS) and cut == "one two three" + ELLIPSIS


def test_clip_adds_the_read_more_link_and_never_ends_on_a_backslash() -> None:
    long = "word " * 2000
    cut = clip(long, 4096, link="https://news.example/story (1)")
    assert len(cut) <= 4096
    assert cut.endswith("[Read more](https://news.example/story%20%281%29)")
    escaped = clip("a" * 9 + "\\*" * 10, 12)
    assert not escaped[:-1].endswith("\\")


def test_masked_link_escapes_brackets_and_refuses_odd_schemes() -> None:
    assert masked_link("Tram [update]", "https://x.test/a") == "[Tram \\[update\\]](https://x.test/a)"
    assert masked_link("Tram", "javascript:alert(1)") == "Tram"


def test_article_embed_has_linked_title_summary_fields_and_marker() -> None:
    embed = article_embed(article(), with_marker=True)
    assert embed.title == "Tram line opens" and embed.url == "https://news.example/tram"
    assert embed.description == "The new tram line opened on Friday. Crowds rode it all day."
    fields = {f.name: f.value for f in embed.fields}
    assert fields == {
        "Site": "City Desk",
        "Published": "<t:1746144000:D>",
        "People quoted": "Ana Ruiz, Transit Authority",
    }
    assert parse_marker(embed.footer.text) == 42
    assert article_embed(article()).footer.text is None


def test_article_embed_respects_every_limit() -> None:
    huge = article(
        title="T" * 600,
        summary=("S " * 5000,),
        site_name="N" * 2000,
        speakers=tuple(f"Speaker {n} " + "x" * 40 for n in range(200)),
        url="https://news.example/" + "p" * 100,
    )
    embed = article_embed(huge, with_marker=True, discussion_thread_id=123)
    assert len(embed.title or "") <= TITLE_LIMIT
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert all(len(f.value or "") <= FIELD_LIMIT for f in embed.fields)
    assert len(embed) <= EMBED_TOTAL_LIMIT
    assert (embed.description or "").endswith(f"[Read more]({huge.url})")
    assert parse_marker(embed.footer.text) == 42  # the marker survives any trimming


def test_article_embed_without_url_or_summary() -> None:
    embed = article_embed(article(url=None, summary=(), published_at=None, speakers=(), site_name=None))
    assert embed.url is None and embed.description is None and embed.fields == []


def test_dates_become_discord_timestamps() -> None:
    assert format_date("2025-05-02T10:30:00+02:00") == "<t:1746174600:D>"
    assert format_date("last Tuesday") == "last Tuesday"
    assert format_date(None) is None


def test_thread_names_are_plain_short_and_never_empty() -> None:
    assert thread_name("  A\n\ttitle  ") == "A title"
    assert len(thread_name("word " * 50)) <= 100
    assert thread_name("   ") == "Discussion"


def make_answer(**changes: object) -> Answer:
    values: dict[str, object] = {
        "quote_id": 1,
        "quote": "We will open the tram on Friday",
        "speaker": "Ana Ruiz",
        "speaker_role": "transport minister",
        "article_id": 42,
        "article_title": "Tram line opens",
        "article_url": "https://news.example/tram",
        "score": 0.9,
        "source": "article",
        "message_id": None,
        "channel_id": None,
    }
    values.update(changes)
    return Answer(**values)  # type: ignore[arg-type]


def test_quote_embed_for_an_article_quote() -> None:
    embed = quote_embed(make_answer(), guild_id=1, index=0, total=3)
    assert embed.description == "“We will open the tram on Friday”"
    assert embed.author.name == "Ana Ruiz, transport minister"
    assert {f.name: f.value for f in embed.fields} == {
        "Article": "[Tram line opens](https://news.example/tram)"
    }
    assert embed.footer.text == "Answer 1 of 3"


def test_quote_embed_for_a_chat_quote_links_the_message() -> None:
    chat = make_answer(
        source="chat",
        article_id=None,
        article_title=None,
        article_url=None,
        channel_id=5,
        message_id=6,
        speaker_role=None,
    )
    embed = quote_embed(chat, guild_id=1, index=0, total=1)
    assert {f.name: f.value for f in embed.fields} == {
        "Said in chat": "[Jump to message](https://discord.com/channels/1/5/6)"
    }
    assert embed.footer.text is None and embed.author.name == "Ana Ruiz"


def test_errors_are_described_in_plain_words() -> None:
    assert describe_error(UserError("No such feed.")) == ("No such feed.", False)
    assert describe_error(FetchError("The page answered 404 (not found).")) == (
        "The page answered 404 (not found).",
        False,
    )
    missing = app_commands.MissingPermissions(["manage_guild"])
    assert describe_error(missing) == ("You need the Manage Server permission to do that.", False)
    message, is_bug = describe_error(RuntimeError("boom"))
    assert is_bug and "boom" not in message
