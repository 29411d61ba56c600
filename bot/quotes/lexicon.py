"""Word lists the attribution rules read: cue verbs, titles, roles, organisation words, first names.

They are kept in one place so that every rule uses the same notion of, say, "a title", and so that
growing the engine's coverage for unseen news means adding words here, not new code paths.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word list written as one string."""
    return frozenset(text.split())


def _inflect(base: str) -> set[str]:
    """Regular inflections of a verb (say -> says, saying; note -> noted, noting; cry -> cried)."""
    forms = {base}
    if base.endswith("e"):
        forms |= {base + "s", base + "d", base[:-1] + "ing"}
    elif base.endswith("y") and base[-2:-1] not in "aeiou":
        forms |= {base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
    elif base.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {base + "es", base + "ed", base + "ing"}
    else:
        forms |= {base + "s", base + "ed", base + "ing"}
    return forms


_IRREGULAR = {
    "say": {"say", "says", "said", "saying"},
    "tell": {"tell", "tells", "told", "telling"},
    "write": {"write", "writes", "wrote", "written", "writing"},
    "tweet": {"tweet", "tweets", "tweeted", "tweeting"},
    "admit": {"admit", "admits", "admitted", "admitting"},
    "quip": {"quip", "quips", "quipped", "quipping"},
    "plead": {"plead", "pleads", "pleaded", "pled", "pleading"},
    "put": {"put", "puts", "putting"},
    "dub": {"dub", "dubs", "dubbed", "dubbing"},
    "label": {"label", "labels", "labelled", "labeled", "labelling", "labeling"},
    "begin": {"begin", "begins", "began", "beginning"},
    "speak": {"speak", "speaks", "spoke", "speaking"},
    "text": {"text", "texts", "texted", "texting"},
    "blog": {"blog", "blogs", "blogged", "blogging"},
    "chat": {"chat", "chats", "chatted"},
    "snap": {"snap", "snaps", "snapped"},
    "refer": {"refer", "refers", "referred", "referring"},
    "read": {"read", "reads"},
    "slam": {"slam", "slams", "slammed", "slamming"},
}

# Verbs that introduce direct speech ("...," she said / he told reporters: "...").
_SPEECH_BASES = sorted(
    words("""
say tell add state remark write tweet warn insist recall explain note ask reply respond declare
announce argue claim comment conclude continue acknowledge admit observe exclaim shout yell cry
whisper joke quip muse sigh concede confirm deny emphasise emphasize stress suggest urge vow promise
predict boast complain lament mention report reveal testify post text blog counter retort agree
recount assert maintain contend plead beg demand wonder interject scoff snap gush reflect elaborate
affirm proclaim pronounce opine theorise theorize caution describe characterise characterize call
dub label term accuse praise criticise criticize condemn question chant sing scream mutter murmur
plead advise instruct order tell inform assure reassure recommend propose allege contend
conclude hail welcome laugh chuckle announce
speak summarise summarize sum put chat admit deny blame read
dismiss denounce slam decry deride lambast mock ridicule
""")
)

SPEECH_VERBS: frozenset[str] = frozenset(
    form for base in _SPEECH_BASES for form in (_IRREGULAR.get(base) or _inflect(base))
)

# Verbs that name or label rather than report: `a group called "X"` is a name, not speech.
NAMING_VERBS: frozenset[str] = words(
    """called dubbed named labelled labeled termed titled entitled nicknamed branded known
    listed styled billed marketed"""
)

# Verbs whose object is a description in quotes: `called him a "puppet"`, `described her as "..."`.
DESCRIBING_VERBS: frozenset[str] = words(
    """called calling calls call described describing describes describe characterized characterised
    characterizing characterising dubbed labelled labeled branded termed accused accusing
    referred referring"""
)

# Nouns that carry speech: `in a statement`, `issued a statement`, `a post reads`.
SPEECH_NOUNS: frozenset[str] = words(
    """statement statements remarks comments interview speech post posting tweet tweets message
    letter note email e-mail address testimony report blog column op-ed editorial press
    conference briefing release announcement"""
)

PRONOUNS: dict[str, str] = {
    "he": "m",
    "she": "f",
    "they": "p",
    "it": "n",
    "i": "x",
    "we": "p",
}
POSSESSIVES: dict[str, str] = {"his": "m", "her": "f", "their": "p", "its": "n"}

# Nouns for people of a nation, used like a title (`Dutchman Pieter van Dam`, `the Spaniard said`).
DEMONYMS: frozenset[str] = words("""
    dutchman dutchwoman frenchman frenchwoman englishman englishwoman irishman irishwoman
    scotsman scotswoman welshman welshwoman spaniard dane swede finn pole brit kiwi aussie
    argentine swiss greek czech turk serb croat thai briton scot
    """)

# Nationality adjectives, also used as nouns for people (`Italian Dominik Paris`, `the Norwegian`).
NATIONALITIES: frozenset[str] = words("""
    afghan albanian algerian american angolan argentinian armenian australian austrian
    azerbaijani bangladeshi belarusian belgian bolivian bosnian brazilian british bulgarian
    burmese cambodian cameroonian canadian chadian chilean chinese colombian congolese croatian
    cuban cypriot danish dominican dutch ecuadorian egyptian emirati english eritrean estonian
    ethiopian fijian filipino finnish french georgian german ghanaian greek guatemalan haitian
    honduran hungarian icelandic indian indonesian iranian iraqi irish israeli italian ivorian
    jamaican japanese jordanian kazakh kenyan korean kosovar kuwaiti kyrgyz laotian latvian
    lebanese liberian libyan lithuanian macedonian malagasy malawian malaysian malian maltese
    mauritanian mexican moldovan mongolian montenegrin moroccan mozambican namibian nepalese
    nicaraguan nigerian nigerien norwegian pakistani palestinian panamanian paraguayan peruvian
    polish portuguese qatari romanian russian rwandan saudi scottish senegalese serbian
    singaporean slovak slovenian somali spanish sudanese swedish syrian taiwanese tajik
    tanzanian thai tunisian turkish turkmen ugandan ukrainian uruguayan uzbek venezuelan
    vietnamese welsh yemeni zambian zimbabwean
    """)

# Words before a name that are titles: dropped from the canonical name, kept as the role.
TITLES: frozenset[str] = (
    words("""
    president vice prime minister premier chancellor secretary senator sen sen. representative rep
    rep. congressman congresswoman governor gov gov. mayor ambassador administrator director
    general gen gen. colonel col col. lieutenant lt lt. captain capt capt. sergeant sgt sgt.
    officer commissioner chief commander admiral judge justice attorney prosecutor king queen
    prince princess pope cardinal bishop archbishop reverend rev rev. rabbi imam sheikh professor
    prof prof. dr dr. doctor mr mr. mrs mrs. ms ms. miss sir dame lord lady chairman chairwoman
    chair ceo cfo coo cto founder co-founder cofounder coach manager spokesman spokeswoman
    spokesperson sheriff deputy detective inspector superintendent constable marshal agent
    dean provost rector principal editor publisher leader councillor councilor councilman
    councilwoman alderman mp mep lawmaker legislator speaker emir sultan crown duke duchess
    count countess baron baroness pastor father sister brother mother imam ayatollah grand
    supreme associate assistant acting interim former late then executive managing
    senior junior chief-executive head trustee commissioner auditor solicitor barrister
    qc kc sc esq jr jr. sr sr. mx mx. dj master
    """)
    | DEMONYMS
)

# Roles of the people news is about: `the actress said`, `the former champion said` point back to
# someone already named, unlike `the man` or `the officer`, who are often never named.
NEWSMAKER_NOUNS: frozenset[str] = DEMONYMS | words("""
    star actress actor singer rapper musician songwriter comedian presenter host novelist author
    writer director filmmaker artist designer chef model player striker midfielder defender
    goalkeeper forward winger batsman bowler pitcher quarterback golfer swimmer sprinter runner
    cyclist boxer fighter skier skater climber rider jockey driver champion titleholder
    veteran rookie newcomer teenager youngster captain coach manager boss founder billionaire
    entrepreneur tycoon mogul businessman businesswoman heiress socialite celebrity legend icon
    """)

# Lower-case nouns that describe a person's role (`team member`, `coauthor`, `Panama coach`).
ROLE_NOUNS: frozenset[str] = words("""
    coach captain coauthor co-author author professor spokesman spokeswoman spokesperson leader
    member director head chief official minister president editor correspondent reporter analyst
    expert economist researcher scientist lawyer attorney actor actress singer star player striker
    manager owner founder executive chairman chairwoman resident student teacher father mother son
    daughter brother sister wife husband friend neighbor neighbour witness victim survivor officer
    detective sheriff deputy agent soldier sergeant commander general colonel senator governor mayor
    ambassador administrator commissioner secretary chancellor judge prosecutor activist campaigner
    candidate adviser advisor aide consultant partner colleague boss legend veteran rookie champion
    winner midfielder defender goalkeeper forward pilot driver doctor nurse surgeon physician
    psychologist lecturer principal superintendent representative congressman congresswoman
    lawmaker legislator dean cleric pastor priest rabbi imam bishop pope host presenter producer
    director writer novelist poet artist musician designer engineer developer founder investor
    banker trader farmer worker employee staffer organizer organiser volunteer fan supporter
    critic commentator historian biologist physicist chemist geologist astronaut climber
    guide ranger warden keeper curator archivist librarian archaeologist zoologist ecologist
    mother-in-law father-in-law grandmother grandfather uncle aunt cousin niece nephew girlfriend
    boyfriend fiance fiancee widow widower chef owner proprietor landlord tenant passenger
    inmate prisoner suspect defendant plaintiff juror councillor councilor diplomat envoy
    negotiator mediator minister premier king queen prince princess official officials source
    sources insider insiders counterpart predecessor successor rival opponent ally teammate
    campaigner pensioner commuter shopper customer patient resident parent grandparent relative
    guardian
    """)

# Occupations past the list above, by their endings: 'meteorologist', 'technician', 'photographer'.
_OCCUPATION_ENDINGS = ("ist", "ician", "ographer")
_NOT_OCCUPATIONS = words(
    "persist consist subsist desist whilst amongst checklist playlist wishlist shortlist blacklist waitlist"
)


def is_role_noun(word: str) -> bool:
    """A noun for what someone is (`coach`, `meteorologist`): read as a role before or beside a name."""
    if word in ROLE_NOUNS:
        return True
    return len(word) >= 7 and word.endswith(_OCCUPATION_ENDINGS) and word not in _NOT_OCCUPATIONS


# Common nouns that make an unnamed source (`a spokesperson`, `officials`, `one senior official`).
SOURCE_NOUNS: frozenset[str] = ROLE_NOUNS | words("""
    officials sources police authorities investigators prosecutors researchers scientists
    experts analysts critics organizers organisers witnesses residents neighbors neighbours
    relatives family families parents people man woman men women boy girl child children person
    poster user users commenter reader readers viewer viewers caller callers group team crew
    government ministry department agency company firm office spokesperson committee council
    board court report statement study survey poll police military army navy campaign
    website site post tweet message letter document note documents filing complaint lawsuit
    union league club party organization organisation association foundation institute
    administration embassy consulate regime coalition alliance network station newspaper paper
    magazine broadcaster channel outlet charity hospital school university college authority
    service services body panel commission inquiry review audit memo jury judges
    """)

# Words that make a capitalised name an organisation.
ORG_WORDS: frozenset[str] = words("""
    ministry agency department university college school institute institution association
    company corporation corp corp. co co. inc inc. ltd ltd. llc plc group foundation council committee
    commission authority office service services government party police court bank fund times
    news post herald journal tribune gazette telegraph guardian press network channel radio
    television tv magazine daily weekly review center centre hospital church union league club
    federation board bureau army navy force forces organization organisation society trust
    administration embassy parliament congress senate assembly cabinet ministry airlines airline
    airways motors industries holdings partners studios records media times-picture observer
    universidad universidade université universität università instituto institut ministerio
    chronicle standard mail express inquirer bulletin monitor wire reuters museum library
    laboratory lab observatory coalition alliance movement campaign initiative program programme
    project network systems technologies labs team fc
    """)

# Capitalised words that open sentences or clauses and are never part of a name.
FUNCTION_WORDS: frozenset[str] = words("""
    the a an this that these those there here it its he she his her they their we our i you your
    but and or so yet nor however meanwhile still also then now later instead thus hence
    in on at for after before when while if as since although though because during until once
    what who why how where which whether some many most several few all both each every no not
    from to of by with without about against between into through under over despite following
    asked speaking according writing having being given like unlike amid among around across
    yesterday today tonight tomorrow last next earlier afterwards eventually finally first
    second third mr mrs ms dr whoever whatever whichever wherever whenever question answer q a
    """)

# Particles inside names (`Ludwig van Beethoven`, `Suleiman al-Amr`).
NAME_PARTICLES: frozenset[str] = words(
    "de da del della der den di dos du la le van von bin ibn al el y ter ten st st. mac"
)

WEEKDAYS_MONTHS: frozenset[str] = words(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december jan feb mar apr jun jul aug sep sept oct
    nov dec"""
)

MALE_TITLES: frozenset[str] = words(
    "mr mr. sir lord king prince duke baron count father brother son husband uncle nephew "
    "congressman councilman spokesman chairman emperor sheikh man boy grandfather widower "
    "businessman policeman fireman grandson stepfather boyfriend"
)
FEMALE_TITLES: frozenset[str] = words(
    "mrs mrs. ms ms. miss dame lady queen princess duchess baroness countess mother sister "
    "daughter wife aunt niece congresswoman councilwoman spokeswoman chairwoman empress woman girl "
    "grandmother widow actress businesswoman policewoman granddaughter stepmother girlfriend"
)

# Forms of address written before a name: titles of the person, not part of a role
# (`Head librarian Dr. Ada Lind` is a head librarian).
HONORIFICS: frozenset[str] = words(
    "mr mr. mrs mrs. ms ms. miss mx mx. dr dr. prof prof. rev rev. sir dame lord lady"
)

# Common given names by gender: a pronoun's gender is the strongest clue to its antecedent.
MALE_NAMES: frozenset[str] = words("""
    aaron abdul abdullah adam adrian ahmed ahmad alan albert alex alexander alexei alfred ali
    amir andre andreas andrew andy angel anthony antonio arnold arthur ashton barack barry ben
    benjamin bernard bill billy bob bobby boris brad bradley brandon brendan brett brian bruce
    bryan carl carlos charles charlie chris christian christopher clark colin craig dale dan
    daniel danny darren dave david dean dennis derek diego dimitri dmitry dominic don donald
    doug douglas duncan dylan earl eddie edward edwin eli elijah emmanuel eric erik ernest ethan
    evan fabio felix fernando francis francisco frank franklin fred frederick gabriel gareth
    gary gavin george gerald gordon graham greg gregory guy hamid hans harold harry harvey hassan
    hector henry herbert howard hugh hugo ian igor isaac ivan jack jacob jake james jamie jan jason
    javier jay jean jeff jeffrey jeremy jerry jesse jim jimmy joe joel john johnny jon jonathan
    jordan jorge jose joseph josh joshua juan julian justin karl keith ken kenneth kevin khaled
    kim kirk kurt kyle larry lee leo leonard lewis liam louis luca lucas luis luke malcolm
    manuel marc marco marcus mario mark martin matt matthew max michael miguel mike mikhail
    mohamed mohammed muhammad mustafa nathan neil nicholas nick nigel noah oliver omar oscar
    owen pablo patrick paul pedro pete peter philip phil pierre rafael ralph ramon randy raul ray
    raymond reza ricardo richard rick rob robert roberto rodney roger roman ronald ron ross roy
    russell ryan salman sam samuel scott sean sebastian sergei sergio seth shane shawn simon
    stanley stefan stephen steve steven stuart sultan ted terry thomas tim timothy todd tom tommy
    tony travis trevor tyler victor vincent vladimir walter warren wayne will william xavier
    yusuf zach zachary hiroshi takeshi yuki rahul raj arjun wei jun
    """)
FEMALE_NAMES: frozenset[str] = words("""
    abigail ada adriana aisha alexandra alice alicia alison amanda amber amelia amy ana andrea
    angela angelina anita ann anna anne annie april ashley audrey barbara beatrice belinda
    beth betty beverly brenda bridget brittany camila carla carmen carol caroline carolyn
    catherine cecilia charlotte chelsea cheryl christina christine cindy claire clara claudia
    courtney crystal cynthia daisy dana danielle daphne deborah debra denise diana diane
    donna doris dorothy edith elaine eleanor elisa elizabeth ella ellen emily emma erica
    erin esther eva eve evelyn fatima fiona florence frances gabriela gail gemma georgia gina
    grace hannah harriet heather helen helena hillary holly ingrid irene isabel isabella
    jacqueline jane janet janice jasmine jean jennifer jenny jessica jill joan joanna jodie
    josephine joyce judith judy julia julie justine karen kate katherine kathleen kathryn kathy
    katie kelly kim kimberly kristen laura lauren leah leila lily linda lisa liz lois lorraine
    louise lucy lydia lynn madeleine maggie margaret maria marie marilyn marina marion
    marsha martha mary maya megan melanie melissa michelle mildred miranda molly monica nadia
    nancy naomi natalie natasha nicole nina nora olga olivia pamela patricia paula pauline peggy
    penny priya rachel rebecca regina rita roberta rosa rose ruth sabrina sally samantha sandra
    sara sarah sharon sheila shirley sofia sonia sophia sophie stacy stella stephanie sue susan
    suzanne sylvia tamara tanya teresa theresa tina tracy ursula valerie vanessa vera veronica
    victoria virginia vivian wanda wendy yvonne zoe kamala jacinda yuko akiko mei ling
    """)
