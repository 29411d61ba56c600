"""Answering questions from the quote store, on made-up articles in a real SQLite file.

Each general rule of the asker has a test here with its own example sentences: question forms,
speaker resolution through aliases/roles/acronyms, paraphrase (stemming, word order, missing and
extra words, typos), "I don't know", FTS5 syntax taken as words, chat quotes, guild isolation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.quotes.ask import Answer, QuoteAsker, parse_question
from bot.quotes.index import index_article, index_articles
from bot.quotes.model import Extraction, Quote, Speaker
from bot.settings import QuoteSettings
from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database
from bot.store.quotes import QuoteRepo

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
GUILD = 5


def q(text: str, speaker: str | None, context: str, *, partial: bool = False, named: bool = True) -> Quote:
    return Quote(text, 0, len(text), speaker, None, "said", partial, named, context)


MARSH = Speaker(
    "Elena Marsh",
    ("Marsh", "President Marsh", "Vantorian President Elena Marsh"),
    ("President of Vantoria", "Vantorian President"),
    "person",
)
KELLER = Speaker(
    "Tomas Keller",
    ("Keller", "Prime Minister Tomas Keller"),
    ("Keldorian Prime Minister", "Prime Minister of Keldor"),
    "person",
)
RUIZ = Speaker("Ana Ruiz", ("Ruiz", "Coast guard chief Ana Ruiz"), ("coast guard chief",), "person")
OFFICIAL = Speaker("a senior official", (), (), "unnamed")

TRADE = Extraction(
    quotes=(
        q(
            "We will not back down, and we will not be intimidated by tariffs.",
            "Elena Marsh",
            "“We will not back down, and we will not be intimidated by tariffs,” said Elena Marsh, "
            "the president of Vantoria.",
        ),
        q(
            "a reckless gamble",
            "Elena Marsh",
            "Marsh called the border closure “a reckless gamble” with the livelihoods of farmers.",
            partial=True,
        ),
        q(
            "Today's fishing dispute could be tomorrow's war.",
            "Tomas Keller",
            "Prime Minister Tomas Keller warned: “Today's fishing dispute could be tomorrow's war.”",
        ),
        q(
            "The budget will protect pensions and cut taxes for small farms.",
            "Tomas Keller",
            "Keller said of the budget: “The budget will protect pensions and cut taxes for small farms.”",
        ),
    ),
    speakers=(MARSH, KELLER),
)
STORM = Extraction(
    quotes=(
        q(
            "Every single fisherman has been brought back to harbour safely.",
            "Ana Ruiz",
            "Coast guard chief Ana Ruiz told reporters: “Every single fisherman has been brought back to "
            "harbour safely.”",
        ),
        q(
            "The damage will take years to repair.",
            "a senior official",
            "“The damage will take years to repair,” a senior official said.",
            named=False,
        ),
        q(
            "Our hearts go out to the families on the coast.",
            "Tomas Keller",
            "Keller said: “Our hearts go out to the families on the coast.”",
        ),
    ),
    speakers=(RUIZ, OFFICIAL, Speaker("Tomas Keller", ("Mr Keller",), ("Keldorian leader",), "person")),
)


async def add_article(db: Database, guild_id: int, title: str, url: str) -> int:
    return await ArticleRepo(db).insert(
        NewArticle(
            guild_id=guild_id,
            title=title,
            text=f"{title} text",
            content_hash=hashlib.sha256(f"{guild_id}{title}".encode()).hexdigest(),
            url=url,
        ),
        (),
        "extractive",
    )


@pytest_asyncio.fixture
async def asker(db: Database) -> AsyncIterator[QuoteAsker]:
    trade = await add_article(db, GUILD, "Vantoria and Keldor sign a trade pact", "https://news.example/pact")
    storm = await add_article(db, GUILD, "Storm batters the Keldor coast", "https://news.example/storm")
    await index_article(db, GUILD, trade, TRADE)
    await index_article(db, GUILD, storm, STORM)
    yield QuoteAsker(db, QuoteSettings())


async def top(asker: QuoteAsker, question: str, guild_id: int = GUILD) -> Answer:
    answers = await asker.ask(guild_id, question)
    assert answers, f"no answer to {question!r}"
    return answers[0]


async def ask_article(db: Database, title: str, extraction: Extraction, question: str) -> Answer:
    """Store one article with these quotes and ask the question: the best answer."""
    article = await add_article(db, GUILD, title, "https://news.example/" + "-".join(title.lower().split()))
    await index_article(db, GUILD, article, extraction)
    return await top(QuoteAsker(db, QuoteSettings()), question)


# Parsing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind", "speaker_ref", "hint"),
    [
        ("Who said the harbour is full?", "who", "", ""),
        ("who called the plan reckless", "who", "", ""),
        ("Which coast guard chief said the boats were safe?", "who", "", "coast guard chief"),
        ("What did Keller say about the budget?", "what", "Keller", ""),
        (
            "What did the Keldorian prime minister say about pensions?",
            "what",
            "the Keldorian prime minister",
            "",
        ),
        (
            "what did the blogger who joined the protest say they had done",
            "what",
            "the blogger who joined the protest",
            "",
        ),
        ("Keller's quotes on pensions", "what", "Keller's", ""),
        ("quotes by Ana Ruiz about the storm", "what", "Ana Ruiz", ""),
        ("did Marsh say she would not back down", "what", "Marsh", ""),
        ("When did Keller say the dispute could become a war?", "what", "Keller", ""),
        ("What would the budget do for farms, according to Keller?", "what", "Keller", ""),
        ("According to the coast guard, how many fishermen came back?", "what", "the coast guard", ""),
        ("What was the army told to prepare for?", "what", "", ""),
        ("What message did visitors see on the site?", "what", "", ""),
        ("Why didn't the harbour master report the damage?", "what", "the harbour master", ""),
        ("Didn't Keller say he would resign?", "what", "Keller", ""),
        ("quotes about the storm", "topic", "", ""),
        ("storm damage repairs", "topic", "", ""),
    ],
)
def test_parse_question_forms(question: str, kind: str, speaker_ref: str, hint: str) -> None:
    parsed = parse_question(question)
    assert (parsed.kind, parsed.speaker_ref, parsed.speaker_hint) == (kind, speaker_ref, hint)


def test_parse_keeps_the_topic_words() -> None:
    assert parse_question("What did Keller say about the budget?").topic == "say about the budget"
    assert parse_question("What was the army told to prepare for?").topic == "the army told to prepare for"


def test_parse_keeps_a_not_that_is_part_of_the_topic() -> None:
    assert parse_question("Who said it isn't over?").topic == "said it is not over"
    assert parse_question("Who said they won't pay?").topic == "said they will not pay"


def test_parse_drops_kind_of_after_what() -> None:
    """'what kind of boat' asks for a description of the boat: no quote says 'kind of'. Elsewhere
    ('not that sort of person') the words are the reader's paraphrase and stay."""
    assert parse_question("What kind of boat did Ruiz say sank?").topic == "boat say sank"
    parsed = parse_question("What did Ruiz say about what sort of storm hit?")
    assert parsed.topic == "say about what storm hit"
    assert "sort of" in parse_question("Who said Keller is not that sort of person?").topic


