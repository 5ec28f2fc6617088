"""Built-in models trained on a project's final answers: pre-labels and active learning.

One estimator per project kind, with scikit-learn conventions (``fit(X, y) -> self``, fitted
state with a trailing underscore, ``predict``, ``score``) and three platform methods:
``prelabels(X)`` (the SPEC result shape with a score), ``uncertainty(X, method)`` (margin or
entropy in [0, 1], for ``ordering = uncertainty``). Inputs are texts or decoded images (PIL or
arrays); nothing here reads files, a database or another organization's data.

    from quality.models import new_model, training_targets, dump_model, load_model
    model = new_model("text_classification").fit(texts, training_targets(kind, results))
    blob = dump_model(model)                      # bytes for the database or media store
    load_model(blob, kind="text_classification").prelabels(new_texts)
"""

from .evaluation import cross_val_accuracy, micro_box_f1, micro_span_f1
from .image_boxes import ImageBoxDetector
from .image_classification import ImageClassifier
from .image_features import image_features, images_features
from .nms import non_max_suppression
from .registry import INPUTS, MODELS, new_model, training_targets
from .serialization import FORMAT_VERSION, ModelLoadError, dump_model, load_model, read_header
from .text_classification import TextClassifier
from .text_spans import TextSpanTagger
from .training_data import answers_needed
from .uncertainty import entropy_uncertainty, margin_uncertainty, uncertainty

__all__ = [
    "FORMAT_VERSION",
    "INPUTS",
    "MODELS",
    "ImageBoxDetector",
    "ImageClassifier",
    "ModelLoadError",
    "TextClassifier",
    "TextSpanTagger",
    "answers_needed",
    "cross_val_accuracy",
    "dump_model",
    "entropy_uncertainty",
    "image_features",
    "images_features",
    "load_model",
    "margin_uncertainty",
    "micro_box_f1",
    "micro_span_f1",
    "new_model",
    "non_max_suppression",
    "read_header",
    "training_targets",
    "uncertainty",
]
