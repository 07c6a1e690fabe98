"""What the front door says by itself when the assistant behind it cannot answer."""

from __future__ import annotations

from bot.core.locale import Catalogue
from bot.core.safety import SafetySignal


def reply_when_down(signal: SafetySignal | None, texts: Catalogue) -> str:
    """The front door's own answer when Rasa is down: the short line alone when he is there.

    The emergency routes are the same facts as utter_emergency, in the person's language; both
    are checked against the directory.
    """
    if signal is SafetySignal.NOT_SAFE:
        return texts.say("not_safe")
    return f"{texts.say('emergency_routes')}\n\n{texts.say('assistant_down')}"