# Who said ... ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_who_said_exact_words(asker: QuoteAsker) -> None:
    answer = await top(asker, "Who said today's fishing dispute could be tomorrow's war?")
    assert answer.speaker == "Tomas Keller"
    assert answer.quote == "Today's fishing dispute could be tomorrow's war."
    assert answer.article_title == "Vantoria and Keldor sign a trade pact"
    assert answer.article_url == "https://news.example/pact"
    assert answer.source == "article" and answer.message_id is None
    assert answer.speaker_role in (*KELLER.roles, "Keldorian leader")
    assert 0.35 <= answer.score <= 1.0


@pytest.mark.asyncio
async def test_who_warned_with_other_word_order_and_missing_words(asker: QuoteAsker) -> None:
    answer = await top(asker, "who warned that tomorrow's war could come out of a fishing dispute")
    assert answer.speaker == "Tomas Keller"


@pytest.mark.asyncio
async def test_stemming_matches_other_forms_of_the_words(asker: QuoteAsker) -> None:
    answer = await top(asker, "who said budgets protected the pension and cutting tax for farming")
    assert answer.quote.startswith("The budget will protect pensions")


@pytest.mark.asyncio
async def test_typos_and_spelling_variants_are_forgiven(asker: QuoteAsker) -> None:
    answer = await top(asker, "who said todays fishng dispute could be tommorrow's war")
    assert answer.speaker == "Tomas Keller"
    answer = await top(asker, "who said every fisherman was brought back to the harbor")  # US spelling
    assert answer.speaker == "Ana Ruiz"


@pytest.mark.asyncio
async def test_who_called_matches_a_partial_quote_through_its_sentence(asker: QuoteAsker) -> None:
    answer = await top(asker, "Who called the border closure a reckless gamble?")
    assert (answer.speaker, answer.quote) == ("Elena Marsh", "a reckless gamble")
    answer = await top(asker, "who described closing the border as reckless")
    assert answer.speaker == "Elena Marsh"


@pytest.mark.asyncio
async def test_which_role_said_uses_the_roles(asker: QuoteAsker) -> None:
    answer = await top(asker, "Which coast guard chief said the fishermen got back safely?")
    assert answer.speaker == "Ana Ruiz"


