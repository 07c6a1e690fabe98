"""How a decrypted report reads on the case page."""

from __future__ import annotations

from bot.console.report_view import (
    NOT_ANSWERED,
    RISK_QUESTIONS_SKIPPED,
    SKIPPED,
    report_answers,
)

REPORT = {
    "urgency": "high",
    "safe_contact_time": "evening",
    "report_account": "he took my phone_charger",
    "abuse_kinds": ["physical", "economic"],
    "last_happened": "this_week",
    "ongoing": "yes",
    "children_in_home": None,
    "nation": "england",
    "region": "north_east",
    "help_wanted": ["caseworker"],
    "risk_questions_ok": "not_given",
    "flag_strangulation": None,
    "consent_to_share": "yes",
    "reporter_role": "self",
    "from_a_newer_assistant": "kept",
}


def test_the_account_comes_first_then_each_answer_in_asking_order_in_plain_words() -> None:
    answers = report_answers(REPORT)

    assert answers[0].in_their_words and answers[0].answer == "he took my phone_charger"
    shown = {a.question: a.answer for a in answers}
    assert list(shown)[:4] == [
        "What has been happening, in their words",
        "Who is writing",
        "Kind of abuse",
        "When it last happened",
    ]
    assert shown["Kind of abuse"] == "Physical, Money"
    assert shown["When it last happened"] == "This week"
    assert shown["Children living in the home"] == NOT_ANSWERED
    assert shown["Part of England"] == "North east"
    assert shown["What would help most"] == "A caseworker to contact them"
    assert shown["Safest time for a reply"] == "Evening"


def test_skipped_danger_questions_are_one_line_and_nothing_unknown_is_dropped() -> None:
    shown = {a.question: a.answer for a in report_answers(REPORT)}

    assert shown["Questions about danger"] == RISK_QUESTIONS_SKIPPED
    assert not any(question.startswith("Choked") for question in shown)
    assert shown["From a newer assistant"] == "Kept"
    assert "Urgency" not in shown and "Consent to share" not in shown


def test_answered_danger_questions_are_listed_with_skips_marked() -> None:
    report = {**REPORT, "risk_questions_ok": "yes", "flag_strangulation": "not_given"}
    report["flag_weapons"] = "yes"

    shown = {a.question: a.answer for a in report_answers(report)}

    assert shown["Choked or strangled, or stopped from breathing"] == SKIPPED
    assert shown["Used or threatened a weapon"] == "Yes"
    assert "Questions about danger" not in shown
