"""The last NLU component: deterministic overrides that must not depend on NLU confidence."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.firewall import default_firewall
from bot.core.safety import default_safety_net
from bot.core.turn_rules import intent_override


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(GraphComponent):
    """Sets the intent to emergency, suicidal_feelings or volunteer_immigration_status on a match.

    Runs on every message of every channel, so it holds even for a channel that bypasses the
    front door; the Telegram front end keeps its own copy of the net for when Rasa is down.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNet:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        safety_net, firewall = default_safety_net(), default_firewall()
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            metadata = message.get(METADATA)
            intent = intent_override(
                text, safety_net, firewall, metadata if isinstance(metadata, dict) else None
            )
            if intent is None:
                continue
            winner = {"name": intent, "confidence": 1.0}
            ranking = [winner] + [
                entry
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get("name") != intent
            ]
            message.set(INTENT, winner, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
