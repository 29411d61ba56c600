"""Speakers: pronouns, continuation, one canonical name per person (made-up passages)."""

from __future__ import annotations

import pytest

from bot.quotes import extract_quotes


def speakers_of(text: str) -> list[str | None]:
    return [q.speaker for q in extract_quotes(text).quotes]


def test_pronoun_takes_the_subject_of_the_previous_sentence_not_the_nearest_name() -> None:
    text = (
        "Governor Ravi Menon criticised Senator Joan Pell on Thursday. "
        "“Her plan would bankrupt the state,” he said."
    )
    assert speakers_of(text) == ["Ravi Menon"]


def test_pronoun_agrees_in_gender_with_mr_and_ms() -> None:
    text = (
        "Ms. Dana Holt met Mr. Kofi Arde in Accra. Both spoke after the meeting. "
        '"We agreed on the route," she said. "Work starts in March," he said.'
    )
    assert speakers_of(text) == ["Dana Holt", "Kofi Arde"]


def test_pronoun_agrees_with_a_common_given_name() -> None:
    text = 'Robert Vance and Linda Okoye toured the plant. "It is cleaner than I expected," she said.'
    assert speakers_of(text) == ["Linda Okoye"]


def test_gender_learnt_from_a_later_pronoun() -> None:
    text = (
        "Tamsin Oduya runs a bakery in the old town. Now she also trains apprentices. "
        "Tamsin Oduya is busy these days. "
        '"I never planned this," she says.'
    )
    assert speakers_of(text) == ["Tamsin Oduya"]


def test_pronoun_subject_of_a_partial_quote() -> None:
    text = "Premier Ana Vos has softened her tone. On Monday, she called the deal “a fair start.”"
    assert speakers_of(text) == ["Ana Vos"]


def test_it_refers_to_an_organisation() -> None:
    text = '"Prices will rise," said Delta Rail Company. "Fuel costs doubled," it added.'
    assert speakers_of(text) == ["Delta Rail Company", "Delta Rail Company"]


def test_continuation_paragraph_inherits_the_speaker() -> None:
    text = (
        "Judge Mara Lune was blunt. “This court will not wait,” she said.\n\n“The parties have had a year.”"
    )
    assert speakers_of(text) == ["Mara Lune", "Mara Lune"]


def test_quote_after_a_statement_sentence_belongs_to_its_author() -> None:
    text = (
        'Senator Hal Brigg issued a statement on the closure. "Hundreds of jobs will be lost in our towns."'
    )
    assert speakers_of(text) == ["Hal Brigg"]


def test_quote_after_a_reporting_sentence_without_marks() -> None:
    text = 'Brigg noted that the mill had been open since 1920. "It is part of who we are."'
    assert speakers_of(text) == ["Brigg"]


