"""What the person's own words say about the support that fits them, read fresh each time.

Lexical, like the safety net and the disclosure check (phrase files in ``data/needs/*.yml``, one
per language, syntax in docs/FIREWALL.md), over the messages of one conversation, which the
firewall has already cleaned. The result only reorders and filters the directory for one answer:
it is never stored, logged or put in a slot, because what someone says about their gender,
sexuality or town is theirs to give to a caseworker, not ours to keep.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.config import DATA_DIR
from bot.core.lexicon import Lexicon, fold, load_lexicon

# Categories whose name is the directory's need tag.
NEED_CATEGORIES = frozenset(
    {"lgbt", "safe_place", "forced_marriage", "honour", "fgm", "children", "sexual", "economic",
     "no_benefits"}
)  # fmt: skip
SPEAKER_MAN, SPEAKER_WOMAN = "speaker_man", "speaker_woman"
PARTNER_MAN, PARTNER_WOMAN = "partner_man", "partner_woman"
PERPETRATOR = "perpetrator"
CHILD_NAMED = "child_named"
# A child named beside one of these is a child at risk of it: the NSPCC lines come in.
CHILD_AT_RISK_OF = frozenset({"fgm", "forced_marriage"})
NATION_CATEGORIES = {
    "in_scotland": "scotland",
    "in_wales": "wales",
    "in_northern_ireland": "northern_ireland",
    "in_england": "england",
}
# English regions (bot.core.report_fields.ENGLISH_REGIONS); each implies England.
REGION_CATEGORIES = {
    f"in_{region}": region
    for region in (
        "london", "north_west", "north_east", "yorkshire", "west_midlands", "east_midlands",
        "east_of_england", "south_east", "south_west",
    )
}  # fmt: skip
CATEGORIES = frozenset(
    NEED_CATEGORIES
    | {SPEAKER_MAN, SPEAKER_WOMAN, PARTNER_MAN, PARTNER_WOMAN, PERPETRATOR, CHILD_NAMED}
    | set(NATION_CATEGORIES)
    | set(REGION_CATEGORIES)
)


@dataclass(frozen=True)
class HeardNeeds:
    """What was said, in the directory's vocabulary; empty fields mean nothing was said."""

    tags: frozenset[str] = frozenset()
    man: bool = False
    harms_others: bool = False
    nation: str | None = None
    region: str | None = None


@functools.lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    return load_lexicon(DATA_DIR / "needs", CATEGORIES)


def _single(found: set[str]) -> str | None:
    # Two places named ("I moved from Leeds to Glasgow") say nothing certain: pick neither.
    return next(iter(found)) if len(found) == 1 else None


def read_needs(messages: Iterable[str]) -> HeardNeeds:
    """The needs in ``messages`` (firewalled user text, in any language with a file)."""
    heard = {hit.category for text in messages for hit in _lexicon().find(fold(text).text)}
    woman = SPEAKER_WOMAN in heard
    # "My wife hits me" is the way most men say it; a woman who says it is in a same-sex
    # relationship, which the LGBT+ services understand.
    man = SPEAKER_MAN in heard or (
        PARTNER_WOMAN in heard and not woman and PARTNER_MAN not in heard
    )
    same_sex = (man and PARTNER_MAN in heard) or (woman and PARTNER_WOMAN in heard)
    tags = heard & NEED_CATEGORIES | ({"lgbt"} if same_sex else set())
    if CHILD_NAMED in heard and tags & CHILD_AT_RISK_OF:
        tags.add("children")
    region = _single({REGION_CATEGORIES[c] for c in heard & set(REGION_CATEGORIES)})
    nations = {NATION_CATEGORIES[c] for c in heard & set(NATION_CATEGORIES)}
    if region or heard & set(REGION_CATEGORIES):
        nations.add("england")
    nation = _single(nations)
    return HeardNeeds(
        tags=frozenset(tags),
        man=man and not woman,
        harms_others=PERPETRATOR in heard,
        nation=nation,
        region=region if nation == "england" else None,
    )
