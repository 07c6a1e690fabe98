"""What the front door says by itself when the assistant behind it cannot answer."""

from __future__ import annotations

from bot.core.safety import SafetySignal

# The same facts as utter_emergency in domain/responses; both are checked against the directory.
EMERGENCY_ROUTES_TEXT = (
    "If you are in danger now, call 999.\n"
    "If you can't speak: call 999, then cough or tap the phone. On a mobile, press 55 when you "
    "hear the message. This is the Silent Solution.\n"
    "If you are deaf or can't use a voice call: use 999 BSL (999bsl.co.uk or the 999 BSL app), "
    "or emergencySMS if you have registered (text REGISTER to 999 to register)."
)
# The short line, word for word utter_not_safe_to_talk: he may be reading, so nothing follows it.
NOT_SAFE_TEXT = (
    "Okay, stop here. Type /exit to wipe this chat; come back when it's safe. In danger: call "
    "999. Can't speak: call 999, then press 55. Samaritans, any time: 116 123."
)
ASSISTANT_DOWN_TEXT = (
    "I can't reach the rest of the assistant right now. I'll be back shortly: please try again "
    "in a few minutes. Nothing you wrote has been lost."
)


def reply_when_down(signal: SafetySignal | None) -> str:
    """The front door's own answer when Rasa is down: the short line alone when he is there."""
    if signal is SafetySignal.NOT_SAFE:
        return NOT_SAFE_TEXT
    return f"{EMERGENCY_ROUTES_TEXT}\n\n{ASSISTANT_DOWN_TEXT}"
