"""After 999: the service that knows a planned harm (FGM, forced marriage abroad)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.support import send_services
from bot.core.safety import PlannedHarm, default_safety_net
from bot.core.uk_time import now_in_london

# Directory ids; the numbers, hours and notes (the Forced Marriage Unit's out-of-hours line)
# come from data/services/directory.yml, never from here.
PLANNED_HARM_SERVICES = {
    PlannedHarm.FGM: "nspcc_fgm_helpline",
    PlannedHarm.FORCED_MARRIAGE: "forced_marriage_unit",
}


class ActionPlannedHarmServices(Action):
    """Says nothing unless the message names a planned harm; runs after every utter_emergency."""

    def name(self) -> str:
        return "action_planned_harm_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        # The text here has already been through the firewall in the channel.
        text = tracker.latest_message.get("text") or ""
        harms = default_safety_net().planned_harm(text)
        directory = runtime.directory()
        services = [
            service
            for harm in PlannedHarm
            if harm in harms
            and (service := directory.service(PLANNED_HARM_SERVICES[harm])) is not None
        ]
        send_services(dispatcher, services, now_in_london(), tracker)
        return []
