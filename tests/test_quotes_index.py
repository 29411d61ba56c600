"""The quote store: indexing extractions, speaker merging, chat quotes, lookups, guild isolation.

Every test runs against a real migrated SQLite file; the articles and people are made up.
"""

from __future__ import annotations

import hashlib

import pytest

from bot.quotes.index import index_article, index_articles, surroundings
from bot.quotes.model import Extraction, Quote, Speaker
from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database
from bot.store.quotes import (
    DeleteOutcome,
    QuoteRepo,
    TermStemmer,
    acronyms,
    name_terms,
    normalize_name,
)


async def add_article(db: Database, guild_id: int, title: str, text: str = "") -> int:
    text = text or f"{title} body"
    return await ArticleRepo(db).insert(
        NewArticle(
            guild_id=guild_id,
            title=title,
            text=text,
            content_hash=hashlib.sha256(f"{guild_id}:{text}".encode()).hexdigest(),
            url=f"https://news.example/{abs(hash(title))}",
        ),
        (),
        "extractive",
    )


def quote(
    text: str, speaker: str | None, context: str = "", *, partial: bool = False, named: bool = True
) -> Quote:
    return Quote(text, 0, len(text), speaker, speaker, "said", partial, named, context or text)


MARSH = Speaker("Elena Marsh", ("Marsh", "President Marsh", "he"), ("President of Vantoria",), "person")
KELLER = Speaker("Tomas Keller", ("Keller", "Prime Minister Keller"), ("Prime Minister of Keldor",), "person")

FIRST = Extraction(
    quotes=(
        quote("We will not back down.", "Elena Marsh"),
        quote(
            "a reckless gamble", "Elena Marsh", "Marsh called the closure “a reckless gamble”.", partial=True
        ),
        quote("Today's fishing dispute could be tomorrow's war.", "Tomas Keller"),
    ),
    speakers=(MARSH, KELLER),
)


async def fts_rows(db: Database) -> int:
    return int(await db.fetchval("SELECT count(*) FROM quotes_fts"))


@pytest.mark.asyncio
async def test_index_article_stores_quotes_speakers_aliases_roles(db: Database) -> None:
    article = await add_article(db, 0, "Trade pact")
    assert await index_article(db, 0, article, FIRST) == 3
    repo = QuoteRepo(db)
    counts = await repo.counts(0)
    assert (counts.quotes, counts.article_quotes, counts.chat_quotes, counts.speakers) == (3, 3, 0, 2)
    assert counts.articles_with_quotes == 1
    [marsh] = await repo.search_speakers(0, "marsh")
    assert marsh.canonical_name == "Elena Marsh" and marsh.kind == "person"
    assert set(marsh.aliases) == {"Elena Marsh", "Marsh", "President Marsh"}  # the pronoun is no alias
    assert marsh.roles == ("President of Vantoria",)
    assert await fts_rows(db) == 3


@pytest.mark.asyncio
async def test_reindexing_an_article_replaces_its_quotes(db: Database) -> None:
    article = await add_article(db, 0, "Trade pact")
    await index_article(db, 0, article, FIRST)
    await index_article(db, 0, article, FIRST)  # the same article ingested again
    assert (await QuoteRepo(db).counts(0)).quotes == 3
    assert await fts_rows(db) == 3

    changed = Extraction((quote("We will not back down.", "Elena Marsh"),), (MARSH,))
    await index_article(db, 0, article, changed)
    counts = await QuoteRepo(db).counts(0)
    assert counts.quotes == 1
    assert counts.speakers == 1  # Keller, no longer quoted anywhere, is dropped
    assert await fts_rows(db) == 1


