"""Words a reader's question uses for a quote's words: a small, general table of paraphrases.

A member asks from memory: "who said they regretted not fighting harder?" for "I wish I had fought
harder", "who expected a riot?" for "I thought we'd have a riot". Stemming joins the forms of one
word, never two words. This table joins the everyday words news readers swap for each other; it
is deliberately small (no thesaurus download, no model) and holds only groups whose words stand
in for each other in most sentences. A synonym counts for less than the word itself (see `ask`).
"""

from __future__ import annotations

# Each line is one group; every word of a group stands for every other. Base forms: the asker
# maps irregular pasts to their base and stems the rest, so 'regretted' finds 'regret'.
_GROUPS = """
regret wish sorry
expect thought think predict anticipate
hear learn discover
worry worried concern concerned fear afraid scared anxious
angry furious outraged livid
happy pleased delighted glad thrilled
sad heartbroken devastated upset
proud honoured honored
serious significant major grave
important crucial vital essential key
difficult hard tough
easy simple
big large huge massive enormous
small little tiny
fast quick rapid speedy
slow sluggish
begin start launch
end finish stop halt
help assist aid support
buy purchase
sell sold
fix repair mend
build construct
child children kid kids
job jobs work employment
money cash funds funding
rise increase grow climb surge
fall drop decline decrease plunge
mistake error
win victory triumph
lose defeat loss
danger dangerous risk risky unsafe
safe secure
ask request demand
allow let permit
forbid ban prohibit
attack assault
hurt injured wounded harm
car vehicle
house home
shop store
town city
doctor physician medic
people residents citizens
fight battle struggle
try attempt
answer reply respond
choose pick select
enough sufficient
wrong incorrect
right correct
strange odd weird unusual
terrible awful horrible dreadful
good great excellent fine
bad poor
ill sick
cheap inexpensive affordable
expensive costly pricey
often frequently
hope hopeful optimistic
tired exhausted
scared frightened terrified
surprise surprised shocked stunned
quit resign leave
warn caution
praise commend hail
blame fault
deserve earn merit
goal aim target
plan scheme proposal
talk discuss negotiate
law legislation bill
rule regulation
vote ballot election
crowd fans supporters
match game
coach manager
"""



def _index(groups: str) -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for line in groups.strip().splitlines():
        words = line.split()
        for w in words:
            index[w] = tuple(dict.fromkeys((*index.get(w, ()), *(o for o in words if o != w))))
    return index


_INDEX = _index(_GROUPS)


def synonyms(word: str) -> tuple[str, ...]:
    """The words that stand in for `word` (lower-case, base form), or none."""
    return _INDEX.get(word, ())
