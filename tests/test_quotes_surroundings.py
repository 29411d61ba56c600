"""What the writer says around the quotes: speaker notes ("who led the trial") and lead-ins.

Each rule has its own small made-up example; the asker tests at the end use a real SQLite file.
"""

from __future__ import annotations

import hashlib

import pytest

from bot.quotes import extract_quotes, with_surroundings
from bot.quotes.ask import QuoteAsker
from bot.quotes.index import index_articles
from bot.quotes.model import Extraction, Quote, Speaker, shown_role
from bot.quotes.notes import speaker_notes
from bot.settings import QuoteSettings
from bot.store.articles import ArticleRepo, NewArticle
from bot.store.db import Database
from bot.store.quotes import LEAD_SEPARATOR, QuoteRepo, TermStemmer, name_terms

GUILD = 8


def _speaker(extraction: Extraction, canonical: str) -> Speaker:
    return next(s for s in extraction.speakers if s.canonical == canonical)


# Notes -------------------------------------------------------------------------------------------


def test_relative_clause_on_a_name_is_a_note() -> None:
    text = (
        "Marta Quell, who runs a bakery on Mill Road, said trade had halved. "
        "“Nobody walks past any more,” she said."
    )
    assert _speaker(extract_quotes(text), "Marta Quell").notes == ("who runs a bakery on Mill Road",)


def test_relative_clause_after_an_apposition_is_a_note() -> None:
    text = (
        "“The children could see colours again,” said Dr. Ines Varga, an eye surgeon at Kellan "
        "Hospital who led the trial."
    )
    assert _speaker(extract_quotes(text), "Ines Varga").notes == ("who led the trial",)


def test_the_writers_sentence_about_a_speaker_is_a_note() -> None:
    text = (
        "Its director, geologist Paolo Renzi, led the survey that mapped the fault.\n\n"
        "“We found it by accident,” Renzi said."
    )
    notes = _speaker(extract_quotes(text), "Paolo Renzi").notes
    assert notes == ("who led the survey that mapped the fault",)


def test_the_next_sentence_about_them_with_a_pronoun_is_a_note() -> None:
    """'For 30 years, Ewan Bell kept the Skarra light. When it was automated, he was the last
    keeper to leave.': the writer goes on about the same person; 'the keeper' should find him."""
    text = (
        "For 30 years, Ewan Bell kept the Skarra light. When it was automated, he was the last keeper "
        "to leave.\n\n“The winters were hard,” Bell says."
    )
    notes = _speaker(extract_quotes(text), "Ewan Bell").notes
    assert notes == ("who kept the Skarra light", "who was the last keeper to leave")


def test_a_next_sentence_reporting_speech_or_naming_another_is_no_note() -> None:
    text = (
        "Ewan Bell kept the Skarra light. He said the winters were hard. Ewan Bell kept the Hood light. "
        "Then Mia Lund, his deputy, took over, and she was the last keeper.\n\n"
        "“Hard,” Bell says. “Yes,” Lund says."
    )
    notes = _speaker(extract_quotes(text), "Ewan Bell").notes
    assert notes == ("who kept the Skarra light", "who kept the Hood light")


def test_reported_speech_is_not_a_note() -> None:
    """What someone said is not who they are: it would point any question on the topic at them."""
    text = (
        "Paolo Renzi said the fault was older than thought. Ana Brel, who said she had doubts, agreed. "
        "“It is old,” Renzi said. “Very old,” Brel said."
    )
    extraction = extract_quotes(text)
    assert _speaker(extraction, "Paolo Renzi").notes == ()
    assert _speaker(extraction, "Ana Brel").notes == ()


def test_a_surname_two_speakers_share_names_neither() -> None:
    speakers = [
        Speaker("Anna Holt", ("Holt", "Anna Holt"), (), "person"),
        Speaker("Ben Holt", ("Holt", "Ben Holt"), (), "person"),
    ]
    notes = speaker_notes("Holt, who coached the team, was there. Ben Holt won the race.", speakers)
    assert notes == {"Ben Holt": ["who won the race"]}


def test_a_note_is_never_shown_as_the_role() -> None:
    assert shown_role(("who runs a bakery", "baker")) == "baker"
    assert shown_role(("who runs a bakery",)) is None
    assert shown_role(()) is None


def test_irregular_pasts_are_stored_as_their_base() -> None:
    """`who led the trial` and a question's `the lead researcher` meet on one term."""
    stemmer = TermStemmer()
    assert "lead" in name_terms("who led the trial", stemmer)
    assert "won" not in name_terms("who won the race", stemmer)


# Lead-ins ----------------------------------------------------------------------------------------


def test_the_sentence_before_about_the_speaker_is_the_lead() -> None:
    text = (
        "Marta Quell said trade on the high street had halved since the bypass opened. "
        "“Nobody walks past any more,” she said."
    )
    (quote,) = extract_quotes(text).quotes
    assert quote.lead == "Marta Quell said trade on the high street had halved since the bypass opened."
    assert quote.context == "“Nobody walks past any more,” she said."