def test_canonical_name_is_the_fullest_form_without_titles() -> None:
    text = (
        "Foreign Minister Noor Haddad arrived on Monday. "
        '"We came to listen," Haddad said. "And to agree," Ms. Haddad added.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Noor Haddad", "Noor Haddad"]
    assert [q.speaker_mention for q in ex.quotes] == ["Haddad", "Ms. Haddad"]
    (sp,) = ex.speakers
    assert sp.canonical == "Noor Haddad"
    assert sp.kind == "person"
    assert {"Foreign Minister Noor Haddad", "Haddad", "Ms. Haddad"} <= set(sp.aliases)
    assert "Foreign Minister" in sp.roles


def test_title_alone_resolves_to_the_titled_person() -> None:
    text = (
        'Prime Minister Ken Watari visited the flooded towns. "Help is on the way," the prime minister said.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Ken Watari"]
    assert "the prime minister" in ex.speakers[0].aliases


def test_apposition_role_is_recorded() -> None:
    text = "“We will not back down,” said Ida Rask, the president of Lorvania."
    (sp,) = extract_quotes(text).speakers
    assert sp.canonical == "Ida Rask"
    assert "president of Lorvania" in sp.roles


def test_surname_only_article_keeps_the_surname() -> None:
    assert speakers_of('"It is the voters\' choice," Brandt said of the vote.') == ["Brandt"]


def test_two_speakers_in_adjacent_sentences() -> None:
    text = (
        "Chancellor Edda Vik and President Omar Sall met on Friday. "
        '"We need more time," Vik said. Sall replied, "Time is short."'
    )
    assert speakers_of(text) == ["Edda Vik", "Omar Sall"]


def test_unnamed_source_speaker_kind() -> None:
    ex = extract_quotes('"The deal is off," a spokesperson said.')
    assert ex.quotes[0].speaker == "a spokesperson"
    assert ex.speakers[0].kind == "unnamed"


def test_organisation_speaker_kind() -> None:
    ex = extract_quotes('"Service resumes at noon," the Northern Water Authority said.')
    assert ex.quotes[0].speaker == "Northern Water Authority"
    assert ex.speakers[0].kind == "organisation"


def test_a_bare_pronoun_with_no_antecedent_is_not_a_speaker() -> None:
    (q,) = extract_quotes('"We are ready," he said.').quotes
    assert q.speaker is None
    assert q.speaker_mention == "he"
    assert not q.named


def test_leading_determiner_is_not_part_of_a_name() -> None:
    text = 'Both Ellis Marr and his partner were stunned. "It was surreal," Marr said.'
    assert speakers_of(text) == ["Ellis Marr"]


def test_a_common_word_opening_a_sentence_is_not_a_name() -> None:
    text = 'Some residents left the valley. Others stayed behind. "We will not leave our farms," they said.'
    assert "Others" not in [q.speaker for q in extract_quotes(text).quotes]


def test_agent_noun_description_speaks() -> None:
    text = (
        "The keen birdwatcher from Dunmore, near the coast, told the radio station he heard "
        '"a loud screech" before the owl appeared.'
    )
    (q,) = extract_quotes(text).quotes
    assert q.speaker == "The keen birdwatcher from Dunmore"
    assert not q.named


def test_non_person_subject_does_not_speak() -> None:
    text = 'The fear is spreading, with the group vowing "we will come back."'
    assert extract_quotes(text).quotes[0].speaker != "The fear"


def test_possessive_owner_is_a_role_not_part_of_the_name() -> None:
    text = 'Chancellor Greta Lind spoke first. "We mourn with them," Norland\'s Lind said.'
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Greta Lind"]


def test_contraction_is_not_a_name() -> None:
    text = 'Ivo Brandt laughed. He\'s been coaching for years. "I love it," he said.'
    assert speakers_of(text) == ["Ivo Brandt"]


def test_title_opening_a_sentence_starts_the_name() -> None:
    text = 'Secretary of Trade Nia Obi spoke on Monday. "We will sign," she said.'
    assert speakers_of(text) == ["Nia Obi"]


def test_time_phrase_before_the_subject() -> None:
    text = (
        "Rosa Imre fled the war in 2012. These days, Rosa Imre is busy with her shop. "
        '"I make my own way," she says.'
    )
    assert speakers_of(text) == ["Rosa Imre"]


def test_someone_already_quoted_beats_a_passing_mention() -> None:
    text = (
        '"We played well," said Dario Fenn. The match turned when Luca Brenner scored late, '
        'followed by a goal from Fenn. "It was a night to remember," he said.'
    )
    assert speakers_of(text) == ["Dario Fenn", "Dario Fenn"]


def test_they_needs_a_plural_or_a_body() -> None:
    text = (
        "The owner of the boat was never found. "
        '"The hull is older than we thought," the researchers said. "It may be Roman," they said.'
    )
    assert speakers_of(text) == ["the researchers", "the researchers"]


def test_participle_opening_a_sentence_is_no_name() -> None:
    text = 'Raised in Turin, Enzo Carli joined the club at nine. "It was my home," he says.'
    assert speakers_of(text) == ["Enzo Carli"]


def test_a_pronoun_skips_people_of_the_other_gender_far_back() -> None:
    # `he` reaches back past several sentences about a woman to the last man who was a subject.
    text = (
        "Opposition leader Marcus Hale and Finance Minister Ingrid Solberg clashed on Wednesday. "
        "Hale accused her of “waste.” He said the tax was unfair.\n\n"
        "Solberg rejected the charge. “The roads were broken,” she said. “Somebody has to pay.”\n\n"
        "He shot back that her ministry had underspent. “You did not spend it,” he told her."
    )
    assert speakers_of(text) == ["Marcus Hale", "Ingrid Solberg", "Ingrid Solberg", "Marcus Hale"]


def test_she_prefers_a_known_woman_to_a_subject_of_unknown_gender() -> None:
    text = (
        "Elisa Marin testified for three hours. “He never listened,” she said. "
        "The chairman, Dumitru Sava, asked her why she stayed. "
        "“I thought I could fix it,” she replied."
    )
    assert speakers_of(text) == ["Elisa Marin", "Elisa Marin"]


def test_he_still_takes_the_last_subject_of_unknown_gender() -> None:
    text = (
        "Tobias Wrenfield attacked his rival. “Rents went up,” Wrenfield said. "
        "Dariusz Kowal said the city had built homes. “I balanced eight budgets,” he said."
    )
    assert speakers_of(text) == ["Tobias Wrenfield", "Dariusz Kowal"]


def test_an_object_pronoun_does_not_give_the_subject_its_gender() -> None:
    text = (
        "Nadia Brook chaired the panel. The clerk, Arvo Tamm, asked her whether she agreed. "
        "“I did not,” she said."
    )
    assert speakers_of(text) == ["Nadia Brook"]


def test_a_description_with_an_apposed_name_makes_the_name_the_subject() -> None:
    text = (
        "Commissioner Fergal Hart urged people to leave. “Go now,” Hart said. "
        "A farmer from Kilbride village, Seamus Rourke, 70, said he would stay. "
        "“I've seen three fires,” he said."
    )
    assert speakers_of(text) == ["Fergal Hart", "Seamus Rourke"]


def test_subject_after_an_opening_clause_with_a_relative_clause_and_a_quote() -> None:
    text = (
        "Irena Cass runs the space agency. She was a test pilot. "
        'When asked about Senator Pavel Drozd, who called the plan "a vanity project," she smiled. '
        '"He can have a seat," she said.'
    )
    assert speakers_of(text) == ["Pavel Drozd", "Irena Cass"]


def test_a_participle_clause_with_by_is_not_the_subject() -> None:
    text = 'The jury, led by the actress Celine Marr, praised the film\'s "patience and warmth."'
    (q,) = extract_quotes(text).quotes
    assert q.speaker == "The jury"
    assert not q.named


def test_outside_opens_a_clause_before_the_subject() -> None:
    text = 'Outside the court, Mira Dahl told reporters she would appeal. "We are not done," she said.'
    assert speakers_of(text) == ["Mira Dahl"]


def test_the_lead_introduces_a_full_name_that_a_bare_surname_later_means() -> None:
    text = (
        "Sabine Okafor began baking bread at a market stall in 2011. "
        "On Thursday her chain, Crumb & Co, listed its shares. Demand was strong. "
        "Trading opened late. Analysts were upbeat. "
        "In an interview, Okafor, 46, said she still bakes every Sunday. "
        "Asked about investors, she was blunt: “They can push. I will not move.” "
        "Her husband and co-founder, Daniel Okafor, runs the supply chain. "
        "“We will grow slowly,” he said."
    )
    assert speakers_of(text) == ["Sabine Okafor", "Daniel Okafor"]


def test_an_adjective_in_ing_before_a_role_is_part_of_the_subject() -> None:
    text = (
        "Prosecutor Tamar Kvar welcomed the verdict. "
        "Presiding judge Teona Abas said the evidence, including the recorded calls, was strong. "
        '"The defendant sold his office," she said.'
    )
    assert speakers_of(text) == ["Teona Abas"]


def test_a_quote_with_no_cue_after_an_insert_belongs_to_the_last_subject() -> None:
    text = (
        "Keeper Bruno Salas retires on Sunday. “I am still afraid of crosses,” Salas said. "
        "“He always noticed the young players,” teammate Dino Alcar said. "
        "Salas will play his final match on Sunday. "
        "Asked whether he would take a penalty, as fans have demanded, he laughed. "
        "“If we are winning 4-0, maybe.”"
    )
    assert speakers_of(text) == ["Bruno Salas", "Dino Alcar", "Bruno Salas"]


def test_a_possessive_after_the_verb_tells_the_subject_s_gender() -> None:
    text = (
        "Transport minister Halka Wron urged both sides to talk. “Patience is thin,” she said. "
        "Commuters crowded onto buses. "
        "Student Kasia Biel, 20, said her usual journey had taken two hours. "
        "“I support the workers,” she said."
    )
    assert speakers_of(text) == ["Halka Wron", "Kasia Biel"]


def test_a_woman_described_but_not_named_can_be_she() -> None:
    text = (
        "“They did everything right,” said rescue chief Lukas Imhof. "
        "The woman, who asked not to be named, said the second night was the hardest. "
        "“We split our last chocolate bar into twenty pieces,” she told a radio station."
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Lukas Imhof", "The woman"]
    assert not ex.quotes[1].named


def test_a_trailing_said_makes_the_speaker_the_subject_of_the_sentence() -> None:
    # `the man` could be `he` too; the main clause `Alves said` makes Alves the subject.
    text = (
        "Director Cedro Alves spoke to reporters. "
        "When the officer arrived, the man charged at him, Alves said. "
        "“The officer fired two shots,” he said."
    )
    assert speakers_of(text) == ["Cedro Alves"]


def test_a_court_named_between_a_man_and_his_pronoun_does_not_hide_his_gender() -> None:
    text = (
        "Giorgi Tava, 58, was convicted by the Tbelsk City Court on Friday. "
        "He faces up to 12 years in prison. Teona Abas read the verdict. "
        "“The defendant treated his office as a business,” she said."
    )
    assert speakers_of(text) == ["Teona Abas"]


def test_and_co_makes_an_organisation() -> None:
    ex = extract_quotes("“Sales doubled,” said Crumb & Co in a statement.")
    assert ex.quotes[0].speaker == "Crumb & Co"
    assert ex.speakers[0].kind == "organisation"


def test_an_indefinite_apposition_never_names_the_speaker() -> None:
    text = 'Senator Luz Ortega, a Democrat from the Valle district, called it "a historic law."'
    assert speakers_of(text) == ["Luz Ortega"]


def test_a_capitalised_adjective_before_a_role_noun_stays_in_the_description() -> None:
    text = (
        "Foreign Minister Jan Novak said talks had gone well. "
        "His Kolmari counterpart, Aigul Sadyk, was more guarded. "
        "“Our position has not changed,” she said."
    )
    assert speakers_of(text) == ["Aigul Sadyk"]


def test_an_apposed_role_makes_a_person_and_names_them_later() -> None:
    text = (
        "Later that day I met Amina Yusuf, a nurse who has waited two years for a decision. "
        "She is not allowed to work. “I could be helping in a hospital,” she said. "
        "“Every morning I check the post,” the nurse added."
    )
    assert speakers_of(text) == ["Amina Yusuf", "Amina Yusuf"]


def test_one_and_another_are_one_of_the_people_just_described() -> None:
    text = (
        "Fans queued all night. Resident after resident came past with a complaint. "
        '"The road is a disgrace," one said. "Nobody asked us," said another.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["one resident", "one resident"]
    assert not any(q.named for q in ex.quotes)
    text = '"Too late," one user posted. Another wrote: "Let it go."'
    assert speakers_of(text) == ["one user", "one user"]


def test_the_statement_said_means_whoever_issued_it() -> None:
    text = (
        'Chairman Oskar Bergman said in a press release that the board "respects the decision." '
        '"The name will continue," the release stated.'
    )
    assert speakers_of(text) == ["Oskar Bergman", "Oskar Bergman"]
    # A document whose author the phrase itself gives is its own speaker.
    text = (
        'Oskar Bergman wrote in a blog post that "the fork is a mistake." '
        '"It is a tool to crash a website," said the post by an unknown author on a forum.'
    )
    assert speakers_of(text)[1] == "the post by an unknown author on a forum"


def test_a_clear_antecedent_of_she_is_not_he_later() -> None:
    text = (
        "Witness Kasey Armo told jurors she danced with Aaron Hern. "
        "Armo testified that she left early. "
        "He was \u201cvery aggressive,\u201d she testified. "
        "Then, she said, he asked her \u201cto leave with me.\u201d"
    )
    assert speakers_of(text) == ["Kasey Armo", "Aaron Hern"]


def test_a_definite_description_points_back_to_the_person_just_named() -> None:
    text = (
        "Spain's Javier Ruiz beat Dutchman Pieter van Dam in three sets. "
        "\u201cI had it in my hands,\u201d the Dutchman said. "
        "The jury chair, Celine Marr, praised the final. \u201cWhat a match,\u201d she said. "
        "The best newcomer award went to Hanna Kovar. "
        "\u201cI was a waitress last year,\u201d the 34-year-old said."
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Pieter van Dam", "Celine Marr", "Hanna Kovar"]
    assert "the 34-year-old" in next(s for s in ex.speakers if s.canonical == "Hanna Kovar").aliases


def test_a_generic_definite_description_stays_unnamed() -> None:
    text = 'Sheriff Dale Ruck spoke first. "He charged at me," the officer said.'
    assert speakers_of(text) == ["the officer"]


def test_a_sentence_adverb_before_the_subject_is_skipped() -> None:
    text = (
        "Fashion designer Stefano Gabba spoke to a magazine. Jenn Palo, a blogger, was angry. "
        "Still, Gabba has dropped hints about his views. "
        '"I am opposed to the idea," he told an Italian publication.'
    )
    assert speakers_of(text) == ["Stefano Gabba"]


def test_the_person_asked_gives_the_answer() -> None:
    text = (
        "Officer Jeff Puglo described the chase. "
        'The prosecutor asked Puglo if anything blocked the road. "No," he said.'
    )
    assert speakers_of(text) == ["Jeff Puglo"]


def test_the_head_of_a_body_is_not_the_body() -> None:
    text = (
        "The jury chaired by Ingrid Thurn met on Monday. Ingrid Thurn, head of the jury, opened it. "
        '"Digital journalism has a lot to offer," explains the jury.'
    )
    assert speakers_of(text) == ["The jury"]


def test_a_description_with_of_still_points_back() -> None:
    text = (
        "Actress Taraji P. Hensley apologised on Friday. "
        'In her interview, the star of the hit show said her son was stopped for "nothing."'
    )
    assert speakers_of(text) == ["Taraji P. Hensley"]


def test_a_title_of_a_country_is_no_person() -> None:
    text = (
        "Lee Kuan Yang, the founding Prime Minister of Sinapura, died on Monday. "
        '"He built a nation," Prime Minister Lee Hsien Lang said.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Lee Hsien Lang"]
    assert "Sinapura" not in {s.canonical for s in ex.speakers}


def test_a_parenthetical_he_said_is_not_the_name_before_it() -> None:
    text = (
        "Prime Minister Benjamin Netan spoke in Jerusalem. "
        "Tzipi Livna, he said, has denounced the plan. "
        '"I will not let that happen," he said.'
    )
    assert speakers_of(text) == ["Benjamin Netan"]


def test_according_to_makes_a_speaker_of_the_sentence() -> None:
    text = (
        "Analyst Avi Degan studies elections. The mistake, according to Degan, was in the method. "
        '"The Internet does not represent the country," he said.'
    )
    assert speakers_of(text) == ["Avi Degan"]


def test_a_title_inside_a_capitalised_run_makes_a_person_not_an_organisation() -> None:
    ex = extract_quotes('"The future is too good to waste," Army Sgt. Bowe Bergman wrote.')
    assert ex.quotes[0].speaker == "Bowe Bergman"
    assert ex.speakers[0].kind == "person"


def test_a_role_before_a_lone_surname_still_makes_the_subject() -> None:
    text = (
        "Former champion Nicola Cookson spoke after Kathryn Bertin. "
        "Former World Road Race champion Cookson points to the prize money. "
        '"The poster is an insult," she said.'
    )
    assert speakers_of(text) == ["Nicola Cookson"]


def test_nationality_words_are_roles_and_descriptions_not_names() -> None:
    text = (
        "Kjetil Jansen won the title. The Norwegian led Italian Dominik Parisi by 123 points. "
        '"This is the first globe of my career," said the 29-year-old.'
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Kjetil Jansen"]
    assert "Italian" not in {s.canonical for s in ex.speakers}


def test_common_nouns_opening_a_sentence_are_no_names() -> None:
    text = (
        "Swede Henrik Stens was put on the clock. Officials said his pairing was slow. "
        '"It affects you," the 38-year-old Swede said.'
    )
    assert speakers_of(text) == ["Henrik Stens"]


def test_a_place_after_a_comma_is_no_apposed_name() -> None:
    text = (
        "The mayor of Rochester, Michigan, has written an open letter. "
        '"It is like calling your kids ugly," the mayor said.'
    )
    assert "Michigan" not in speakers_of(text)


def test_one_of_a_group_is_not_bare_one() -> None:
    text = (
        "Last month the group published a video of a pilot. One of its videos showed a boy "
        'saying that he would "burn the pilot" himself.'
    )
    assert speakers_of(text) != ["one pilot"]


def test_a_dateline_does_not_hide_the_first_subject() -> None:
    text = (
        "(CNN)British actress Emma Wats made a plea to women around the world: "
        '"Do not let anyone tell you what you can do."'
    )
    assert speakers_of(text) == ["Emma Wats"]
    text = 'LONDON (AP) -- Mayor Ada Brun opened the bridge. "It took nine years," she said.'
    assert speakers_of(text) == ["Ada Brun"]


def test_given_names_ending_like_nationalities_stay_names() -> None:
    text = 'An episode list follows. 2. Julian: "My first wife ..." 3. Lillian: "I will not bury him."'
    assert speakers_of(text) == ["Julian", "Lillian"]


def test_a_ranking_abbreviation_is_no_speaker() -> None:
    text = (
        "Serena Wills, the world's No. 1-ranked player, was nervous. "
        'She walked on court to a response she called "overwhelming."'
    )
    assert speakers_of(text) == ["Serena Wills"]


def test_a_bare_surname_shared_by_relatives_is_the_one_the_story_is_about() -> None:
    # Relatives named after the main person do not take over the bare surname.
    text = (
        "Farmer Oskar Lindqvist will sell his orchard this autumn. His brothers, Nils and Per "
        "Lindqvist, planted the first trees in 1979.\n\n"
        '"The trees are older than my grandchildren," Lindqvist said on Monday.'
    )
    assert speakers_of(text) == ["Oskar Lindqvist"]


def test_mr_or_mrs_picks_the_relative_of_that_gender() -> None:
    text = (
        "Tomas Renko waited with his mother, Ada Renko, for two days in the corridor.\n\n"
        'Mrs Renko told reporters: "Nobody came to help me."'
    )
    assert speakers_of(text) == ["Ada Renko"]


def test_a_bare_surname_right_after_a_relative_s_quote_goes_on_with_them() -> None:
    text = (
        "Ivo Marsh, who founded the choir, died on Sunday aged 90.\n\n"
        '"He gave this town its voice," his son, conductor Leo Marsh, said. '
        '"He sang to the very end," Marsh said.'
    )
    assert speakers_of(text) == ["Leo Marsh", "Leo Marsh"]


def test_the_relative_named_after_a_bare_surname_is_not_that_person() -> None:
    # `Holt's mother, Lin Holt`: the earlier bare `Holt` is someone else.
    text = (
        'The court heard that Holt was "clearly distressed" when he was arrested, the prosecutor '
        "said.\n\n"
        'Holt\'s mother, Lin Holt, said the family was "heartbroken".'
    )
    quotes = extract_quotes(text).quotes
    assert quotes[-1].speaker == "Lin Holt"
    assert "Lin Holt" not in [s.canonical for s in extract_quotes(text).speakers if "Holt" in s.aliases]


def test_the_prime_minister_is_not_the_founding_prime_minister() -> None:
    text = (
        "Prime Minister Eron Varn spoke in parliament. Ilse Varn, the founding prime minister of "
        'Norland, died on Monday aged 90. The prime minister said: "We will honour her."'
    )
    assert speakers_of(text) == ["Eron Varn"]


def test_a_lone_capital_after_on_ends_the_sentence_when_a_subject_and_verb_follow() -> None:
    # `posted on X.` names the platform; the next sentence's subject is `Lund`, not `X. Lund`.
    text = (
        "Singer Mira Lund cancelled her tour on Monday. Tina Osei, a fan, was upset.\n\n"
        '"We will wait," Osei posted on X. Lund has talked about her health before. '
        'She said touring was "a lonely life."'
    )
    assert speakers_of(text) == ["Tina Osei", "Mira Lund"]
    # An initial inside a name still joins it: `J. Lund` is one name.
    text = 'The prize went to poet J. Lund on Friday. "It is a shock," Lund said.'
    assert speakers_of(text) == ["J. Lund"]


def test_she_after_a_named_subject_who_reported_goes_to_that_subject() -> None:
    # The coach's gender is not known, yet she is the one who just reported, in this paragraph.
    text = (
        'Head coach Claire Arrow said the win was "years of work". "Nobody saw it," Arrow '
        "said.\n\n"
        "Visiting coach Sabine Kettle praised the Dunmore Foxes but said the result was fair. "
        '"We were beaten by the better side," she said.'
    )
    assert speakers_of(text) == ["Claire Arrow", "Claire Arrow", "Sabine Kettle"]


def test_an_owned_role_then_a_lone_given_name_is_the_subject() -> None:
    text = (
        "Ian Roth ran the mill for decades.\n\n"
        'His wife, Ailsa, sees it differently. "It nearly broke him," she says.'
    )
    assert speakers_of(text) == ["Ailsa"]


def test_a_pronoun_with_nobody_near_is_the_person_the_lead_is_about() -> None:
    # An interview: the questions name nobody, so `he` is the profile's subject.
    text = (
        "For 40 years, Corvin Tarr kept the mill running. The wheel stopped in 2001. "
        "The mill is a cafe now.\n\n"
        "What was the best part?\n\n"
        "Which season did you like?\n\n"
        "Was it hard?\n\n"
        '"The mornings," he says.'
    )
    assert speakers_of(text) == ["Corvin Tarr"]


def test_one_described_by_a_who_clause_is_someone_new() -> None:
    text = (
        'A spokeswoman for the port said the gates were "holding".\n\n'
        "Traders on the quay were stacking sandbags. "
        'One, who sells fish, told reporters: "I have never seen water this high."'
    )
    quotes = extract_quotes(text).quotes
    assert quotes[0].speaker == "A spokeswoman for the port"
    assert quotes[1].speaker not in (None, "A spokeswoman for the port")


def test_they_after_a_later_clause_s_plural_subject() -> None:
    # `they` finds nobody plural among the sentence subjects: the people of the `but` clause.
    text = (
        '"She taught half this town to swim," said Omar Reyes.\n\n'
        "Dana Kolb sold the pool in 2015, but the new managers kept the free lessons. "
        'They said on Monday that the lessons would run "every summer we are open."'
    )
    assert speakers_of(text) == ["Omar Reyes", "the new managers"]


def test_a_first_name_that_is_also_a_small_word_starts_a_name() -> None:
    """`Per`, `Will`, `May` are prepositions and verbs in lower case, first names capitalised."""
    text = (
        "Chief executive Ingrid Lund blamed the cycle. "
        "“The explanation is always the same,” said Per Ekstrom, a fund manager. "
        "“We will stay,” said Will Hayes. “So will I,” said May Chen."
    )
    assert speakers_of(text) == ["Per Ekstrom", "Will Hayes", "May Chen"]


def test_a_second_role_joined_by_and_is_kept() -> None:
    """'said Dr. Ana Vos, a chemist at Utrecht and the project's lead author': readers ask for
    "the lead author", so both roles of the apposition are kept."""
    text = "“The signal is real,” said Dr. Ana Vos, a chemist at Utrecht and the project's lead author."
    sp = extract_quotes(text).speakers[0]
    assert any("lead author" in r for r in sp.roles) and any("chemist" in r for r in sp.roles)


def test_an_apposition_with_a_relative_clause_is_the_opening_phrase() -> None:
    """'Ivo Berg, a marine biologist at the institute who was not involved in the work, called it ...':
    the role is 'a marine biologist at the institute', not 'the work' that ends the clause."""
    text = (
        "Ivo Berg, a marine biologist at the institute who was not involved in the work, called the "
        "result “interesting but early.”"
    )
    sp = extract_quotes(text).speakers[0]
    assert sp.canonical == "Ivo Berg"
    assert any("marine biologist" in r for r in sp.roles)
    assert not any(r.strip().lower() in ("work", "the work") for r in sp.roles)


def test_a_role_owned_by_a_country_before_the_name_is_kept() -> None:
    """'Denmark's foreign minister, Henrik Vinter, paid tribute': the possessive country opens the
    role as 'the' would, and a reader asks for 'the foreign minister'."""
    text = (
        "Denmark's foreign minister, Henrik Vinter, paid tribute, calling her “a quiet architect of peace.”"
    )
    sp = extract_quotes(text).speakers[0]
    assert sp.canonical == "Henrik Vinter"
    assert "Denmark's foreign minister" in sp.roles


def test_a_bodys_apposition_lets_its_head_noun_name_it_later() -> None:
    """'Norland Media Group, the broadcaster's parent company, said ...' and later '"…," the company
    said': the apposition is the group's role, so 'the company' is the group, not a new speaker."""
    text = (
        "Norland Media Group, the broadcaster's parent company, said on Monday that talks had failed.\n\n"
        "“We regret the outcome,” the company said."
    )
    ex = extract_quotes(text)
    assert [q.speaker for q in ex.quotes] == ["Norland Media Group"]


def test_a_place_owned_title_may_end_in_capitals() -> None:
    """'Peru's Minister for Water Resources, Ana Quispe,': after a place's possessive and a title
    word the capitals belong to the title ('The mayor of Rochester, Michigan,' stays a place)."""
    text = (
        "Peru's Minister for Water Resources, Ana Quispe, signed the deal.\n\n"
        "Quispe described it as “a new beginning.”"
    )
    sp = extract_quotes(text).speakers[0]
    assert sp.canonical == "Ana Quispe"
    assert "Peru's Minister for Water Resources" in sp.roles


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        ("Her editor at Fenwick Press, Daniel Osei-Bonsu, called it “her best book.”", "Daniel Osei-Bonsu",
         "editor at Fenwick Press"),
        ("A spokesman at the Ministry of Health, Omar Haddad, said: “We are ready.”", "Omar Haddad",
         "spokesman at the Ministry of Health"),
    ],
)  # fmt: skip
def test_a_role_held_at_a_body_or_owned_by_someone_may_end_in_capitals(
    text: str, name: str, role: str
) -> None:
    sp = extract_quotes(text).speakers[0]
    assert sp.canonical == name
    assert role in sp.roles


def test_a_place_after_a_role_is_not_a_name() -> None:
    """'The mayor of Rochester, Michigan, said': Michigan completes the place; it gets no role."""
    ex = extract_quotes("The mayor of Rochester, Michigan, said “no.”")
    assert all(not sp.roles for sp in ex.speakers if sp.canonical == "Michigan")


def test_an_owned_role_before_a_lone_given_name_is_its_role() -> None:
    """'His wife, Morag, remembers ...': a reader asks what 'his wife' said."""
    text = (
        "“It was nothing,” Ewan Bell says.\n\n"
        "His wife, Morag, remembers it differently. “He was white,” she says."
    )
    ex = extract_quotes(text)
    morag = next(s for s in ex.speakers if s.canonical == "Morag")
    assert "wife" in morag.roles


def test_an_occupation_past_the_word_list_is_a_role() -> None:
    """'said meteorologist Erin Vale': occupations are an open class; '-ist', '-ician' and
    '-ographer' nouns before a name are roles like 'coach' or 'spokeswoman'."""
    text = (
        "The warning came 14 minutes before the storm, said meteorologist Erin Vale.\n\n"
        "“It was enough,” Vale said."
    )
    sp = extract_quotes(text).speakers[0]
    assert sp.canonical == "Erin Vale"
    assert "meteorologist" in sp.roles


def test_a_role_naming_a_body_in_capitals_then_lower_case_nouns_is_whole() -> None:
    """'The chair of the NSW Farmers grains committee, NAME,': the nouns after the body's capitals
    still belong to the role (none of them is a verb)."""
    text = "The chair of the NSW Farmers grains committee, Helen Aster, said growers were “on a knife-edge”."
    sp = extract_quotes(text).speakers[0]
    assert sp.canonical == "Helen Aster"
    assert "chair of the NSW Farmers grains committee" in sp.roles


def test_interview_answers_are_the_interviewees() -> None:
    """A Q&A interview: the interviewer's question alone in a paragraph, then the answer in quotes
    with no attribution. The answer is the person introduced as interviewed, not the story's
    first subject ('Scientists') and not a body named after them ('Universidad de Antofagasta')."""
    text = (
        "Scientists off the coast of Chile have described a new species of octopus.\n\n"
        "We spoke to the study's lead author, marine biologist Dr Ana Soto of the Universidad de "
        "Antofagasta.\n\n"
        "How did you know it was new?\n\n"
        "“The arms are three times the length of the body. Then the DNA confirmed it.”\n\n"
        "What surprised you most?\n\n"
        "“How calm it was. It just hung there in the water.”"
    )
    assert speakers_of(text) == ["Ana Soto", "Ana Soto"]


def test_a_question_put_to_them_in_the_writers_paragraph_is_an_interviewers_line() -> None:
    """'Business groups have argued that rates are too high. Did she accept that?' then an answer
    in quotes: the question asks her, so the answer is hers, not the business groups'."""
    text = (
        "In an interview after the decision, Governor Neema Mollel discussed inflation and her critics.\n\n"
        "“Inflation is not beaten yet,” Mollel said.\n\n"
        "Business groups have argued that high borrowing costs are choking small companies. Did she "
        "accept that?\n\n"
        "“I hear them, and I take it seriously.”"
    )
    assert speakers_of(text)[-1] in ("Neema Mollel", "Mollel")


@pytest.mark.parametrize(
    "crowd",
    ["Thousands of farmers have lost their crop.", "Relatives of the victims gathered outside the morgue."],
)
def test_a_crowd_opening_a_sentence_is_nobodys_name(crowd: str) -> None:
    """'Thousands of farmers', 'Relatives of the victims': a capitalised plural then 'of' and a
    lower-case noun opens a sentence; it is no person, so a later 'she' is not them."""
    text = (
        "“The tankers may have left the depot,” Ms Akter said.\n\n"
        f"She said the bigger worry was what came next. {crowd}\n\n"
        "“The salt stays in the soil for years,” she said."
    )
    assert speakers_of(text) == ["Akter", "Akter"]


def test_a_full_name_three_sentences_back_makes_the_canonical_name() -> None:
    """'Stan Kowalski, 71, has farmed ...' three sentences before '"...," Stan said': the sentence is
    past what attribution reads, but it still gives the fullest name."""
    text = (
        "The paddocks are the colour of cardboard.\n\n"
        "Stan Kowalski, 71, has farmed the land since 1978. His son, Mark Kowalski, took over five "
        "years ago. They disagree about almost everything.\n\n"
        "“I’ve seen worse, but not many,” Stan said."
    )
    assert speakers_of(text) == ["Stan Kowalski"]


def test_a_given_name_capitalised_after_a_comma_is_a_name_opening_a_sentence() -> None:
    """'His son, Mark Kowalski, ...' shows 'Mark' is a name, so 'Mark is less fatalistic. He sowed
    ...' makes Mark the subject and the next 'he said' his."""
    text = (
        "Stan Kowalski, 71, has farmed the land since 1978. His son, Mark Kowalski, took over.\n\n"
        "“I’ve seen worse,” Stan said.\n\n"
        "Mark is less fatalistic. He sowed half the usual area in April.\n\n"
        "“We’re planting on hope,” he said."
    )
    assert speakers_of(text) == ["Stan Kowalski", "Mark Kowalski"]


def test_a_name_after_among_them_was_is_the_subject() -> None:
    """'Among them was Joan Pritchard, 88, who ...': the inverted sentence's subject is the name,
    so the next 'she said' is hers, not the last woman quoted."""
    text = (
        "“We understand how distressing this is,” said the agency's flood manager, Claire Bannister.\n\n"
        "The council has opened a rest centre, where 23 people spent the night.\n\n"
        "Among them was Joan Pritchard, 88, who was carried from her flat by firefighters.\n\n"
        "“They were ever so kind,” she said."
    )
    assert speakers_of(text) == ["Claire Bannister", "Joan Pritchard"]


@pytest.mark.parametrize(
    ("source", "speaker"),
    [
        (
            "A city official familiar with the inspections, who was not authorized to speak publicly, said",
            "A city official familiar with the inspections",
        ),
        ("Another parent, who did not want to be named because her son is a pupil, said", "Another parent"),
    ],
)
def test_an_unnamed_source_with_a_relative_clause_is_not_the_last_speaker(source: str, speaker: str) -> None:
    """'An official familiar with X' is an official (the adjective comes after the noun), and a
    parent is someone who speaks; neither is the person quoted just before."""
    text = f"“I grabbed my grandson,” Garza said.\n\n{source} the owner had “promised to fix things.”"
    assert speakers_of(text) == ["Garza", speaker]


def test_a_place_in_an_anonymous_sources_description_is_not_the_speaker() -> None:
    """'One victim, a retired teacher from Roundhay who asked not to be named, said ...': asking not
    to be named is no speech, and Roundhay is where she lives; the next 'she said' is the victim."""
    text = (
        "“They use fear,” Detective Ann Osei said.\n\n"
        "One victim, a 79-year-old retired teacher from Roundhay who asked not to be named, said she had "
        "transferred £8,500.\n\n"
        "“He was crying,” she said."
    )
    assert speakers_of(text) == ["Ann Osei", "One victim"]


def test_an_abbreviation_before_a_lower_case_word_ends_no_sentence() -> None:
    """'... approval from U.S. and European regulators ... and that it was "committed to fair
    pricing."': the sentence goes on after 'U.S.', so the fragment is Halvern's."""
    text = (
        "“It works,” Obi said.\n\n"
        "Halvern said in a statement that it planned to seek approval from U.S. and European "
        "regulators next year and that it was “committed to fair pricing.”"
    )
    assert speakers_of(text) == ["Obi", "Halvern"]


def test_an_age_after_a_name_is_a_role_after_the_others() -> None:
    """'Dolores Whitfield, 81,': readers ask "what did the 81-year-old say?"; a real role, when
    there is one, still comes first (it is the one shown)."""
    text = "Dolores Whitfield, 81, was in the yard.\n\n“Somebody was in my bedroom,” Whitfield said."
    assert extract_quotes(text).speakers[0].roles == ("81-year-old",)
    text = "“We will win,” said Ana Ruiz, 34, a nurse at the clinic."
    assert extract_quotes(text).speakers[0].roles == ("nurse at the clinic", "34-year-old")