@pytest.mark.asyncio
async def test_same_canonical_name_across_articles_is_one_speaker_with_all_aliases_and_roles(
    db: Database,
) -> None:
    first = await add_article(db, 0, "Trade pact")
    second = await add_article(db, 0, "Storm")
    await index_article(db, 0, first, FIRST)
    later = Speaker("Tomas Keller", ("Mr Keller", "Keller"), ("Keldorian leader",), "person")
    await index_article(
        db, 0, second, Extraction((quote("Our hearts go out to the families.", "Tomas Keller"),), (later,))
    )
    repo = QuoteRepo(db)
    [keller] = [p for p in await repo.search_speakers(0, "keller")]
    assert set(keller.aliases) == {"Tomas Keller", "Keller", "Prime Minister Keller", "Mr Keller"}
    assert set(keller.roles) == {"Prime Minister of Keldor", "Keldorian leader"}
    n = await db.fetchval("SELECT count(*) FROM quotes WHERE speaker_id = ?", (keller.id,))
    assert n == 2
    # Words of every role are looked up through the term index.
    found = await repo.speakers_by_terms(0, sorted(name_terms("Keldorian leader", repo.stemmer)))
    assert found[0][0] == keller.id


@pytest.mark.asyncio
async def test_unnamed_speakers_and_quotes_without_speaker(db: Database) -> None:
    article = await add_article(db, 0, "Storm")
    extraction = Extraction(
        quotes=(
            quote("The damage will take years to repair.", "a senior official", named=False),
            quote("Nobody knows who wrote this.", None, named=False),
        ),
        speakers=(Speaker("a senior official", (), (), "unnamed"),),
    )
    await index_article(db, 0, article, extraction)
    [official] = await QuoteRepo(db).search_speakers(0, "senior off")
    assert official.kind == "unnamed"
    assert await db.fetchval("SELECT count(*) FROM quotes WHERE speaker_id IS NULL") == 1


@pytest.mark.asyncio
async def test_a_quote_whose_speaker_has_no_record_still_gets_a_speaker(db: Database) -> None:
    article = await add_article(db, 0, "Storm")
    await index_article(db, 0, article, Extraction((quote("Stay indoors.", "Ana Ruiz"),), ()))
    [ruiz] = await QuoteRepo(db).search_speakers(0, "ruiz")
    assert ruiz.canonical_name == "Ana Ruiz" and ruiz.aliases == ("Ana Ruiz",)


@pytest.mark.asyncio
async def test_guilds_never_share_speakers_or_quotes(db: Database) -> None:
    one = await add_article(db, 1, "Trade pact")
    two = await add_article(db, 2, "Trade pact")
    await index_article(db, 1, one, FIRST)
    await index_article(db, 2, two, Extraction((quote("A different quote.", "Elena Marsh"),), (MARSH,)))
    repo = QuoteRepo(db)
    assert (await repo.counts(1)).quotes == 3
    assert (await repo.counts(2)).quotes == 1
    assert (await repo.counts(3)).quotes == 0
    [m1] = await repo.search_speakers(1, "marsh")
    [m2] = await repo.search_speakers(2, "marsh")
    assert m1.id != m2.id
    assert await repo.speaker_profiles(2, [m1.id]) == []
    ids = [r[0] for r in await db.fetchall("SELECT id FROM quotes WHERE guild_id = 1")]
    assert await repo.quotes_by_ids(2, ids) == []
    assert await repo.search(2, [('"gamble"', 1.0)], 10) == []
    [(found, _)] = await repo.search(1, [('"gamble"', 1.0)], 10)
    [gamble] = await repo.quotes_by_ids(1, [found])
    assert gamble.text == "a reckless gamble"


@pytest.mark.asyncio
async def test_bulk_indexing_in_batches(db: Database) -> None:
    items = []
    for n in range(30):
        article = await add_article(db, 0, f"Article {n}")
        quotes = tuple(quote(f"Quote number {n} {k} about harbours.", f"Speaker {n % 7}") for k in range(4))
        items.append((article, Extraction(quotes, ())))
    assert await index_articles(db, 0, items, quotes_per_transaction=25) == 120
    counts = await QuoteRepo(db).counts(0)
    assert (counts.quotes, counts.speakers, counts.articles_with_quotes) == (120, 7, 30)
    assert await index_articles(db, 0, items) == 120  # again: replaced, not added
    assert (await QuoteRepo(db).counts(0)).quotes == 120