@pytest.mark.asyncio
async def test_who_answers_list_each_speaker_once(asker: QuoteAsker) -> None:
    answers = await asker.ask(GUILD, "who said anything about farms, farmers or pensions", limit=5)
    speakers = [a.speaker for a in answers]
    assert len(speakers) == len(set(speakers))
    assert [a.score for a in answers] == sorted((a.score for a in answers), reverse=True)


@pytest.mark.asyncio
async def test_unnamed_source_is_an_answer(asker: QuoteAsker) -> None:
    answer = await top(asker, "who said the damage would take years to repair?")
    assert answer.speaker == "a senior official"


# What did X say ----------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "question",
    [
        "What did Keller say about the budget?",
        "what did tomas keller say about the budget",
        "What did the Keldorian prime minister say about the budget?",
        "What did the PM say about the budget?",
        "What did Prime Minister Keller say about taxes?",
        "Keller's quotes on pensions",
        "quotes by Tomas Keller about taxes",
        "What would the budget do for small farms, according to Keller?",
        "What did Kelller say about the budget?",  # misspelt name
        "What did the Keldorian prime ministre say about the budget?",  # misspelt role
    ],
)
async def test_what_did_x_say_about_y(asker: QuoteAsker, question: str) -> None:
    answer = await top(asker, question)
    assert answer.quote == "The budget will protect pensions and cut taxes for small farms."


@pytest.mark.asyncio
async def test_the_speaker_decides_between_quotes_on_one_topic(asker: QuoteAsker) -> None:
    # Both Marsh and Keller speak of farms; the question names Marsh.
    answer = await top(asker, "What did the president of Vantoria say about farmers?")
    assert answer.speaker == "Elena Marsh"
    answer = await top(asker, "What did Marsh say about the border?")
    assert answer.quote == "a reckless gamble"


@pytest.mark.asyncio
async def test_did_and_when_did_x_say_y(asker: QuoteAsker) -> None:
    answer = await top(asker, "did Marsh say they would not back down")
    assert answer.quote.startswith("We will not back down")
    answer = await top(asker, "when did Keller say a fishing dispute could lead to war")
    assert answer.quote == "Today's fishing dispute could be tomorrow's war."


@pytest.mark.asyncio
async def test_what_did_x_say_without_topic_gives_their_quotes(asker: QuoteAsker) -> None:
    answers = await asker.ask(GUILD, "What did Keller say?")
    assert {a.speaker for a in answers} == {"Tomas Keller"}
    assert len(answers) == 3  # across both articles
    answers = await asker.ask(GUILD, "What did Marsh say?")
    assert answers[0].quote.startswith("We will not back down")  # a whole quote before a fragment


@pytest.mark.asyncio
async def test_quotes_about_a_topic(asker: QuoteAsker) -> None:
    answer = await top(asker, "quotes about the damage from the storm")
    assert answer.quote == "The damage will take years to repair."


# I don't know -------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "question",
    [
        "Who said the soup needs more garlic?",
        "What did Jonas Brightwater say about the budget?",  # nobody of that name in the store
        "What did Keller say about the opera?",  # a known speaker, but never on that topic
        "What did the astronaut say about the rings of Saturn?",
        "Who said the new orchestra tour is safe from tariffs?",  # initials 'not' are no acronym
        "who said",
        "?",
        "",
        "the of and to",
    ],
)
async def test_i_dont_know_rather_than_a_wrong_answer(asker: QuoteAsker, question: str) -> None:
    assert await asker.ask(GUILD, question) == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "question",
    [
        'who said "fishing dispute" NEAR(war, 3) AND tomorrow* -war OR ^today: col:x',
        'who said "fishing dispute',
        "who said (fishing dispute war",
        "who said fishing) dispute NOT war*",
        'who said fishing "" dispute \'" war',
    ],
)
async def test_fts_syntax_in_a_question_is_read_as_words(asker: QuoteAsker, question: str) -> None:
    answer = await top(asker, question)
    assert answer.speaker == "Tomas Keller"


@pytest.mark.asyncio
async def test_limit_and_max_answers(db: Database, asker: QuoteAsker) -> None:
    assert len(await asker.ask(GUILD, "What did Keller say?", limit=1)) == 1
    assert await asker.ask(GUILD, "What did Keller say?", limit=0) == []
    narrow = QuoteAsker(db, QuoteSettings(max_answers=2))
    assert len(await narrow.ask(GUILD, "What did Keller say?")) == 2
    strict = QuoteAsker(db, QuoteSettings(min_score=0.99))
    assert await strict.ask(GUILD, "who warned that tomorrow's war could come out of a fishing dispute") == []


