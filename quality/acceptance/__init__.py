"""Acceptance sampling by lot (验收): ISO 2859-1:1999 / GB/T 2828.1-2012 single sampling.

``single_sampling_plan`` gives a lot its plan (code letter, n, Ac, Re) from Table 1 and the master
tables 2-A/2-B/2-C; ``record_lot`` / ``next_severity`` apply the switching rules of clause 9 to a
stream of lots. The tables live in ``tables.py`` with the sources they were checked against.

    from quality.acceptance import single_sampling_plan
    single_sampling_plan(1000, level="II", aql="1.0").to_dict()
"""

from .plans import (
    PERCENT_NONCONFORMING_AQLS,
    STANDARD,
    AcceptanceInputError,
    InvalidLotSize,
    PlanOutOfTables,
    SamplingPlan,
    normalize_aql,
    normalize_level,
    normalize_severity,
    resolve_cell,
    sample_size_code_letter,
    single_sampling_plan,
)
from .switching import (
    DISCONTINUED,
    STATES,
    SWITCHING_SCORE_LIMIT,
    SwitchingState,
    between_lots,
    next_severity,
    record_lot,
    resume,
    switching_score_after,
)
from .tables import AQLS, LEVELS, SEVERITIES

__all__ = [
    "AQLS",
    "DISCONTINUED",
    "LEVELS",
    "PERCENT_NONCONFORMING_AQLS",
    "SEVERITIES",
    "STANDARD",
    "STATES",
    "SWITCHING_SCORE_LIMIT",
    "AcceptanceInputError",
    "InvalidLotSize",
    "PlanOutOfTables",
    "SamplingPlan",
    "SwitchingState",
    "between_lots",
    "next_severity",
    "normalize_aql",
    "normalize_level",
    "normalize_severity",
    "record_lot",
    "resolve_cell",
    "resume",
    "sample_size_code_letter",
    "single_sampling_plan",
    "switching_score_after",
]
