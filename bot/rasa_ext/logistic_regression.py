"""Rasa's LogisticRegressionClassifier with its regularisation strength configurable.

Rasa 3.6 builds sklearn's ``LogisticRegression`` with a fixed ``C`` of 1 and ignores a ``C`` in
config.yml; this subclass passes it through. Everything else (features, persistence, ranking)
is Rasa's own.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier as RasaLogisticRegressionClassifier,
)


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
