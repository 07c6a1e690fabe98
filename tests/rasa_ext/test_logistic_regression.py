"""Lantern's intent classifier feeds sklearn exactly the matrix Rasa's own would, in Rasa's own
interpreter (.venv-rasa), and fails loudly if a Rasa upgrade changes what Rasa's own feeds it."""

from __future__ import annotations

from tests.support_rasa import run_in_rasa

CHECK = r"""
import inspect
import numpy as np
from scipy.sparse import coo_matrix, random as sparse_random
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier as Rasa,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from bot.rasa_ext.logistic_regression import LogisticRegressionClassifier as Lantern

# What Lantern's replaces must still take the combined sentence features, sparse and dense.
source = inspect.getsource(Rasa._create_X)
assert "get_sparse_features(attribute=TEXT)[1]" in source, source
assert "get_dense_features(attribute=TEXT)[1]" in source, source
assert Rasa._create_training_matrix is Lantern._create_training_matrix
assert "self._create_X(" in inspect.getsource(Rasa.process)

rng = np.random.default_rng(7)

def sparse(kind, origin, rows, columns, dtype, attribute="text"):
    matrix = sparse_random(rows, columns, density=0.3, format="coo", random_state=rng)
    return Features(coo_matrix(matrix.astype(dtype)), kind, attribute, origin)

def message(tokens, with_dense=False, origins=("words", "pairs", "characters")):
    features = []
    for n, origin in enumerate(origins):
        dtype = np.int64 if n % 2 == 0 else np.float32  # Rasa's featurisers differ in type
        features.append(sparse("sequence", origin, tokens, 40 + n, dtype))
        features.append(sparse("sentence", origin, 1, 40 + n, dtype))
    # Features of another attribute must stay out, as in Rasa's.
    features.append(sparse("sentence", "words", 1, 9, np.int64, attribute="action_name"))
    if with_dense:
        features.append(Features(rng.random((1, 5)), "sentence", "text", "dense"))
    return Message(data={"text": "x " * tokens}, features=features)

cases = [
    [message(3)],
    [message(1), message(7), message(2)],
    [message(4, with_dense=True), message(2, with_dense=True)],
    [message(5, origins=("words",))],
]
for messages in cases:
    rasa = object.__new__(Rasa)._create_X(messages)
    ours = object.__new__(Lantern)._create_X(messages)
    assert type(ours) is type(rasa) and ours.dtype == rasa.dtype, (type(ours), ours.dtype)
    assert ours.shape == rasa.shape and (ours != rasa).nnz == 0, (ours.shape, rasa.shape)
    assert np.array_equal(ours.toarray(), rasa.toarray())
print("same", len(cases))
"""


def test_the_classifier_gets_exactly_rasas_matrix() -> None:
    # Given messages with sequence and sentence features from several featurizers, some dense
    result = run_in_rasa(CHECK)
    # Then Lantern's input matrix equals Rasa's in type, dtype, shape and every value
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("same 4")
