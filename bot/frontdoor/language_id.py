"""Which of our languages a message is written in, when the text says so clearly.

Lingua (``lingua-language-detector``) ships its n-gram models inside the wheel, so nothing is
downloaded and nothing leaves the machine. Short texts are its weak spot ("ok" reads as Polish),
so a guess counts only when it is confident and the text is more than a word or two; romanised
Urdu, Punjabi and Bengali are not recognised as such at all, and the multilingual classifier
reads them whatever language is chosen.
"""

from __future__ import annotations

from lingua import Language, LanguageDetectorBuilder

# Lingua knows Punjabi in Gurmukhi only; Shahmukhi reads as Urdu (same script), so a person who
# chose Shahmukhi and writes it is never offered Urdu (SAME_SCRIPT).
_OURS = {
    Language.ENGLISH: "en",
    Language.POLISH: "pl",
    Language.ROMANIAN: "ro",
    Language.PUNJABI: "pa",
    Language.URDU: "ur",
    Language.PORTUGUESE: "pt",
    Language.SPANISH: "es",
    Language.ARABIC: "ar",
    Language.BENGALI: "bn",
    Language.GUJARATI: "gu",
    Language.TAMIL: "ta",
}
SAME_SCRIPT = {"pa-Arab": "ur"}
# Chosen on the phrases people type: at 0.85 "o meu marido bate-me" counts as Portuguese, and
# romanised Urdu ("mujhe madad chahiye", read as Portuguese at 0.82) does not.
MIN_CONFIDENCE = 0.85
MIN_LETTERS = 6
# A current language with at least this confidence is not switched away from.
STILL_POSSIBLE = 0.01


class LanguageGuesser:
    """Built once per process. Low accuracy mode (trigrams only) holds the models in about
    30 MB where the full models take 300 MB, and reads these phrases as well."""

    def __init__(self) -> None:
        self._detector = (
            LanguageDetectorBuilder.from_languages(*_OURS)
            .with_minimum_relative_distance(0.1)
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )

    def guess(self, text: str) -> str | None:
        """Our code for the language ``text`` is clearly written in, else None."""
        return _clear_winner(self._confidences(text))

    def other_language(self, text: str, current: str) -> str | None:
        """The language to offer when ``text`` is clearly in one of ours other than ``current``.

        Never while the current language still looks possible: Romanian with its diacritics
        has read as Portuguese, and an unasked offer to switch is worse than none.
        """
        confidences = self._confidences(text)
        guessed = _clear_winner(confidences)
        if guessed is None or guessed == current or SAME_SCRIPT.get(current) == guessed:
            return None
        current_too = dict(confidences).get(SAME_SCRIPT.get(current, current), 0.0)
        return None if current_too >= STILL_POSSIBLE else guessed

    def _confidences(self, text: str) -> list[tuple[str, float]]:
        if sum(character.isalpha() for character in text) < MIN_LETTERS:
            return []
        return [
            (_OURS[found.language], found.value)
            for found in self._detector.compute_language_confidence_values(text)
        ]


def _clear_winner(confidences: list[tuple[str, float]]) -> str | None:
    if not confidences or confidences[0][1] < MIN_CONFIDENCE:
        return None
    return confidences[0][0]
