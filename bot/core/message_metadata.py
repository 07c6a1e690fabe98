"""What the front door and Rasa agree on about a message: metadata keys and way-out payloads.

The metadata keys are put on a message by the front door channel, read off the text as typed.

Rasa and the actions only ever see firewalled text, and the firewall may remove a whole
sentence; what that sentence told of danger or of documents kept from the person travels here.
Neither key carries the person's words or any immigration detail.
"""

from __future__ import annotations

# The SafetySignal value of the text as typed ("danger", "not_safe", "suicidal").
SAFETY_SIGNAL_KEY = "safety_signal"
# True when someone takes, hides or keeps the person's documents: an abuse kind.
DOCUMENTS_WITHHELD_KEY = "documents_withheld"

# The way-out buttons: the Rasa channel appends them to a turn and the Telegram front end draws
# the same "talk to a person" button, so both must send the payload Rasa's rules expect.
EMERGENCY_PAYLOAD = "/emergency"
PERSON_PAYLOAD = "/talk_to_person"

# The Telegram update_id a message came in (an int; no person's words): the front end finds it
# in the tracker after a crash to tell a turn Rasa already took from one it never saw.
UPDATE_ID_KEY = "frontdoor_update_id"