@pytest.mark.asyncio
async def test_chat_quote_is_saved_once_with_the_member_as_speaker(db: Database) -> None:
    repo = QuoteRepo(db)
    saved = await repo.add_chat_quote(7, 70, 700, 42, "Lina", "Pineapple belongs on pizza.", saved_by=43)
    again = await repo.add_chat_quote(7, 70, 700, 42, "Lina", "Pineapple belongs on pizza.", saved_by=44)
    assert saved.created and not again.created and again.quote_id == saved.quote_id
    [lina] = await repo.search_speakers(7, "lin")
    assert (lina.name, lina.kind, lina.discord_user_id) == ("Lina", "person", 42)
    [stored] = await repo.quotes_by_ids(7, [saved.quote_id])
    assert (stored.source, stored.channel_id, stored.message_id, stored.author_id) == ("chat", 70, 700, 42)
    assert stored.speaker == "Lina" and stored.article_id is None
    # A later message under a new display name is the same speaker, found by either name.
    await repo.add_chat_quote(7, 70, 701, 42, "Lina B", "Tabs, not spaces.", saved_by=43)
    [same] = await repo.search_speakers(7, "lina b")
    assert same.id == lina.id and same.name == "Lina B"
    with pytest.raises(ValueError):
        await repo.add_chat_quote(7, 70, 702, 42, "Lina", "   ", saved_by=43)


@pytest.mark.asyncio
async def test_chat_speaker_is_not_merged_with_an_article_speaker_of_the_same_name(db: Database) -> None:
    repo = QuoteRepo(db)
    await repo.add_chat_quote(0, 1, 10, 42, "Elena Marsh", "I am a different Elena.", saved_by=43)
    article = await add_article(db, 0, "Trade pact")
    await index_article(db, 0, article, FIRST)
    marshes = await repo.search_speakers(0, "elena marsh")
    assert len(marshes) == 2
    assert {p.discord_user_id for p in marshes} == {42, None}


@pytest.mark.asyncio
async def test_only_the_quoted_member_may_delete_a_chat_quote(db: Database) -> None:
    repo = QuoteRepo(db)
    await repo.add_chat_quote(7, 70, 700, 42, "Lina", "Pineapple belongs on pizza.", saved_by=43)
    assert await repo.delete_chat_quote(7, 700, requester_id=43) is DeleteOutcome.FORBIDDEN  # the saver
    assert await repo.delete_chat_quote(8, 700, requester_id=42) is DeleteOutcome.NOT_FOUND  # other guild
    assert await repo.delete_chat_quote(7, 999, requester_id=42) is DeleteOutcome.NOT_FOUND
    assert (await repo.counts(7)).chat_quotes == 1
    assert await repo.delete_chat_quote(7, 700, requester_id=42) is DeleteOutcome.DELETED
    assert (await repo.counts(7)).quotes == 0
    assert await repo.search_speakers(7, "lina") == []  # no quote left: the member is forgotten
    assert await fts_rows(db) == 0


@pytest.mark.asyncio
async def test_forget_by_author_counts_only_that_members_chat_quotes_in_that_guild(db: Database) -> None:
    repo = QuoteRepo(db)
    for message in range(5):
        await repo.add_chat_quote(7, 70, 100 + message, 42, "Lina", f"Message {message}", saved_by=43)
    await repo.add_chat_quote(7, 70, 200, 43, "Omar", "Keep it.", saved_by=42)
    await repo.add_chat_quote(8, 80, 300, 42, "Lina", "Other guild.", saved_by=43)
    article = await add_article(db, 7, "Trade pact")
    await index_article(db, 7, article, FIRST)

    assert await repo.delete_chat_quotes_by_author(7, 42) == 5
    assert await repo.delete_chat_quotes_by_author(7, 42) == 0
    counts = await repo.counts(7)
    assert (counts.chat_quotes, counts.article_quotes) == (1, 3)
    assert (await repo.counts(8)).chat_quotes == 1
    assert [p.name for p in await repo.search_speakers(7, "lina")] == []
    assert [p.name for p in await repo.search_speakers(7, "omar")] == ["Omar"]


