"""A decrypted report as a caseworker reads it: the person's words first, then each answer under
the question it answers, in the order they were asked, in plain words.

Nothing is dropped: a key this module does not know (a report from a newer assistant) is shown
at the end under its own name, so a caseworker never misses part of what someone wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.languages import BY_CODE
from bot.core.languages import LANGUAGE_KEY as LANGUAGE
from bot.core.report_fields import NOT_GIVEN, RED_FLAGS, YES

ACCOUNT = "report_account"
# The questions, in the order the assistant asks them.
QUESTIONS = {
    ACCOUNT: "What has been happening, in their words",
    "reporter_role": "Who is writing",
    LANGUAGE: "The language they wrote in (reply in it)",
    "abuse_kinds": "Kind of abuse",
    "last_happened": "When it last happened",
    "ongoing": "Is it still going on",
    "children_in_home": "Children living in the home",
    "nation": "Part of the UK",
    "region": "Part of England",
    "help_wanted": "What would help most",
    "safe_contact_time": "Safest time for a reply",
    "risk_questions": "Questions about danger",
    "flag_strangulation": "Choked or strangled, or stopped from breathing",
    "flag_threats_to_kill": "Threatened to kill them or someone close",
    "flag_weapons": "Used or threatened a weapon",
    "flag_pregnancy": "Pregnant, or a baby in the last year",
    "flag_separation": "Separated or tried to leave recently",
    "flag_escalation": "Getting worse or more often",
}
# Shown in the queue and the page's heading already, or only a step of the conversation.
NOT_SHOWN = frozenset({"urgency", "consent_to_share", "risk_questions_ok"})
WORDS = {
    "self": "The person themselves",
    "someone_else": "Someone worried about another person",
    "this_week": "This week",
    "this_month": "This month",
    "months_ago": "Months ago",
    "years_ago": "Years ago",
    "any_time": "Any time",
    "safe_place": "A safe place to stay",
    "safety_plan": "A plan to stay safe",
    "talk": "Someone to talk to",
    "legal": "Legal advice",
    "children": "Help for children",
    "caseworker": "A caseworker to contact them",
    "economic": "Money",
    "tech": "Phone or online",
    "honour": "Honour-based",
    "fgm": "FGM",
    "documents": "Keeps their documents from them",
}
NOT_ANSWERED = "Not answered"
RISK_QUESTIONS_SKIPPED = "The person chose not to answer them"
SKIPPED = "Skipped"


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    in_their_words: bool = False


def report_answers(report: Mapping[str, object]) -> list[Answer]:
    """The report's answers to show, in asking order; unknown keys last, none lost."""
    if report.get("risk_questions_ok") != YES:
        # The person chose not to answer these; a column of "Not answered" would say less.
        report = {key: value for key, value in report.items() if key not in RED_FLAGS}
        if "risk_questions_ok" in report:
            report = {**report, "risk_questions": RISK_QUESTIONS_SKIPPED}
    ordered = [key for key in QUESTIONS if key in report]
    extra = sorted(key for key in report if key not in QUESTIONS and key not in NOT_SHOWN)
    return [
        Answer(
            QUESTIONS.get(key, key.replace("_", " ").capitalize()),
            _shown(key, report[key]),
            in_their_words=key == ACCOUNT,
        )
        for key in [*ordered, *extra]
    ]


def _shown(key: str, value: object) -> str:
    if key == ACCOUNT:
        return str(value or NOT_ANSWERED)
    if key == LANGUAGE and isinstance(value, str) and value in BY_CODE:
        chosen = BY_CODE[value]
        return f"{chosen.endonym} ({chosen.english_name})"
    return _plain(value)


def _plain(value: object) -> str:
    if value is None:
        return NOT_ANSWERED
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(item) for item in value) or NOT_ANSWERED
    text = str(value)
    if text == NOT_GIVEN:
        return SKIPPED
    if text in WORDS:
        return WORDS[text]
    # Tokens of the closed vocabularies; free text (the account) is left exactly as written.
    if text.isascii() and text.replace("_", "").isalpha() and text.islower():
        return text.replace("_", " ").capitalize()
    return text