# Guilds and chat quotes ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_one_guild_never_sees_another_guilds_quotes(db: Database, asker: QuoteAsker) -> None:
    assert await asker.ask(GUILD + 1, "Who said today's fishing dispute could be tomorrow's war?") == []
    other = await add_article(db, GUILD + 1, "Vantoria and Keldor sign a trade pact", "https://x.example/")
    await index_article(
        db, GUILD + 1, other, Extraction((q("Fishing is our life.", "Tomas Keller", ""),), ())
    )
    answer = await top(asker, "What did Keller say about fishing?", guild_id=GUILD + 1)
    assert answer.quote == "Fishing is our life."
    answer = await top(asker, "What did Keller say about fishing?")
    assert answer.quote != "Fishing is our life."


@pytest.mark.asyncio
async def test_chat_quotes_are_answered_and_forgotten(db: Database, asker: QuoteAsker) -> None:
    repo = QuoteRepo(db)
    await repo.add_chat_quote(
        GUILD, 70, 700, 42, "Lina", "Pineapple absolutely belongs on pizza.", saved_by=43
    )
    answer = await top(asker, "who said pineapple belongs on pizza?")
    assert (answer.speaker, answer.source, answer.channel_id, answer.message_id) == ("Lina", "chat", 70, 700)
    assert answer.article_id is None and answer.article_title is None
    answer = await top(asker, "what did Lina say about pizza")
    assert answer.message_id == 700
    await repo.delete_chat_quotes_by_author(GUILD, 42)
    assert await asker.ask(GUILD, "who said pineapple belongs on pizza?") == []


@pytest.mark.asyncio
async def test_concurrent_questions_do_not_mix(asker: QuoteAsker) -> None:
    import asyncio

    first, second = await asyncio.gather(
        asker.ask(GUILD, "Who called the border closure a reckless gamble?"),
        asker.ask(GUILD, "who said every fisherman was brought back to the harbour"),
    )
    assert first[0].speaker == "Elena Marsh" and second[0].speaker == "Ana Ruiz"


# Dev data ------------------------------------------------------------------------------------------

GOLD_FLOOR = 0.88  # reached: 118/129 (91.5%) on seed + quotes-dev + quotes-dev-cnn with gold quotes


@pytest.mark.asyncio
async def test_accuracy_with_gold_quotes_stays_above_the_floor(tmp_path: Path) -> None:
    if not EVAL.exists():
        pytest.skip("dev data not available")
    from bench.quotes_ask import DEV_FILES, gold_extraction, question_right

    right = total = 0
    for name in DEV_FILES:
        records = [
            json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines() if line
        ]
        db = await Database.open(tmp_path / f"{name}.db")
        try:
            items = []
            for r in records:
                article = await add_article(db, 0, r.get("title") or r["id"], r["id"])
                items.append((article, gold_extraction(r)))
            await index_articles(db, 0, items)
            asker = QuoteAsker(db, QuoteSettings())
            for r in records:
                for question in r["questions"]:
                    answers = await asker.ask(0, question["ask"])
                    total += 1
                    right += question_right(
                        question, answers[0] if answers else None, r.get("speakers") or {}
                    )
        finally:
            await db.close()
    assert total > 100
    assert right / total >= GOLD_FLOOR, f"{right}/{total}"


