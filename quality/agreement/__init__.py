"""Agreement between annotators on categorical (and numeric) answers, missing answers allowed.

``ratings`` is always annotators × items (list of lists or 2-D array) with None or NaN for
"no answer"; see SPEC "The public surface of quality/".
"""

from .cohen_kappa import cohen_kappa, cohen_kappa_matrix
from .fleiss_kappa import counts_table, fleiss_kappa
from .krippendorff_alpha import krippendorff_alpha, krippendorff_alpha_ci
from .percent_agreement import percent_agreement

__all__ = [
    "cohen_kappa",
    "cohen_kappa_matrix",
    "counts_table",
    "fleiss_kappa",
    "krippendorff_alpha",
    "krippendorff_alpha_ci",
    "percent_agreement",
]
