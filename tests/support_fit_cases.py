"""Messages as people write them, none from docs/SUPPORT.md's table, with what a fitting answer
offers: a check that the needs lexicon and the ranking generalise beyond the rows they were
written for. Plain data (service ids), so the same cases can be run against any version."""

from __future__ import annotations

from dataclasses import dataclass

WOMEN_ONLY = frozenset(
    {"national_domestic_abuse_helpline", "southall_black_sisters", "amina_mwrc", "lawa", "lawrs"}
)
FGM_LINE, PERPETRATOR_LINE = "nspcc_fgm_helpline", "respect_phoneline"
OTHER_NATIONS_THAN_ENGLAND = frozenset(
    {
        "live_fear_free",
        "scotland_domestic_abuse_forced_marriage_helpline",
        "ni_domestic_sexual_abuse_helpline",
        "amina_mwrc",
        "rape_crisis_scotland",
    }
)


@dataclass(frozen=True)
class Case:
    wrote: str
    first: frozenset[str]  # the first card must be one of these
    includes: frozenset[str] = frozenset()  # all of these among the cards
    never: frozenset[str] = frozenset()  # none of these among the cards
    fgm: bool = False  # FGM named: the FGM line may appear
    harms_others: bool = False


def _c(
    wrote: str,
    first: set[str],
    includes: frozenset[str] | set[str] = frozenset(),
    never: frozenset[str] | set[str] = frozenset(),
    **flags: bool,
) -> Case:
    return Case(wrote, frozenset(first), frozenset(includes), frozenset(never), **flags)


MENS = {"mens_advice_line", "mankind"}
MONEY = {"financial_support_line", "citizens_advice"}

CASES = (
    _c("my wife wont let me see my mates and takes my wages, im a bloke", MENS | MONEY,
       never=set(WOMEN_ONLY)),
    _c("I'm a dad and my partner is violent to me", MENS, never=set(WOMEN_ONLY)),
    _c("he hit me again last night, we're both men", {"galop"}, never=set(WOMEN_ONLY)),
    _c("my girlfriend hits me, I'm a woman too", {"galop"}),
    _c("my partner misgenders me on purpose and threatens to out me", {"galop"}),
    _c("he kicked me out at 2am and im sat in the car park, nowhere to sleep",
       {"national_domestic_abuse_helpline"}, never=set(OTHER_NATIONS_THAN_ENGLAND)),
    _c("can i stay somewhere tonight? i cant go back there",
       {"national_domestic_abuse_helpline"}, never=set(OTHER_NATIONS_THAN_ENGLAND)),
    _c("my parents have found me a husband and say i have to go through with the wedding",
       {"karma_nirvana", "forced_marriage_unit"}),
    _c("my uncle says ive dishonoured the family by having a boyfriend", {"karma_nirvana"}),
    _c("im scared my mother in law will have my little girl circumcised", {FGM_LINE},
       includes={"nspcc_helpline"}, fgm=True),
    _c("he screams at the kids and throws things at them", {"nspcc_helpline"},
       includes={"childline"}),
    _c("my son saw his dad strangle me last week", {"nspcc_helpline"}),
    _c("he makes me do sexual things i dont want to", {"rape_crisis_england_wales"}),
    _c("my ex forced himself on me after the party", {"rape_crisis_england_wales"}),
    _c("he has all the bank cards and gives me 10 pound a week", MONEY),
    _c("i cant afford food since i left him", MONEY | {"shelter_england"}),
    _c("im in edinburgh and my boyfriend wont let me leave the house",
       {"scotland_domestic_abuse_forced_marriage_helpline"}),
    _c("we live in swansea, he checks my phone all the time", {"live_fear_free"}),
    _c("im in derry and my husband hits me", {"ni_domestic_sexual_abuse_helpline"}),
    _c("I'm in Leeds, my partner keeps threatening me",
       {"national_domestic_abuse_helpline", "victim_support"},
       never=set(OTHER_NATIONS_THAN_ENGLAND)),
    _c("hi. not sure if this is the right place. things are bad at home",
       {"national_domestic_abuse_helpline", "victim_support"},
       never=set(OTHER_NATIONS_THAN_ENGLAND) | MENS | {"galop", "lawa", "southall_black_sisters"}),
    _c("sometimes i get so angry i push my wife, i need help to stop", {PERPETRATOR_LINE},
       harms_others=True),
)  # fmt: skip


def fits(case: Case, shown: list[str]) -> bool:
    """Whether the service ids ``shown``, in order, fit the person who wrote ``case.wrote``."""
    if not shown or shown[0] not in case.first or not case.includes <= set(shown):
        return False
    if case.never & set(shown):
        return False
    if FGM_LINE in shown and not case.fgm:
        return False
    if case.harms_others:
        return shown == [PERPETRATOR_LINE]
    return PERPETRATOR_LINE not in shown
