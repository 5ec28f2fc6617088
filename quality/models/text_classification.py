"""Text classification: character n-gram TF-IDF and logistic regression.

Character n-grams need no word segmenter, so Chinese and English work manuscripts are read the
same way (W. B. Cavnar and J. M. Trenkle, "N-Gram-Based Text Categorization", SDAIR 1994;
for Chinese without segmentation: F. Peng, D. Schuurmans and S. Wang, "Language and Task
Independent Text Categorization with Simple Language Models", HLT-NAACL 2003,
https://aclanthology.org/N03-1025). TF-IDF weighting (K. Sparck Jones, "A statistical
interpretation of term specificity and its application in retrieval", Journal of
Documentation 28(1):11-21, 1972, https://doi.org/10.1108/eb026526) with sublinear term
frequency, then multinomial logistic regression, whose probabilities feed the pre-label score
and the uncertainty of active learning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ._base import ClassModel, check_training_labels, fit_quietly


class TextClassifier(ClassModel):
    """Character n-gram TF-IDF (``char_wb``, 1-3 by default) + logistic regression.

    Example:
        >>> texts = ["主轴轴承异响", "液压站漏油", "bearing noise", "oil leak at the pump"] * 3
        >>> model = TextClassifier().fit(texts, ["wear", "leak", "wear", "leak"] * 3)
        >>> model.predict(["轴承有异响", "hydraulic oil leak"])
        ['wear', 'leak']
    """

    kind: ClassVar[str] = "text_classification"

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
        max_features: int | None = 300_000,
        C: float = 10.0,
        max_iter: int = 2000,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: Sequence[str], y: Sequence[str]) -> TextClassifier:
        """Learn the vocabulary and the classifier from texts and their final labels."""
        labels = check_training_labels(y, len(X))
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.ngram_range,
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        )
        features = self.vectorizer_.fit_transform(list(X))
        self.classifier_ = LogisticRegression(C=self.C, max_iter=self.max_iter)
        fit_quietly(self.classifier_, features, labels)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, X: Sequence[str]) -> NDArray[np.float64]:
        """Probability of each class (columns in ``classes_`` order) for each text."""
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        proba = self.classifier_.predict_proba(self.vectorizer_.transform(list(X)))
        return np.asarray(proba, dtype=np.float64)