def test_a_lead_in_the_paragraph_before_names_the_speaker() -> None:
    text = "Quell said the bypass had emptied the street.\n\n“Nobody walks past any more,” Quell said."
    (quote,) = extract_quotes(text).quotes
    assert quote.lead == "Quell said the bypass had emptied the street."


def test_a_sentence_about_another_speaker_is_not_a_lead() -> None:
    text = (
        "Tomas Brandt pleaded guilty to fraud in March. "
        "“He was very careful,” prosecutor Lina Ortiz said. “I am sorry,” Brandt said."
    )
    quotes = extract_quotes(text).quotes
    assert [(q.speaker, q.lead) for q in quotes] == [("Lina Ortiz", ""), ("Tomas Brandt", "")]


def test_an_unnamed_source_is_described_in_its_lead() -> None:
    text = (
        "A senior official, who asked not to be named, said the talks broke down over fees. "
        "“It was the fees or the deal,” the official said."
    )
    (quote,) = extract_quotes(text).quotes
    assert quote.lead.startswith("A senior official, who asked not to be named")


def test_a_lead_with_quotes_in_it_must_name_the_speaker() -> None:
    text = (
        "Quell said it was “a disaster” for the street. “Nobody walks past any more,” Quell said.\n\n"
        "Locals called it “a ghost town” in May. “We will stay,” Quell said.\n\n"
        "Quell opened the shop in 1990. “We will stay,” she said."
    )
    quotes = extract_quotes(text).quotes
    assert [q.lead for q in quotes if not q.partial] == [
        "Quell said it was “a disaster” for the street.",
        "",
        "",
    ]


def test_labelled_quotes_get_the_same_surroundings() -> None:
    text = "Quell said the bypass had emptied the street. “Nobody walks past any more,” she said."
    start = text.index("Nobody")
    quote = Quote(
        "Nobody walks past any more", start, start + 26, "Marta Quell", None, "said", False, True, ""
    )
    labelled = Extraction(
        (quote,),
        (Speaker("Marta Quell", ("Quell",), (), "person"),),
    )
    assert with_surroundings(text, labelled).quotes[0].lead.startswith("Quell said the bypass")


# Asking ------------------------------------------------------------------------------------------

ARTICLES = {
    "Harbor Street to lose parking for bike lanes": (
        "The city will remove 40 parking spaces on Harbor Street to make room for a protected bike lane.\n\n"
        "Angela Moreno, who owns a flower shop on Harbor Street, said her customers were mostly older "
        "people who drive. “They are not going to ride a bicycle to buy a funeral wreath,” she said.\n\n"
        "“Safer streets bring more people, not fewer,” said Councilman Dev Patel."
    ),
    "Ancient wreck found off Kefalonia": (
        "Its director, archaeologist Irini Kosta, led the dives that confirmed the find.\n\n"
        "“When we saw the first amphorae lying in rows, we all went quiet,” Kosta told reporters.\n\n"
        "Diving instructor Sam Reyes said he had taught hundreds of students to dive. "
        "“Diving is patience,” Reyes said."
    ),
    "Storm floods the fishing harbour": (
        "“We lost two boats,” fisherman Nils Olsen said of the flooded harbour.\n\n"
        "Local fisherman Per Lund said the harbour had flooded within an hour. "
        "“We lost two boats,” Lund said."
    ),
}


async def _store(db: Database, articles: dict[str, str] = ARTICLES) -> tuple[QuoteAsker, dict[str, int]]:
    """Every article stored and its quotes indexed in one guild; the asker and the article ids."""
    items = []
    ids: dict[str, int] = {}
    for title, text in articles.items():
        ids[title] = await ArticleRepo(db).insert(
            NewArticle(
                guild_id=GUILD,
                title=title,
                text=text,
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                url=None,
            ),
            (),
            "extractive",
        )
        items.append((ids[title], extract_quotes(text)))
    await index_articles(db, GUILD, items)
    return QuoteAsker(db, QuoteSettings()), ids


@pytest.mark.asyncio
async def test_who_is_answered_from_what_the_writer_says_of_a_speaker(db: Database) -> None:
    """None of Kosta's quotes mentions dives: her note does ('who led the dives ...')."""
    asker, _ = await _store(db)
    answers = await asker.ask(GUILD, "Who led the dives that confirmed the wreck?")
    assert answers and answers[0].speaker == "Irini Kosta"
    assert answers[0].speaker_role == "archaeologist"  # the note is not shown as a role


@pytest.mark.asyncio
async def test_a_described_speaker_and_a_topic_in_the_lead_in(db: Database) -> None:
    """'the flower shop owner' is the one 'who owns a flower shop'; 'customers' is only in the
    lead-in sentence before her quote."""
    asker, _ = await _store(db)
    answers = await asker.ask(GUILD, "What did the flower shop owner say about her customers?")
    assert answers and "funeral wreath" in answers[0].quote


