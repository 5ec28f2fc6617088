"""Image classification: colour, gradient and texture features (Pillow/NumPy) + a linear model.

Hand-made features (:mod:`.image_features`) and a multinomial logistic regression on their
standardised values: no pretrained network to download, nothing but scikit-learn to install,
seconds to train on a project's few hundred final answers. Large data sets with subtle classes
deserve a real network behind the outside-model endpoint; this is the built-in baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ._base import ClassModel, check_training_labels, fit_quietly
from .image_features import images_features


class ImageClassifier(ClassModel):
    """Image features at ``size`` px (longer side) pooled over ``grids`` + logistic regression.

    ``fit``/``predict_proba`` take decoded images (``PIL.Image.Image`` or arrays) or the 2-D
    array of their :meth:`features`; the ``*_features`` variants take feature rows only. A caller
    that keeps features per item (or retrains often, or cross-validates) computes them once.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> dark = [rng.uniform(0.0, 0.3, (24, 24, 3)) for _ in range(6)]
        >>> light = [rng.uniform(0.7, 1.0, (24, 24, 3)) for _ in range(6)]
        >>> model = ImageClassifier().fit(dark + light, ["dark"] * 6 + ["light"] * 6)
        >>> model.predict([np.full((30, 20, 3), 0.9)])
        ['light']
    """

    kind: ClassVar[str] = "image_classification"

    def __init__(
        self,
        size: int = 256,
        grids: tuple[int, ...] = (4, 8, 16),
        C: float = 0.3,
        max_iter: int = 3000,
    ) -> None:
        self.size = size
        self.grids = grids
        self.C = C
        self.max_iter = max_iter

    def features(self, X: Sequence[Any]) -> NDArray[np.float64]:
        """Feature rows of decoded images (see :func:`.image_features.image_features`).

        A 2-D float array is taken as feature rows already computed and returned as it is, so
        that ``cross_val_accuracy(ImageClassifier(), model.features(images), y)`` extracts the
        features once rather than once per fold (an image is never a row: a sequence of
        images is a list or a 3-D/4-D array).
        """
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind == "f":
            return X.astype(np.float64, copy=False)
        return images_features(X, self.size, self.grids)

    def fit(self, X: Sequence[Any], y: Sequence[str]) -> ImageClassifier:
        """Learn from decoded images and their final labels."""
        return self.fit_features(self.features(X), y)

    def fit_features(self, F: NDArray[np.float64], y: Sequence[str]) -> ImageClassifier:
        """Learn from feature rows (:meth:`features`) and their final labels."""
        labels = check_training_labels(y, len(F))
        self.pipeline_: Pipeline = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter)
        )
        fit_quietly(self.pipeline_, F, labels)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: Sequence[Any]) -> NDArray[np.float64]:
        """Probability of each class (columns in ``classes_`` order) for each image."""
        return self.predict_proba_features(self.features(X))

    def predict_proba_features(self, F: NDArray[np.float64]) -> NDArray[np.float64]:
        if len(F) == 0:
            return np.zeros((0, len(self.classes_)))
        return np.asarray(self.pipeline_.predict_proba(F), dtype=np.float64)
