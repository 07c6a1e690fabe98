"""The README's table of languages: held-out NLU accuracy, safety recall, firewall recall and who
checked each language, measured now.

Run ``make nlu-languages`` first (it writes var/results/nlu_by_language.json), then
``.venv/bin/python bench/languages_table.py``. Safety and firewall figures are computed here from
the held-out cases of tests/data (the `heldout` split of every corpus, in that language).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The path line above makes the checkout importable when run as a script.
from bot.core.config import PROJECT_ROOT
from bot.core.firewall import default_firewall
from bot.core.firewall_eval import evaluate, load_corpus
from bot.core.languages import BY_CODE, LANGUAGES
from bot.core.locale import catalogues
from bot.core.safety import SafetySignal, default_safety_net

NLU_RESULTS = PROJECT_ROOT / "var" / "results" / "nlu_by_language.json"
# Older English-era corpora label these variants by script; the language is the same.
ALSO = {"pa-Arab": ("pa-shahmukhi",), "ur": ("ur-roman",), "pa": ("pa-roman",)}


def _safety(code: str) -> str:
    net, hits, total, alarms, calm = default_safety_net(), 0, 0, 0, 0
    for path in sorted((PROJECT_ROOT / "tests" / "data").glob("safety_corpus*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            if case["split"] != "heldout" or case["lang"] not in (code, *ALSO.get(code, ())):
                continue
            got = net.check(case["text"])
            if case["expect"] == "none":
                calm += 1
                alarms += got is not None
            else:
                total += 1
                hits += got == SafetySignal(case["expect"])
    if not total:
        return "no held-out cases"
    return f"{hits}/{total}, false alarms {alarms}/{calm}"


def _firewall(code: str) -> str:
    cases = [
        case
        for case in load_corpus()
        if case.split == "heldout" and case.lang in (code, *ALSO.get(code, ()))
    ]
    score = evaluate(default_firewall(), cases).overall
    return f"{score.recalled}/{score.positives}, benign changed {score.changed}/{score.benign}"


def main() -> None:
    nlu = json.loads(NLU_RESULTS.read_text(encoding="utf-8")) if NLU_RESULTS.exists() else {}
    shipped = catalogues()
    print("| language | NLU held-out accuracy | safety held-out | firewall held-out | checked by |")
    print("|---|---|---|---|---|")
    for language in (BY_CODE["en"], *(lang for lang in LANGUAGES if lang.code != "en")):
        if language.code not in shipped:
            continue
        result = nlu.get(language.code, {})
        accuracy = f"{result['accuracy']:.3f} ({result['examples']})" if result else "not measured"
        print(
            f"| {language.endonym} ({language.code}) | {accuracy} | {_safety(language.code)} "
            f"| {_firewall(language.code)} | {shipped[language.code].review} |"
        )


if __name__ == "__main__":
    main()
