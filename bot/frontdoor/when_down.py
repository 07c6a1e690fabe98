"""What the front door says by itself when the assistant behind it cannot answer."""

from __future__ import annotations

# The same facts as utter_emergency in domain/responses; both are checked against the directory.
EMERGENCY_ROUTES_TEXT = (
    "If you are in danger now, call 999.\n"
    "If you can't speak: call 999, then cough or tap the phone. On a mobile, press 55 when you "
    "hear the message. This is the Silent Solution.\n"
    "If you are deaf or can't use a voice call: use 999 BSL (999bsl.co.uk or the 999 BSL app), "
    "or emergencySMS if you have registered (text REGISTER to 999 to register)."
)
ASSISTANT_DOWN_TEXT = (
    "I can't reach the rest of the assistant right now. I'll be back shortly: please try again "
    "in a few minutes. Nothing you wrote has been lost."
)
