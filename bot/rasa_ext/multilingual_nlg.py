"""Rasa's responses in the person's language (``nlg: type:`` in endpoints.yml).

Rasa Open Source has no translation of responses, and its domain files cannot hold one response
in several files (a later file replaces the earlier one). So English stays the domain's own and
each other language's responses come from its catalogue (``bot.core.locale``); the language is
the one the front door named on the person's latest message. A response a catalogue lacks is
said in English rather than not at all.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.core.languages import ENGLISH, latest_language
from bot.core.locale import catalogues


class MultilingualNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """One templated generator per language, each over English with the language's on top.

    A templated generator by type because Rasa builds the generator before it has loaded the
    domain and then hands the domain's responses only to templated ones (``responses`` below).
    """

    def __init__(self, endpoint_config: EndpointConfig | None, domain: Domain) -> None:
        super().__init__(domain.responses)

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._english

    @responses.setter
    def responses(self, english: dict[str, list[dict[str, Any]]]) -> None:
        self._english = english
        self._by_language = {
            code: TemplatedNaturalLanguageGenerator({**english, **dict(shipped.responses)})
            for code, shipped in catalogues().items()
        }

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        said = (
            event.metadata for event in reversed(tracker.events) if isinstance(event, UserUttered)
        )
        generator = self._by_language.get(latest_language(said), self._by_language[ENGLISH])
        response: dict[str, Any] | None = await generator.generate(
            utter_action, tracker, output_channel, **kwargs
        )
        return response
