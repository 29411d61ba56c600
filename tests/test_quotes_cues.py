"""Attribution cues: who a sentence says speaks a quote (made-up people and places)."""

from __future__ import annotations

import pytest

from bot.quotes import Quote, extract_quotes


def who(text: str) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in extract_quotes(text).quotes]


def only(text: str) -> Quote:
    (q,) = extract_quotes(text).quotes
    return q


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"The harbour reopens on Monday," said Harbour Master Ines Dalca.', "Ines Dalca"),
        ('"The harbour reopens on Monday," Ines Dalca said.', "Ines Dalca"),
        ('"The harbour reopens on Monday," Ines Dalca told reporters on Friday.', "Ines Dalca"),
        ('Ines Dalca said "the harbour reopens on Monday."', "Ines Dalca"),
        ("Ines Dalca told reporters: “The harbour reopens on Monday.”", "Ines Dalca"),
        ('"The harbour reopens on Monday," Dalca, 54, said.', "Dalca"),
        ('"The harbour reopens on Monday," Ines Dalca later added.', "Ines Dalca"),
        ('"The harbour reopens on Monday," Ines Dalca insisted.', "Ines Dalca"),
        ('"The harbour reopens on Monday," Ines Dalca tweeted.', "Ines Dalca"),
    ],
)
def test_speaker_before_or_after_the_quote(text: str, speaker: str) -> None:
    assert only(text).speaker == speaker


def test_colon_introduction_with_the_quote_in_the_next_paragraph() -> None:
    text = "Coach Bram Velde said:\n\n“We were not good enough today.”"
    q = only(text)
    assert q.speaker == "Bram Velde"


def test_according_to_after_and_before() -> None:
    assert only('"Stocks will fall," according to analyst Rhea Moss.').speaker == "Rhea Moss"
    assert only('According to Rhea Moss, "stocks will fall."').speaker == "Rhea Moss"


def test_in_the_words_of_with_apposition_and_honorific() -> None:
    text = 'In the words of the defence lawyer, Piet Hale, QC, "the case collapsed on day one."'
    assert only(text).speaker == "Piet Hale"


def test_dash_attribution() -> None:
    assert only("“Our best season yet.” —Director Oona Park").speaker == "Oona Park"


def test_role_before_the_name_in_an_apposition() -> None:
    q = only('"Rates stay where they are," said the finance minister, Ada Lind.')
    assert q.speaker == "Ada Lind"
    speaker = extract_quotes('"Rates stay," said the finance minister, Ada Lind.').speakers[0]
    assert "finance minister" in speaker.roles


def test_split_quote_gives_two_quotes_with_one_speaker() -> None:
    text = "“We will not move,” said Ada Lind, the head of the union, “and we will not be quiet.”"
    assert who(text) == [("We will not move", "Ada Lind"), ("and we will not be quiet.", "Ada Lind")]


def test_parenthetical_between_subject_and_verb() -> None:
    text = 'Fire chief Olu Bako, in an interview with a local radio station, said "nobody was hurt."'
    assert only(text).speaker == "Olu Bako"


def test_apposition_after_the_subject() -> None:
    text = '"It was chaos," Mira Tell, a witness who lives nearby, said.'
    assert only(text).speaker == "Mira Tell"


def test_participle_cue_takes_the_subject_of_the_sentence() -> None:
    text = 'One reader complained about the change, writing in a letter "the old layout was better."'
    q = only(text)
    assert q.speaker == "One reader"
    assert not q.named


def test_infinitive_cue_takes_the_person_before_to() -> None:
    text = 'The defeat prompted the club chairman, Ivo Rask, to tell local radio: "We must rebuild."'
    assert only(text).speaker == "Ivo Rask"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Senator Alma Reyes called the plan a “disaster” for farmers.", "disaster"),
        ("Senator Alma Reyes described her rival as “a man without a plan.”", "a man without a plan."),
        ("Senator Alma Reyes called the treaty “a historic step” for the region.", "a historic step"),
        ("Senator Alma Reyes said the vote was a “grave mistake.”", "grave mistake."),
    ],
)
def test_partial_quotes_in_reported_speech(text: str, fragment: str) -> None:
    q = only(text)
    assert q.text == fragment
    assert q.speaker == "Alma Reyes"
    assert q.partial


