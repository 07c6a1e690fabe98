"""The immigration-status firewall: corpus figures and specific behaviours."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.core.errors import DataFileError
from bot.core.firewall import (
    REDACTION_MARK,
    Firewall,
    Redaction,
    default_firewall,
    run_redaction_filter,
)
from bot.core.firewall_eval import evaluate, load_corpus


@pytest.fixture(scope="module")
def firewall() -> Firewall:
    return default_firewall()


def test_corpus_recall_and_over_redaction(firewall: Firewall) -> None:
    """Given the labelled corpus (every tests/data/firewall_corpus*.yml), when every case is
    redacted, then recall >= 99% and at most 5% of benign messages change."""
    cases = load_corpus()
    assert sum(case.positive for case in cases) >= 400
    assert sum(not case.positive for case in cases) >= 300
    report = evaluate(firewall, cases)
    assert report.overall.recall >= 0.99, report.failures
    assert report.overall.over_redaction <= 0.05, report.failures


# Every language a lexicon file covers (data/firewall/*.yml `language:`), as corpus labels.
LEXICON_LANGUAGES = ("en", "ar", "bn", "es", "pa", "pa-shahmukhi", "pl", "pt", "ro", "ur")
ROMAN_LANGUAGES = ("ur-roman", "pa-roman")


def test_corpus_covers_every_lexicon_language() -> None:
    """Each language has status-bearing and benign cases, tuned and held out."""
    cases = load_corpus()
    for lang in LEXICON_LANGUAGES + ROMAN_LANGUAGES:
        for split in ("tune", "heldout"):
            here = [case for case in cases if case.lang == lang and case.split == split]
            assert any(case.positive for case in here), (lang, split)
            assert any(not case.positive for case in here), (lang, split)


def test_mark_text_is_fixed() -> None:
    assert REDACTION_MARK == "(immigration detail removed)"


@pytest.mark.parametrize(
    ("text", "gone", "category"),
    [
        ("my share code is W4X 7YZ 9AB ok", "W4X 7YZ 9AB", "document"),
        ("NI: QQ 12 34 56 C", "QQ 12 34 56 C", "document"),
        ("ni number qq123456c", "qq123456c", "document"),
        ("BRP ZU1234567", "ZU1234567", "document"),
        ("my passport number is 123456789", "123456789", "document"),
        ("home office ref GWF012345678", "GWF012345678", "document"),
        ("UAN 1234-5678-9012-3456", "1234-5678-9012-3456", "document"),
    ],
)
def test_document_number_formats(firewall: Firewall, text: str, gone: str, category: str) -> None:
    redaction = firewall.redact(text)
    assert gone not in redaction.text
    assert category in redaction.categories
    assert REDACTION_MARK in redaction.text


@pytest.mark.parametrize(
    "text",
    ["call 999 now", "and 999 now", "my phone is 07700 900123", "flat 12, 3 Leeds Road LS6 1AB"],
)
def test_ordinary_numbers_pass(firewall: Firewall, text: str) -> None:
    assert firewall.redact(text).text == text


def test_only_the_status_clause_goes(firewall: Firewall) -> None:
    """Given an abuse account with a visa type in it, then the rest stays readable."""
    redaction = firewall.redact("He hit me again and I'm on a spouse visa so I can't leave")
    assert redaction.text == f"He hit me again and {REDACTION_MARK} so I can't leave"
    assert redaction.categories == frozenset({"visa_or_leave"})
    assert redaction.changed


def test_redaction_is_idempotent(firewall: Firewall) -> None:
    for case in load_corpus():
        once = firewall.redact(case.text)
        twice = firewall.redact(once.text)
        assert twice.text == once.text
        assert not twice.changed


def test_removed_words_do_not_survive_in_the_output(firewall: Firewall) -> None:
    text = "I'm Polish, my visa is NRPF, he'll get me deported and keeps my passport"
    redacted = firewall.redact(text).text.casefold()
    for word in ("polish", "visa", "nrpf", "deported", "passport"):
        assert word not in redacted


def test_unchanged_text_reports_nothing(firewall: Firewall) -> None:
    redaction = firewall.redact("he took my phone")
    assert redaction == Redaction("he took my phone", frozenset())
    assert not redaction.changed
    assert not firewall.contains_immigration_detail("he took my phone")
    assert firewall.contains_immigration_detail("I'm an asylum seeker")


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x02\xff\ufffd\ud800 binary \x7f",
        "😀😡🔪🏠" * 50,
        "\u202eوہ مجھے مارتا ہے\u202c",
        "א" * 1000,
        "ـــــ\u200c\u200d\u0301",
        REDACTION_MARK * 3,
    ],
)
def test_odd_input_never_crashes(firewall: Firewall, text: str) -> None:
    redaction = firewall.redact(text)
    assert firewall.redact(redaction.text).text == redaction.text


def test_one_megabyte_of_text(firewall: Firewall) -> None:
    """Given 1 MB of mixed text, when redacted, then it removes every visa and keeps every other
    sentence exactly as a short message would. Its speed is measured by bench/firewall_bench.py."""
    chunk = "he shouted at me in the kitchen and took my spouse visa letter. "
    count = 1_000_000 // len(chunk)
    redaction = firewall.redact(chunk * count)
    assert redaction.text == firewall.redact(chunk).text * count
    assert "visa" not in redaction.text
    assert redaction.text.count("kitchen") == count


def test_unicode_variants_match(firewall: Firewall) -> None:
    """Full-width letters, accents, Arabic letter variants and joiners fold to the same entry."""
    for text in ("ＮＲＰＦ", "deportación", "تاشيرتي", "ویزا", "vi\u200bsa", "pas\u00adsport"):
        assert firewall.contains_immigration_detail(text), text


def test_bad_lexicon_files_raise_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError):
        Firewall.from_directory(tmp_path)
    (tmp_path / "bad.yml").write_text("categories: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(DataFileError):
        Firewall.from_directory(tmp_path)
    (tmp_path / "bad.yml").write_text("categories:\n  status:\n    phrases: ['{nolist}']\n")
    with pytest.raises(DataFileError):
        Firewall.from_directory(tmp_path)
    (tmp_path / "bad.yml").write_text("categories:\n  status:\n    patterns: ['(']\n")
    with pytest.raises(DataFileError):
        Firewall.from_directory(tmp_path)
    (tmp_path / "bad.yml").write_text("categories:\n  weather:\n    phrases: [rain]\n")
    with pytest.raises(DataFileError):
        Firewall.from_directory(tmp_path)


def test_staff_can_extend_a_lexicon(tmp_path: Path) -> None:
    """Given a small lexicon with a list and a bracketed span, then only the bracket goes."""
    (tmp_path / "x.yml").write_text(
        "lists:\n  nat: [ruritanian]\n"
        "categories:\n  nationality_or_origin:\n    phrases: ['i am [{nat}]', 'deport*']\n",
        encoding="utf-8",
    )
    firewall = Firewall.from_directory(tmp_path)
    assert firewall.redact("I am Ruritanian").text == f"I am {REDACTION_MARK}"
    assert firewall.redact("Ruritanian food").text == "Ruritanian food"
    assert firewall.redact("deportation").text == REDACTION_MARK


def test_filter_redacts_line_by_line() -> None:
    stdin = io.StringIO("I'm on a student visa\nhe hit me\n\n")
    stdout = io.StringIO()
    assert run_redaction_filter(stdin, stdout) == 0
    assert stdout.getvalue() == f"{REDACTION_MARK}\nhe hit me\n\n"


# Status words that betray status on their own, in every lexicon language; none may survive in
# any redacted positive (the mark itself, which says "immigration", is not the person's text).
RESIDUE = (
    "seeker", "asylum", "asylm", "tier 2", "tier 4", "dependant", "appeal", "concession",
    "sponsor", "brp", "leave to remain", "leave 2 remain", "indefinite leave", "limited leave",
    "visa", "settled status", "pre-settled", "pre settled", "presettled", "settlement scheme",
    "nrpf", "no recourse", "public funds", "undocumented", "refugee", "home office", "homeoffice",
    "ilr", "euss", "deport", "overstay", "illegal immigrant", "ukvi", "evisa", "e-visa",
    "share code", "sharecode", "passport", "pasport", "passprt", "biometric", "tribunal",
    "skilled worker", "family reunion", "serco", "mears", "aspen card", "section 95",
    "reporting centre", "detention centre", "ddv", "dvilr",
    "azyl", "azil", "asilo", "wiza", "viza", "visto", "visado", "indocumentad", "sin papeles",
    "refugiad", "uchodźc", "paszport", "pasaport", "passaporte", "pasaporte", "deportu",
    "deporta", "inmigraci", "migratori",
    "لجوء", "لاجئ", "فيزا", "فيزت", "تاشير", "جواز", "ترحيل", "هوم اوف", "laje2",
    "ویزا", "ویزہ", "پناہ", "پاسپورٹ", "ہوم آفس", "کاغذات",
    "ਵੀਜ਼ਾ", "ਪਾਸਪੋਰਟ", "ਅਸਾਈਲਮ", "ਡਿਪੋਰਟ",
    "ভিসা", "পাসপোর্ট", "শরণার্থী", "অ্যাসাইলাম", "কাগজপত্র",
    "kaghzat", "wapas bhej", "wapas ghal",
)  # fmt: skip


def test_no_redacted_positive_keeps_a_status_term(firewall: Firewall) -> None:
    """Tuned and held-out positives alike: no residue term is left for anyone to read."""
    leaks = []
    for case in load_corpus():
        if case.positive:
            redacted = firewall.redact(case.text).text.replace(REDACTION_MARK, " ").casefold()
            left = [term for term in RESIDUE if term.casefold() in redacted]
            if left:
                leaks.append((case.split, case.lang, left))
    assert leaks == []


def test_residue_check_can_fail(firewall: Firewall) -> None:
    """The residue list catches what a too-narrow redaction would leave."""
    leftover = "i'm an (immigration detail removed) seeker on tier 2".casefold()
    assert [term for term in RESIDUE if term in leftover] == ["seeker", "tier 2"]


def test_withheld_documents_are_flagged_and_the_abuse_stays_readable(firewall: Firewall) -> None:
    """In every language: taking or hiding documents is flagged, the document is not named and
    the rest of the sentence (who took it) stays; no benign message raises the flag."""
    cases = load_corpus()
    withheld = [case for case in cases if case.withheld and case.split == "tune"]
    assert {case.lang for case in withheld} >= set(LEXICON_LANGUAGES + ROMAN_LANGUAGES)
    for case in withheld:
        redaction = firewall.redact(case.text)
        assert redaction.withheld_documents, case.text
        assert "document" in redaction.categories
        assert redaction.text.strip() != REDACTION_MARK, case.text
    benign = [
        c.text for c in cases if not c.positive and firewall.redact(c.text).withheld_documents
    ]
    assert benign == []
    redaction = firewall.redact("he took my passport and hit me")
    assert redaction.text == f"he took my {REDACTION_MARK} and hit me"
    assert redaction.categories == frozenset({"document"})
    assert firewall.redact("زوجي اخذ جوازي").text == f"زوجي اخذ {REDACTION_MARK}"


def test_held_out_withheld_documents_flagged(firewall: Firewall) -> None:
    """Held-out withholding cases: measured, at most one in ten may miss the flag."""
    cases = [c for c in load_corpus() if c.withheld and c.split == "heldout"]
    missed = [c.text for c in cases if not firewall.redact(c.text).withheld_documents]
    assert len(missed) <= len(cases) // 10, missed


@pytest.mark.parametrize(
    "text",
    ["I need to leave", "he left", "I'm from Manchester", "my appeal to him to stop",
     "my application for a flat", "he took my phone"],
)  # fmt: skip
def test_everyday_words_near_status_words_pass(firewall: Firewall, text: str) -> None:
    assert firewall.redact(text) == Redaction(text, frozenset())


def test_held_out_recall(firewall: Firewall) -> None:
    """The held-out files were written before the lexicons they measure (docs/FIREWALL.md)."""
    report = evaluate(firewall, [case for case in load_corpus() if case.split == "heldout"])
    assert report.overall.positives >= 150
    assert report.overall.recall >= 0.97, len(report.failures)
    assert report.overall.over_redaction <= 0.05


@pytest.mark.parametrize(
    "text",
    ["I want to leave him", "i'm on maternity leave", "my housing appeal was refused",
     "my sponsor at AA", "we went on holiday to Spain", "he took my car keys",
     "i applied for a job", "it's illegal what he does", "i need refuge tonight"],
)  # fmt: skip
def test_hard_benign_messages_pass(firewall: Firewall, text: str) -> None:
    assert firewall.redact(text) == Redaction(text, frozenset())


def test_rules_compile_on_the_rasa_python(firewall: Firewall) -> None:
    """The Rasa server loads the same lexicons on Python 3.10: no possessive quantifier or
    atomic group (3.11 syntax) may appear in a compiled rule."""
    for rule in firewall._lexicon.rules:
        pattern = rule.regex.pattern
        assert "*+" not in pattern and "++" not in pattern and "(?>" not in pattern, pattern
