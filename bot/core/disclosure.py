"""Whether a message still tells of abuse once the firewall has cut volunteered status out of it.

A message such as "my husband hits me and I'm on a spouse visa" carries two things: status,
which is never kept, and abuse, which must be answered. The rule that answers volunteered status
asks this module whether there is more to answer than the status note. Lexical, like the safety
net, over ``data/disclosure/*.yml`` (phrase syntax in docs/FIREWALL.md), so it behaves the same
for every channel and can be read and extended by charity staff.
"""

from __future__ import annotations

import functools

from bot.core.config import DATA_DIR
from bot.core.lexicon import Lexicon, fold, load_lexicon

ABUSE = "abuse"


@functools.lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    return load_lexicon(DATA_DIR / "disclosure", frozenset({ABUSE}))


def tells_of_abuse(text: str) -> bool:
    """True when ``text`` (already firewalled) describes abuse, in any language with a file."""
    return next(iter(_lexicon().find(fold(text).text)), None) is not None