@pytest.mark.asyncio
async def test_search_speakers_by_prefix_words_aliases_and_roles(db: Database) -> None:
    article = await add_article(db, 0, "Trade pact")
    await index_article(db, 0, article, FIRST)
    repo = QuoteRepo(db)
    assert [p.canonical_name for p in await repo.search_speakers(0, "Kel")] == ["Tomas Keller"]
    assert [p.canonical_name for p in await repo.search_speakers(0, "prime min")] == ["Tomas Keller"]
    assert [p.canonical_name for p in await repo.search_speakers(0, "vantoria")] == ["Elena Marsh"]
    assert [p.canonical_name for p in await repo.search_speakers(0, "el mar")] == ["Elena Marsh"]
    assert await repo.search_speakers(0, "arsh") == []  # words match from their start
    assert await repo.search_speakers(0, "%ller") == []  # LIKE wildcards are not wildcards
    assert await repo.search_speakers(0, "k_ller") == []
    assert len(await repo.search_speakers(0, "")) == 2  # nothing typed: the newest speakers
    assert len(await repo.search_speakers(0, "", limit=1)) == 1


@pytest.mark.asyncio
async def test_match_counts_probe_stops_at_the_cap(db: Database) -> None:
    article = await add_article(db, 0, "Harbours")
    quotes = tuple(quote(f"The harbour is full, says skipper {n}.", f"Skipper {n}") for n in range(12))
    await index_article(db, 0, article, Extraction(quotes, ()))
    total, counts = await QuoteRepo(db).match_counts(
        ['"harbour"', '"skipper"', '"nothing"', '"harbours"'], cap=5
    )
    assert total == 12
    assert counts == [5, 5, 0, 5]  # porter stems: 'harbours' matches 'harbour'


def test_normalize_name_folds_accents_possessives_and_punctuation() -> None:
    assert normalize_name("Margot Wallström's") == "margot wallstrom"
    assert normalize_name("  Lee Jae-myung ") == "lee jae myung"
    assert normalize_name("O’Donnell") == "o donnell"


def test_acronyms_of_capitalised_runs() -> None:
    assert {"kcna", "un"} <= acronyms("Korean Central News Agency and the United Nations")
    assert "usda" in acronyms("U.S. Department of Agriculture")
    assert "pm" in acronyms("Prime Minister Keller")
    assert acronyms("the prime minister") == set()
    assert "un" in name_terms("a top United Nations official", TermStemmer())


def test_surroundings_leave_out_the_quote_once() -> None:
    assert (
        surroundings("Marsh called it “a gamble” on Monday.", "a gamble")
        == "Marsh called it “...” on Monday."
    )
    assert surroundings("“Go,” he said.", "Go") == "“...,” he said."
    assert surroundings("He said so.", "not there") == "He said so."  # a quote over paragraphs
    assert surroundings("", "Go") == ""


@pytest.mark.asyncio
async def test_stored_context_is_the_writers_words_around_the_quote(db: Database) -> None:
    article = await add_article(db, 0, "Trade pact")
    await index_article(db, 0, article, FIRST)
    context = await db.fetchval("SELECT context FROM quotes WHERE text = 'a reckless gamble'")
    assert context == "Marsh called the closure “...”."


@pytest.mark.asyncio
async def test_which_asked_words_each_speaker_has(db: Database) -> None:
    """The asker's cheap check of a who-question's words against candidates' names and roles."""
    from bot.store.quotes import QuoteReader

    article = await add_article(db, 1, "Trade pact")
    await index_article(db, 1, article, FIRST)
    stem = TermStemmer().stem
    ids = dict(await db.fetchall("SELECT canonical_name, id FROM speakers WHERE guild_id = 1"))
    marsh, keller = ids["Elena Marsh"], ids["Tomas Keller"]
    terms = [stem("president"), stem("minister"), stem("keldor"), stem("banana")]
    found = await db.run(lambda conn: QuoteReader(conn).speaker_terms_of(1, [marsh, keller], terms))
    assert found == {marsh: {stem("president")}, keller: {stem("minister"), stem("keldor")}}
    other_guild = await db.run(lambda conn: QuoteReader(conn).speaker_terms_of(2, [marsh, keller], terms))
    assert other_guild == {}