@pytest.mark.asyncio
async def test_who_reads_a_quote_cut_in_two_as_one_statement(db: Database) -> None:
    """'"The harbour stays shut tonight," Ruiz said. "Skippers must wait until the gale has passed."'
    A reader's question may take words from both halves."""
    article = await add_article(db, GUILD, "Gale closes the harbour", "https://news.example/gale")
    context = "Ruiz said of the gale."
    extraction = Extraction(
        quotes=(
            q("The harbour stays shut tonight.", "Ana Ruiz", context),
            q("Skippers must wait until the gale has passed.", "Ana Ruiz", context),
            q("Skippers must stay in the harbour and wait.", "Tomas Keller", "Keller spoke to skippers."),
        ),
        speakers=(RUIZ, KELLER),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    answer = await top(asker, "who said the harbour stays shut and skippers must wait?")
    assert answer.speaker == "Ana Ruiz"


@pytest.mark.asyncio
async def test_two_fragments_of_one_sentence_are_told_apart_by_the_words_next_to_each(db: Database) -> None:
    """'Ruiz said her rescue crews had "searched every cove" with the navy and local fishermen "to
    bring the missing sailors home."': what the crews had done is the fragment next to 'crews'."""
    article = await add_article(db, GUILD, "Sailors missing off the cape", "https://news.example/cape")
    context = (
        "Ruiz said her rescue crews had “searched every cove” with the navy and local fishermen "
        "“to bring the missing sailors home.”"
    )
    extraction = Extraction(
        quotes=(
            q("searched every cove", "Ana Ruiz", context, partial=True),
            q("to bring the missing sailors home.", "Ana Ruiz", context, partial=True),
        ),
        speakers=(RUIZ,),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    answer = await top(asker, "What did Ruiz say her rescue crews had done?")
    assert answer.quote == "searched every cove"


@pytest.mark.asyncio
async def test_the_rest_of_a_description_ranks_a_named_speakers_quotes(db: Database) -> None:
    """'according to Keller's announcement': Keller is named outright, and 'announcement' still
    prefers the quote whose sentence says he announced it."""
    article = await add_article(db, GUILD, "Keldor port to reopen", "https://news.example/port")
    extraction = Extraction(
        quotes=(
            q(
                "under strict conditions.",
                "Tomas Keller",
                "Keller announced on Monday that the port would reopen “under strict conditions.”",
                partial=True,
            ),
            q(
                "wait for the inspectors.",
                "Tomas Keller",
                "In an interview, Keller said the port must “wait for the inspectors.”",
                partial=True,
            ),
        ),
        speakers=(KELLER,),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    answer = await top(asker, "What did Keller's announcement say about the port?")
    assert answer.quote == "under strict conditions."


@pytest.mark.asyncio
async def test_a_lone_fragment_is_described_by_its_whole_sentence(db: Database) -> None:
    """Only a sentence quoting two fragments splits its words between them: a lone fragment at the
    end of a long sentence keeps the words of its beginning ('trawlers')."""
    article = await add_article(db, GUILD, "Keldor harbour", "https://news.example/harbour")
    extraction = Extraction(
        quotes=(
            q(
                "under strict conditions.",
                "Tomas Keller",
                "Keller announced on Monday that the trawlers of the northern fleet, idle since the "
                "spring storms, would sail again “under strict conditions.”",
                partial=True,
            ),
            q(
                "wait for the inspectors.",
                "Tomas Keller",
                "In an interview, Keller said the trawlers must “wait for the inspectors.”",
                partial=True,
            ),
        ),
        speakers=(KELLER,),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    answer = await top(asker, "What did Keller's announcement say about the trawlers?")
    assert answer.quote == "under strict conditions."


@pytest.mark.asyncio
async def test_a_source_named_only_in_the_sentence_finds_the_quote(db: Database) -> None:
    """'"We will not send ferries to the islands in the east!" says the harbour's website, HarbourWatch.':
    the store knows the words as Ruiz's, but a reader asks about HarbourWatch; the sentence names
    it, which is as good as a speaker's name for the quotes it attributes."""
    article = await add_article(db, GUILD, "Ferries halted", "https://news.example/ferries")
    extraction = Extraction(
        quotes=(
            q(
                "We will not send ferries to the islands in the east!",
                "Ana Ruiz",
                "“We will not send ferries to the islands in the east!” says the harbour's website, "
                "HarbourWatch.",
            ),
            q("The gale will pass by Sunday.", "Ana Ruiz", "“The gale will pass by Sunday,” Ruiz said."),
        ),
        speakers=(RUIZ,),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    question = "Which part of the coast does HarbourWatch refuse to send the night ferries to?"
    answer = await top(asker, question)
    assert "islands in the east" in answer.quote


@pytest.mark.asyncio
async def test_initials_match_an_acronym_written_in_capitals(db: Database) -> None:
    article = await add_article(db, GUILD, "Night flight lost", "https://news.example/flight")
    extraction = Extraction(
        quotes=(
            q("The crash was ATC's fault.", "Ana Ruiz", "Ruiz was blunt: “The crash was ATC's fault.”"),
            q("The crash left the crew shaken.", "Tomas Keller", "“The crash left us shaken,” Keller said."),
        ),
        speakers=(RUIZ, KELLER),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    assert (await top(asker, "Who blamed air traffic control for the crash?")).speaker == "Ana Ruiz"


VOGT = Speaker("Ina Vogt", ("Vogt", "Harbour minister Ina Vogt"), ("Harbour minister",), "person")


@pytest.mark.asyncio
async def test_the_verb_asked_about_is_a_tie_breaker_not_a_topic(db: Database) -> None:
    """'What did the harbour minister post?': 'post' says how she said it. Her quote whose sentence
    says so is the answer; with other topic words the verb helps where the sentence has it and is
    not missed where it does not ('warn')."""
    article = await add_article(db, GUILD, "Ferries return", "https://news.example/ferries-return")
    extraction = Extraction(
        quotes=(
            q("The ferries will run again on Friday.", "Ina Vogt", "Vogt posted on social media: “...”"),
            q("We are doing everything we can.", "Ina Vogt", "“...,” Vogt said."),
            q("The ice may keep the ferries in port until spring.", "Ina Vogt", "“...,” she said."),
            q("Spring tides flooded the quay.", "Tomas Keller", "Keller warned: “...”"),
        ),
        speakers=(VOGT, KELLER),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    assert (await top(asker, "What did the harbour minister post?")).quote.startswith("The ferries will run")
    assert (await top(asker, "What did the harbour minister tweet?")).speaker == "Ina Vogt"
    answer = await top(asker, "What did the harbour minister warn about the ice?")
    assert answer.quote.startswith("The ice may keep")


@pytest.mark.asyncio
async def test_irregular_past_forms_match_their_base(db: Database) -> None:
    """'knew' and 'know', 'led' and 'lead' share no stem; they are one verb."""
    article = await add_article(db, GUILD, "Reef survey", "https://news.example/reef")
    extraction = Extraction(
        quotes=(
            q("The divers know this reef better than anyone.", "Ana Ruiz", "“...,” Ruiz said."),
            q("The reef divers were paid by the hour.", "Tomas Keller", "“...,” Keller said."),
        ),
        speakers=(RUIZ, KELLER),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    assert (await top(asker, "Who said the divers knew the reef?")).speaker == "Ana Ruiz"


@pytest.mark.asyncio
async def test_a_role_is_found_under_another_word_or_its_abbreviation(db: Database) -> None:
    """Readers say 'the defence lawyer' for the article's 'his attorney', and 'the detective' for
    'Det Insp Ruth Gale'."""
    article = await add_article(db, GUILD, "Fraud trial", "https://news.example/fraud")
    extraction = Extraction(
        quotes=(
            q("My client never saw the ledgers.", "Owen Pryce", "His attorney, Owen Pryce, said: “...”"),
            q("The ledgers were forged by his client.", "Ruth Gale", "“...,” Det Insp Ruth Gale said."),
            q("The ledgers were kept in a locked safe.", "Tomas Keller", "“...,” Keller said."),
        ),
        speakers=(
            Speaker("Owen Pryce", ("His attorney, Owen Pryce", "Pryce"), ("His attorney",), "person"),
            Speaker("Ruth Gale", ("Det Insp Ruth Gale",), ("Det Insp",), "person"),
            KELLER,
        ),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    assert (await top(asker, "What did the defence lawyer say about the ledgers?")).speaker == "Owen Pryce"
    assert (await top(asker, "What did the detective say about the ledgers?")).speaker == "Ruth Gale"


@pytest.mark.asyncio
async def test_a_described_speaker_the_store_does_not_know_still_finds_the_quote(db: Database) -> None:
    """'What did the outside engineer say ...': nobody in the store has that role and the sentence
    only says 'she said', but the quote says what was asked. A name the store does not know
    ('Halvorsen') would have been written next to the quote, so there it is "I don't know"."""
    article = await add_article(db, GUILD, "Harbour wall", "https://news.example/wall")
    extraction = Extraction(
        quotes=(
            q("The harbour wall will not survive another winter.", "Lena Brook", "“...,” she said."),
            q("Our boats are ready for the winter.", "Tomas Keller", "“...,” Keller said."),
        ),
        speakers=(Speaker("Lena Brook", ("Brook",), (), "person"), KELLER),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    answer = await top(asker, "What did the outside engineer say about the harbour wall surviving winter?")
    assert answer.speaker == "Lena Brook"
    assert await asker.ask(GUILD, "What did Halvorsen say about the harbour wall surviving winter?") == []


@pytest.mark.asyncio
async def test_a_verb_of_saying_inside_the_topic_is_part_of_what_was_said(db: Database) -> None:
    """'Who said he had been told to be ready?': the first 'said' is the question's own, the 'told'
    after it is in the quote."""
    article = await add_article(db, GUILD, "Cup final", "https://news.example/cup")
    extraction = Extraction(
        quotes=(
            q("The coach told me to be ready, and I was.", "Ana Ruiz", "“...,” Ruiz said."),
            q("I was ready for anything out there.", "Tomas Keller", "“...,” Keller said."),
        ),
        speakers=(RUIZ, KELLER),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    assert (await top(asker, "Who said he had been told to be ready?")).speaker == "Ana Ruiz"


@pytest.mark.asyncio
async def test_what_x_compared_y_to_is_the_quote_saying_what_y_is_like(db: Database) -> None:
    article = await add_article(db, GUILD, "New quay", "https://news.example/quay")
    extraction = Extraction(
        quotes=(
            q(
                "The new quay cost far too much money for a harbour town of this size.",
                "Ina Vogt",
                "“...,” Vogt said.",
            ),
            q("The new quay is like a fortress.", "Ina Vogt", "“...,” she said."),
        ),
        speakers=(VOGT,),
    )
    await index_article(db, GUILD, article, extraction)
    asker = QuoteAsker(db, QuoteSettings())
    answer = await top(asker, "What did the harbour minister compare the new quay to?")
    assert "fortress" in answer.quote


@pytest.mark.asyncio
async def test_a_question_sharing_only_synonyms_with_the_quote_finds_it(db: Database) -> None:
    """ "Who said the purchase was a mistake?" for '"Buying the stadium was an error," said Varga':
    no word in common, so the search itself must look for the question's words and their synonyms
    (the rerank only sees what the search found)."""
    extraction = Extraction(
        quotes=(
            q(
                "Buying the stadium was an error.",
                "Ines Varga",
                "“Buying the stadium was an error,” said Varga.",
            ),
            q("The fans will decide in May.", "Tom Brandt", "“The fans will decide in May,” Brandt said."),
        ),
        speakers=(
            Speaker("Ines Varga", ("Varga",), (), "person"),
            Speaker("Tom Brandt", ("Brandt",), (), "person"),
        ),
    )
    question = "Who said the purchase was a mistake?"
    answer = await ask_article(db, "Club sells its ground", extraction, question)
    assert answer.speaker == "Ines Varga"


@pytest.mark.asyncio
async def test_a_word_one_step_away_decides_between_quotes(db: Database) -> None:
    """'win' is not a synonym of 'victory' but a kind of one (WordNet's hypernym): it counts for
    less than a synonym, enough to tell two quotes with the question's other words apart."""
    extraction = Extraction(
        quotes=(
            q("The result will hurt families.", "Ola Dahl", "“The result will hurt families,” Dahl said."),
            q(
                "Tonight's result is a victory for families.",
                "Mia Stone",
                "“Tonight's result is a victory for families,” Stone said.",
            ),
        ),
        speakers=(
            Speaker("Ola Dahl", ("Dahl",), (), "person"),
            Speaker("Mia Stone", ("Stone",), (), "person"),
        ),
    )
    question = "Who said the result was a win for families?"
    answer = await ask_article(db, "Council vote on housing", extraction, question)
    assert answer.speaker == "Mia Stone"


@pytest.mark.asyncio
async def test_how_did_x_describe_her_is_answered_by_what_x_called_her(db: Database) -> None:
    """"How did Ortega describe her?": the answer is the fragment of a sentence with a verb of naming
    ('called her "the conscience of this block"'), not his longer quote, whichever verb it used."""
    extraction = Extraction(
        quotes=(
            q(
                "the conscience of this block.",
                "Tomás Ortega",
                "Father Tomás Ortega called her “the conscience of this block.”",
                partial=True,
            ),
            q(
                "She fed half the street and never asked for a penny back from anyone.",
                "Tomás Ortega",
                "“She fed half the street and never asked for a penny back from anyone,” Ortega said.",
            ),
        ),
        speakers=(Speaker("Tomás Ortega", ("Ortega", "Father Tomás Ortega"), ("Father",), "person"),),
    )
    answer = await ask_article(db, "Baker dies at 91", extraction, "How did Ortega describe her?")
    assert answer.quote == "the conscience of this block."


@pytest.mark.asyncio
async def test_father_is_a_priests_title(db: Database) -> None:
    """'Father Tomás Ortega' is the one "the priest" means (and 'Rev.', 'pastor', 'vicar')."""
    extraction = Extraction(
        quotes=(
            q("We will keep the doors open.", "Tomás Ortega", "“We will keep the doors open,” Ortega said."),
            q("We will keep the shop open.", "Ana Lima", "“We will keep the shop open,” Lima said."),
        ),
        speakers=(
            Speaker("Tomás Ortega", ("Ortega", "Father Tomás Ortega"), ("Father",), "person"),
            Speaker("Ana Lima", ("Lima",), ("baker",), "person"),
        ),
    )
    answer = await ask_article(db, "Parish news", extraction, "What did the priest say he would keep open?")
    assert answer.speaker == "Tomás Ortega"


@pytest.mark.asyncio
async def test_a_phrasal_verb_in_the_question_finds_its_one_word_synonym(db: Database) -> None:
    """"Who turned down the offer?" for '"We rejected the offer," said Varga': 'turn down' is a
    WordNet phrasal verb whose synonym is 'reject'; the other quote on the offer has no refusal."""
    extraction = Extraction(
        quotes=(
            q("The offer stays open until Friday.", "Tom Brandt", "“The offer stays open,” Brandt said."),
            q("We rejected the offer.", "Ines Varga", "“We rejected the offer,” said Varga."),
        ),
        speakers=(
            Speaker("Ines Varga", ("Varga",), (), "person"),
            Speaker("Tom Brandt", ("Brandt",), (), "person"),
        ),
    )
    answer = await ask_article(db, "Pay talks", extraction, "Who turned down the offer?")
    assert answer.speaker == "Ines Varga"


@pytest.mark.asyncio
async def test_justice_is_a_judges_title(db: Database) -> None:
    """'Justice Miriam Oduya' is the one "the judge" means."""
    extraction = Extraction(
        quotes=(
            q("The petition is dismissed.", "Miriam Oduya", "“The petition is dismissed,” Oduya said."),
            q("The petition was our hope.", "Ken Otieno", "“The petition was our hope,” Otieno said."),
        ),
        speakers=(
            Speaker("Miriam Oduya", ("Oduya", "Justice Miriam Oduya"), ("Justice",), "person"),
            Speaker("Ken Otieno", ("Otieno",), ("petitioner",), "person"),
        ),
    )
    question = "What did the judge say about the petition?"
    answer = await ask_article(db, "Court rules on poll case", extraction, question)
    assert answer.speaker == "Miriam Oduya"


@pytest.mark.asyncio
async def test_a_nationality_is_found_in_the_story_title(db: Database) -> None:
    """"What did the Peruvian president say?": the speaker's role is only 'President', but the
    story is about Peru; another president's story is not."""
    peru = await add_article(db, GUILD, "Peru's Congress moves to impeach president", "https://news.example/pe")
    chile = await add_article(db, GUILD, "Chile's president visits the north", "https://news.example/cl")
    await index_article(
        db,
        GUILD,
        peru,
        Extraction(
            quotes=(q("I will not resign.", "Julio Cano", "“I will not resign,” President Cano said."),),
            speakers=(Speaker("Julio Cano", ("Cano", "President Julio Cano"), ("President",), "person"),),
        ),
    )
    await index_article(
        db,
        GUILD,
        chile,
        Extraction(
            quotes=(q("I will not rest.", "Ana Vidal", "“I will not rest,” President Vidal said."),),
            speakers=(Speaker("Ana Vidal", ("Vidal", "President Ana Vidal"), ("President",), "person"),),
        ),
    )
    answer = await top(QuoteAsker(db, QuoteSettings()), "What did the Peruvian president say?")
    assert answer.speaker == "Julio Cano"


@pytest.mark.asyncio
async def test_a_speakers_name_opening_the_topic_is_the_speaker_asked_about(db: Database) -> None:
    """"How did Herrera know the octopus was new?": 'know' does not end a speaker phrase for the
    parser, but 'Herrera' is a speaker in the store, so it is who the question is about."""
    extraction = Extraction(
        quotes=(
            q("The arms are three times the length of the body.", "Camila Herrera", "“The arms,” she said"),
            q("This octopus is new to science and to us.", "Tom Reyes", "“This octopus ...,” Reyes said"),
        ),
        speakers=(
            Speaker("Camila Herrera", ("Herrera",), ("biologist",), "person"),
            Speaker("Tom Reyes", ("Reyes",), ("geneticist",), "person"),
        ),
    )
    question = "How did Herrera know the octopus was new?"
    answer = await ask_article(db, "New octopus found", extraction, question)
    assert answer.speaker == "Camila Herrera"


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("Who apologised for the outage?", "We are deeply sorry for the outage."),
        ("Who thanked the volunteers?", "We are grateful to the volunteers."),
    ],
)
@pytest.mark.asyncio
async def test_a_speech_act_is_found_by_the_words_it_is_said_with(
    db: Database, question: str, said: str
) -> None:
    """"Who apologised?" is answered by whoever said 'sorry', "who thanked?" by 'grateful': a reader
    names the act, the quote performs it."""
    extraction = Extraction(
        quotes=(
            q("The outage hit the volunteers hardest.", "Tom Brandt", "“The outage ...,” Brandt said."),
            q(said, "Ines Varga", f"“{said}” Varga said."),
        ),
        speakers=(
            Speaker("Ines Varga", ("Varga",), (), "person"),
            Speaker("Tom Brandt", ("Brandt",), (), "person"),
        ),
    )
    answer = await ask_article(db, "Network down for a day", extraction, question)
    assert answer.speaker == "Ines Varga"


@pytest.mark.asyncio
async def test_the_81_year_old_is_found_by_age(db: Database) -> None:
    extraction = Extraction(
        quotes=(
            q("Somebody else was in my bedroom.", "Dolores Whitfield", "“Somebody ...,” Whitfield said."),
            q("Lock your doors at night.", "Ray Dunn", "“Lock your doors at night,” Dunn said."),
        ),
        speakers=(
            Speaker("Dolores Whitfield", ("Whitfield",), ("81-year-old",), "person"),
            Speaker("Ray Dunn", ("Dunn",), ("police sergeant",), "person"),
        ),
    )
    answer = await ask_article(db, "Burglary in Elm Street", extraction, "What did the 81-year-old say?")
    assert answer.speaker == "Dolores Whitfield"
