"""Rasa's LogisticRegressionClassifier with its regularisation strength configurable.

Rasa 3.6 builds sklearn's ``LogisticRegression`` with a fixed ``C`` of 1 and ignores a ``C`` in
config.yml; this subclass passes it through. It also builds the classifier's input from the
sentence features alone (``_create_X``): Rasa's own asks each message for its combined sparse
features, which deep-copies and joins every featurizer's per-token sequence features too, only to
drop them; that was most of the classifier's time in a turn (docs/PERFORMANCE.md). The matrix is
the same, column for column, in value, type and shape; tests/rasa_ext/test_logistic_regression.py
compares the two and fails loudly if a Rasa upgrade changes what Rasa's own feeds the classifier.
Everything else (persistence, ranking) is Rasa's own.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier as RasaLogisticRegressionClassifier,
)
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionClassifier(RasaLogisticRegressionClassifier):
    """The same classifier, with ``C`` read from the component's config."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**RasaLogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def _create_X(self, messages: list[Message]) -> Any:  # noqa: N802 - Rasa's name
        rows = []
        for message in messages:
            sentence = [
                feature.features
                for feature in message.features
                if feature.attribute == TEXT
                and feature.is_sparse()
                and feature.type == FEATURE_TYPE_SENTENCE
            ]
            dense = message.get_dense_features(attribute=TEXT)[1]
            # The same two blocks as Rasa's, the sparse one joined once instead of pairwise.
            rows.append(
                hstack(
                    [
                        csr_matrix(hstack(sentence) if sentence else []),
                        csr_matrix(dense.features if dense else []),
                    ]
                )
            )
        return vstack(rows)