@pytest.mark.asyncio
async def test_the_lead_is_stored_before_the_sentence(db: Database) -> None:
    _, ids = await _store(db)
    stored = await QuoteRepo(db).for_article(GUILD, ids["Harbor Street to lose parking for bike lanes"])
    quote = next(q for q in stored if "wreath" in q.text)
    lead, separator, sentence = quote.context.partition(LEAD_SEPARATOR)
    assert separator and lead.startswith("Angela Moreno, who owns a flower shop")
    assert sentence.startswith("“...,” she said")


@pytest.mark.asyncio
async def test_words_of_the_quotes_own_sentence_beat_words_of_a_lead(db: Database) -> None:
    """Both said the same words; the flooded harbour is in Olsen's own sentence and only in the
    lead-in before Lund's, which is about the quote less surely."""
    asker, _ = await _store(db)
    answers = await asker.ask(GUILD, "Who said the flooded harbour cost them two boats?")
    assert [a.speaker for a in answers[:2]] == ["Nils Olsen", "Per Lund"]


@pytest.mark.asyncio
async def test_an_organisations_head_noun_alone_does_not_name_it_in_a_longer_description(
    db: Database,
) -> None:
    """'the police chief' is the chief, not 'Harlow Police': 'police' names the force only when
    it is all the question says."""
    text = (
        "“The parade route is closed from noon,” Harlow Police said in a statement.\n\n"
        "“The parade is safe, with 200 officers on the route,” said Police Chief Dana Reeve."
    )
    asker = await _asker_for(db, text)
    chief = await asker.ask(GUILD, "What did the police chief say about the parade?")
    assert chief and chief[0].speaker == "Dana Reeve"
    force = await asker.ask(GUILD, "What did the police say about the parade?")
    assert force and force[0].speaker == "Harlow Police"


async def _asker_for(db: Database, text: str) -> QuoteAsker:
    asker, _ = await _store(db, {"t": text})
    return asker


@pytest.mark.asyncio
async def test_a_title_is_found_by_its_initials(db: Database) -> None:
    """'the CEO' is the article's 'chief executive'; 'the chief executive' is its 'CEO'."""
    asker = await _asker_for(
        db,
        "“Orders fell faster than anyone expected,” chief executive Mona Vik said.\n\n"
        "“Our orders for vans are up,” said sales director Ray Ode.\n\n"
        "“Steel orders are steady,” said Lia Berg, CEO of Brightwell.\n\n"
        "“Steel orders are slowing,” said Tom Hale, the treasurer of Brightwell.",
    )
    ceo = await asker.ask(GUILD, "What did the CEO say about orders?")
    assert ceo and ceo[0].speaker in ("Mona Vik", "Lia Berg")
    chief = await asker.ask(GUILD, "What did Brightwell's chief executive say about steel orders?")
    assert chief and chief[0].speaker == "Lia Berg"


@pytest.mark.asyncio
async def test_a_role_names_a_speaker_more_surely_than_a_note(db: Database) -> None:
    """Holm joined the foreign ministry long ago (a note); Dahl is the foreign minister (a role)."""
    asker = await _asker_for(
        db,
        "Margarethe Holm joined the foreign ministry in 1962 and rose to lead its treaty office.\n\n"
        "“Nobody remembers a fishing quota, but everybody remembers a war,” Holm once said.\n\n"
        "Foreign Minister Henrik Dahl called her “one of the quiet architects of peace.”",
    )
    answers = await asker.ask(GUILD, "What did the foreign minister say?")
    assert answers and answers[0].speaker == "Henrik Dahl"


def test_a_sentence_saying_where_or_what_a_speaker_was_is_a_note() -> None:
    text = (
        "In Antofagasta, Javier Morales was at work on the 11th floor of an office building. "
        "Lena Holm was asked whether she was afraid.\n\n"
        "“Everything was swinging,” Morales said. “Only once,” Holm replied."
    )
    extraction = extract_quotes(text)
    notes = _speaker(extraction, "Javier Morales").notes
    assert notes == ("who was at work on the 11th floor of an office building",)
    assert _speaker(extraction, "Lena Holm").notes == ()


def test_an_interviewers_question_is_the_answers_lead() -> None:
    """In a Q&A the question alone in the paragraph before an answer says what the answer is
    about ("what surprised her most?"), though it reports no speech."""
    text = (
        "We spoke to the study's lead author, marine biologist Dr Ana Soto.\n\n"
        "What surprised you most?\n\n"
        "“How calm it was. It just hung there in the water.”"
    )
    (quote,) = extract_quotes(text).quotes
    assert quote.lead == "What surprised you most?"


def test_a_question_inside_the_writers_paragraph_is_no_lead() -> None:
    text = (
        "The council met on Monday. Would the plan survive? Nobody knew.\n\n"
        "“It will,” said Mayor Ana Soto."
    )
    (quote,) = extract_quotes(text).quotes
    assert quote.lead is None or "survive" not in quote.lead