def test_partial_quote_bound_to_the_attribution_after_it() -> None:
    text = 'A neighbour called police about a man "shouting and banging on doors," Sheriff Len Ortiz said.'
    assert only(text).speaker == "Len Ortiz"


def test_organisation_named_in_full_and_by_its_noun() -> None:
    text = (
        "The Ministry of Transport announced new rules on Monday. "
        '"Safety comes first," the ministry said in a statement.'
    )
    q = only(text)
    assert q.speaker == "Ministry of Transport"
    assert q.named


def test_company_speaker() -> None:
    q = only('"The update fixes the flaw," Zentrix said.')
    assert q.speaker == "Zentrix"


def test_acronym_resolves_to_the_full_organisation_name() -> None:
    text = (
        "The National Weather Agency (NWA) issued a warning. "
        '"Stay indoors tonight," said NWA. "Winds will reach 120 kilometres an hour," it added.'
    )
    assert who(text) == [
        ("Stay indoors tonight", "National Weather Agency"),
        ("Winds will reach 120 kilometres an hour", "National Weather Agency"),
    ]


def test_possessive_owner_of_a_statement_speaks() -> None:
    text = 'Governor Tess Aldo was absent. Aldo\'s statement added, "We will appeal the ruling."'
    assert only(text).speaker == "Tess Aldo"


def test_unnamed_source_is_kept_as_written_and_flagged() -> None:
    q = only('"The talks have failed," one senior diplomat said, asking not to be named.')
    assert q.speaker == "one senior diplomat"
    assert q.speaker_mention == "one senior diplomat"
    assert not q.named


def test_plural_unnamed_source() -> None:
    q = only('"The fire is contained," officials said on Sunday.')
    assert q.speaker == "officials"
    assert not q.named


def test_inverted_speaker_with_a_trailing_prepositional_phrase() -> None:
    text = '"Thank you all for coming," said Mayor Pia Lund to the crowd gathered outside.'
    assert only(text).speaker == "Pia Lund"


def test_cue_text_is_reported() -> None:
    assert only('Ines Dalca told reporters: "We are ready."').cue == "told reporters"
    assert only('"We are ready," Ines Dalca said.').cue == "said"


def test_participle_clause_between_subject_and_verb_is_skipped() -> None:
    text = 'Envoy Lars Ek, addressing reporters in Vaduz before leaving for Oslo, said "progress was made."'
    assert only(text).speaker == "Lars Ek"


def test_relative_clause_speaker_is_the_antecedent() -> None:
    text = 'One letter came from Pastor Ruth Amsel, who wrote that the accused was "kind and honest."'
    assert only(text).speaker == "Ruth Amsel"


def test_a_country_s_government_is_one_organisation() -> None:
    q = only('Norland\'s government said the talks had been "constructive."')
    assert q.speaker == "Norland's government"
    assert q.named


def test_modifiers_between_a_word_and_the_name_stay_in_the_subject() -> None:
    text = (
        "Liberal presidential hopeful Ana Ruiz wants to scrap the scheme, describing it as "
        "“a costly mess.”"
    )
    assert only(text).speaker == "Ana Ruiz"


def test_relation_then_name_after_the_quote() -> None:
    text = '"A town woke up," Ilker\'s father, Mert Ilker, told a radio station.'
    assert only(text).speaker == "Mert Ilker"


def test_any_description_right_after_the_quote_speaks() -> None:
    assert only('"We are thrilled," the museum told reporters.').speaker == "the museum"
    assert only('"I am getting used to it," the 16-year-old says.').speaker == "the 16-year-old"


def test_name_and_verb_after_an_exclamation_attribute_it() -> None:
    # After `!` or `?` the writer cannot use a comma, so `Name told Club TV.` still attributes.
    text = 'Ivo Rask scored late. "I just hit it!" Rask told Club TV. "I still cannot believe it."'
    assert who(text) == [("I just hit it!", "Ivo Rask"), ("I still cannot believe it.", "Ivo Rask")]
    text = 'Coach Ada Lind was asked about the title. "Why not us?" Lind said on Sunday.'
    assert only(text).speaker == "Ada Lind"


def test_a_sentence_after_a_full_stop_quote_is_its_own() -> None:
    text = (
        'Coach Ada Lind spoke first. "We were tired." Ivo Rask said the team would rest. '
        '"A week off will help," he said.'
    )
    assert who(text)[0] == ("We were tired.", "Ada Lind")


