"""Cost of two per-turn steps, Rasa's own against Lantern's (bot/rasa_ext/): finding the class of
each stored event when a tracker is rebuilt (event_lookup.py), and building the intent
classifier's input for one message (logistic_regression.py). Without cProfile, which overstates
Python-heavy code like this. Run in Rasa's interpreter:

    PYTHONPATH=. .venv-rasa/bin/python bench/rasa_ext_bench.py
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

import numpy as np
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier as RasaClassifier,
)
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import random as sparse_random

from bot.rasa_ext import event_lookup
from bot.rasa_ext.logistic_regression import LogisticRegressionClassifier

# A tracker five form turns into a conversation, as Lantern's store keeps it: 32 events.
TURN = [
    UserUttered("x", {"name": "inform", "confidence": 1.0}),
    SlotSet("incident_type", "physical"),
    ActionExecuted("validate_report_form"),
    ActiveLoop("report_form"),
    BotUttered("When did it last happen?", {}),
    ActionExecuted("action_listen"),
]
STORED = [e.as_dict() for e in [ActionExecuted("action_session_start"), SessionStarted()]]
STORED += [e.as_dict() for e in TURN] * 5
# One message of 8 tokens; five featurizers with column counts of the kind a regex, a
# word-shape, a word, a word-pair and a character n-gram featurizer give (chosen, not read from
# the model), a few non-zero entries a row.
COLUMNS = {"regex": 40, "shapes": 300, "words": 8_000, "pairs": 30_000, "chars": 60_000}


def best_ms(step: Callable[[], object], number: int = 200) -> float:
    return min(timeit.repeat(step, number=number, repeat=7)) / number * 1000


def message() -> Message:
    rng = np.random.default_rng(1)
    features = []
    for origin, columns in COLUMNS.items():
        for kind, rows in (("sequence", 8), ("sentence", 1)):
            matrix = sparse_random(rows, columns, density=6 / columns, random_state=rng)
            features.append(Features(matrix, kind, "text", origin))
    return Message(data={"text": "a b c d e f g h"}, features=features)


if __name__ == "__main__":
    rasa_rebuild = best_ms(lambda: deserialise_events(STORED))
    event_lookup.install()
    table_rebuild = best_ms(lambda: deserialise_events(STORED))
    print(f"{len(STORED)} stored events, Rasa's lookup: {rasa_rebuild:.2f} ms a rebuild")
    print(f"{len(STORED)} stored events, the table:     {table_rebuild:.2f} ms a rebuild")
    messages = [message()]
    rasa_x = best_ms(lambda: object.__new__(RasaClassifier)._create_X(messages))
    ours_x = best_ms(lambda: object.__new__(LogisticRegressionClassifier)._create_X(messages))
    print(f"classifier input, Rasa's:    {rasa_x:.2f} ms a message")
    print(f"classifier input, Lantern's: {ours_x:.2f} ms a message")
