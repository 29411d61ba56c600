"""Speaker roles: titles and appositions recorded per speaker, so that "what did the head
gardener say?" finds the right person. Every sentence here is made up for these tests."""

from __future__ import annotations

from bot.quotes import extract_quotes
from bot.quotes.model import Speaker


def speaker(text: str, canonical: str) -> Speaker:
    found = [s for s in extract_quotes(text).speakers if s.canonical == canonical]
    assert found, [s.canonical for s in extract_quotes(text).speakers]
    return found[0]


def test_honorific_is_no_part_of_a_role_before_the_name() -> None:
    text = 'Chief engineer Dr. Wilma Strand said the dam was safe. "It will hold," Strand said.'
    sp = speaker(text, "Wilma Strand")
    assert sp.roles[0] == "Chief engineer"
    assert not any("Dr" in r for r in sp.roles)


def test_other_honorifics_are_dropped_from_a_role_too() -> None:
    text = 'Senior curator Prof. Anselm Birk said the vase was fake. "A clever copy," Birk said.'
    assert speaker(text, "Anselm Birk").roles[0] == "Senior curator"


def test_honorific_alone_still_gives_the_gender() -> None:
    text = 'Mrs. Orla Venn said nothing had changed. "We carry on," she said.'
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Orla Venn"]


def test_preposed_apposition_with_the_gives_the_role() -> None:
    text = (
        "The museum curator, Petra Aalund, said the roof leaked all winter. "
        '"We moved every painting twice," Aalund said.'
    )
    sp = speaker(text, "Petra Aalund")
    assert sp.roles[0] == "museum curator"


def test_preposed_apposition_with_a_possessive_determiner() -> None:
    text = (
        "The bakers' guild objected. Its chairman, Tobias Wren, warned that prices would rise. "
        '"Flour costs twice what it did," he said.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Tobias Wren"]
    assert speaker(text, "Tobias Wren").roles[0] == "chairman"


def test_preposed_apposition_in_a_sentence_without_a_quote() -> None:
    text = 'The ferry captain, Runa Holt, was less sure. "The crossing is rough in March," Holt said.'
    assert speaker(text, "Runa Holt").roles[0] == "ferry captain"


def test_role_found_earlier_answers_a_later_description() -> None:
    text = (
        "The theatre director, Mateo Lindqvist, left the meeting early. "
        '"The books balance," the director said.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Mateo Lindqvist"]
    assert speaker(text, "Mateo Lindqvist").roles[0] == "theatre director"


def test_no_apposition_when_the_name_starts_a_new_clause() -> None:
    text = 'After meeting the coach, Ingrid Solberg said she would stay. "I am home," Solberg said.'
    assert "coach" not in speaker(text, "Ingrid Solberg").roles


def test_postposed_apposition_drops_the_article() -> None:
    text = 'Hanne Brask, the governor of Ostmark, said the road would open. "By June," Brask said.'
    assert speaker(text, "Hanne Brask").roles[0] == "governor of Ostmark"


def test_postposed_apposition_after_said_drops_the_article() -> None:
    text = '"The vote stands," said Lars Ekholm, the speaker of the assembly.'
    assert speaker(text, "Lars Ekholm").roles[0] == "speaker of the assembly"


def test_role_before_the_name_at_the_end_of_a_cue() -> None:
    text = '"Rates will fall," said the central bank governor, Sofia Marr.'
    sp = speaker(text, "Sofia Marr")
    assert "central bank governor" in sp.roles
    assert not any(r.lower().startswith("the ") for r in sp.roles)


def test_a_role_comes_before_a_bare_honorific() -> None:
    text = 'The choir director, Dr. Lene Vik, said the hall was full. "Every seat," Vik said.'
    sp = speaker(text, "Lene Vik")
    assert sp.roles[0] == "choir director"