def test_dash_attribution_with_an_occasion_after_a_comma() -> None:
    text = "“Ask me again in May.” – Ian Brod, on his side's title hopes."
    assert only(text).speaker == "Ian Brod"


def test_dismissing_something_as_a_quote_is_speech() -> None:
    text = 'A lawyer for the firm, Jon Vell, dismissed the claims as "pure fiction."'
    q = only(text)
    assert (q.speaker, q.partial) == ("Jon Vell", True)


def test_according_to_a_name_with_its_apposition() -> None:
    text = (
        "According to Rita Solm, head of the Farmers Union in the north, "
        '"the new rules will cost every farm a fortune."'
    )
    assert only(text).speaker == "Rita Solm"


def test_a_statement_saying_is_the_subject_s_words() -> None:
    text = 'The Norland government issued a statement saying it "respects the verdict."'
    q = only(text)
    assert q.speaker == "Norland government"
    assert q.named


def test_a_person_of_an_organisation_is_the_person() -> None:
    text = (
        "Dr. Vera Holm of the University of Lenz studies glaciers. "
        '"The ice is going fast," she said.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Vera Holm"]


def test_and_after_reported_speech_carries_on_reporting_it() -> None:
    text = (
        'The audit says that "for unknown reasons" the alarm stayed silent. '
        'And the night staff "did not pay much attention," since the ward was quiet.'
    )
    quotes = extract_quotes(text).quotes
    assert [q.text for q in quotes] == ["for unknown reasons", "did not pay much attention"]
    assert {q.speaker for q in quotes} == {"The audit"}
    # Without reported speech before it, a sentence's fragment in marks is nobody's words.
    assert extract_quotes('And the night staff "did not pay much attention," it seems.').quotes == ()


def test_a_title_before_the_name_does_not_end_the_reading_window() -> None:
    text = '"The suspect is in custody," said Lt. Col. Mark Hayes of the state police.'
    assert only(text).speaker == "Mark Hayes"


def test_quoted_as_saying() -> None:
    assert only('"We won," Ana Lopez was quoted as saying by the Herald.').speaker == "Ana Lopez"
    assert only('Ana Lopez was quoted as saying: "We won."').speaker == "Ana Lopez"


def test_party_and_state_after_a_senator_are_no_name() -> None:
    assert only('Sen. Tom Harkin, D-Iowa, said "the bill is dead."').speaker == "Tom Harkin"


def test_according_to_opening_the_sentence_sources_its_partial_quote() -> None:
    q = only('According to police, the man "was armed and dangerous."')
    assert (q.speaker, q.partial) == ("police", True)


def test_a_message_noun_before_a_colon_makes_the_quote_speech() -> None:
    q = only('The message from Mayor Ann Lee on Monday was clear: "We are ready."')
    assert q.speaker == "Ann Lee"
    text = 'Ann Lee took one question. Her answer was short: "We are ready."'
    assert only(text).speaker == "Ann Lee"


def test_an_email_someone_received_is_not_theirs() -> None:
    text = (
        "Editor Audra Coop said the paper received a link in an email. "
        'The anonymous email said Hanna would be "returned safely."'
    )
    assert [q.speaker for q in extract_quotes(text).quotes] == ["The anonymous email"]


def test_a_paper_quoting_someone_as_saying() -> None:
    text = (
        '"It is like calling your kids ugly," the Free Press quoted Mayor Bryan Barne as saying. '
        'The Herald quoted Barne as saying: "We will not let it go."'
    )
    assert [q.speaker for q in extract_quotes(text).quotes] == ["Bryan Barne", "Bryan Barne"]


def test_a_long_apposition_between_the_name_and_said_after_the_quote() -> None:
    text = (
        '"The ground moved twice," Aiko Tanabe, the chief geologist at the Northern Basin Survey '
        "Institute in Harlow, said."
    )
    assert only(text).speaker == "Aiko Tanabe"


def test_the_agent_of_a_passive_speech_verb_speaks_its_content() -> None:
    text = 'Rosa Penn recalled being told by a teacher that science was "not for girls like you."'
    assert only(text).speaker == "a teacher"
    text = 'The plan was described by Mayor Ida Brun as "the best deal we could get."'
    assert only(text).speaker == "Ida Brun"
    # The quote is no content of the passive verb: the active reporter keeps it.
    text = 'Lena Voss wrote that the post had been written by an aide "without my consent."'
    assert only(text).speaker == "Lena Voss"
