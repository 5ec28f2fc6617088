"""Single sampling plans of ISO 2859-1:1999 (= GB/T 2828.1-2012) for one lot of items.

Why a standard plan instead of "inspect 10 %": the plan fixes how many items of a lot the
client inspects (n) and how many nonconforming items it tolerates (Ac) so that lots whose quality
is at the agreed acceptance quality limit (AQL) are accepted most of the time, and both sides can
look the numbers up in a published table instead of arguing about them.

Standard: ISO 2859-1:1999, "Sampling procedures for inspection by attributes -- Part 1: Sampling
schemes indexed by acceptance quality limit (AQL) for lot-by-lot inspection", 2nd ed.,
International Organization for Standardization, Geneva, 1999-11-15; adopted identically as
GB/T 2828.1-2012 (计数抽样检验程序 第1部分), IS 2500 (Part 1):2000 and JIS Z 9015-1:2006.
Its Table 1 and master Tables 2-A/2-B are those of ANSI/ASQ Z1.4-2003 and MIL-STD-105E; see
``tables.py`` for the sources the literals were checked against and the differences found.

Procedure, as the standard gives it:

1. Table 1 gives the sample-size code letter of the lot size and inspection level (clause 10.2).
2. The code letter's row and the AQL's column of the master table of the current severity
   (2-A normal, 2-B tightened, 2-C reduced) give Ac and Re, or an arrow. "When no sampling plan
   is available for a given combination of AQL and code letter, the tables direct the user to a
   different letter. The sample size to be used is given by the new code letter, not by the
   original letter" (clause 10.3): we follow the arrow to the first plan below (``v``) or above
   (``^``) and take that plan's code letter, sample size, Ac and Re.
3. "If sample size equals, or exceeds, lot size, carry out 100 % inspection" (footnote of Tables
   2-A/2-B/2-C). The standard prescribes nothing more for that case; we keep the plan's Ac and Re,
   applied to the count of nonconforming items in the whole lot, and report
   ``sample_size = lot_size``, ``full_inspection = True`` and the tabulated n in
   ``table_sample_size``.

Table 1 starts at lot size 2; a lot of one item is looked up in the 2-8 row and always ends in
100 % inspection, since every plan has n >= 2. AQLs above 10 are defined only for nonconformities
per 100 items (clause 5); for counts of nonconforming items use ``PERCENT_NONCONFORMING_AQLS``.
"""

from __future__ import annotations

import operator
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .tables import AQLS, CODE_LETTERS, LEVELS, MASTER_TABLES, SEVERITIES

STANDARD = "ISO 2859-1:1999 (GB/T 2828.1-2012), single sampling"
PERCENT_NONCONFORMING_AQLS = AQLS[: AQLS.index("10") + 1]
"""AQLs that may be stated as percent nonconforming items (clause 5: 10 or less)."""

_AQL_BY_VALUE = {Decimal(a): a for a in AQLS}
_DECIMAL_TEXT = re.compile(r"\d+(\.\d+)?")


class AcceptanceInputError(ValueError):
    """An input the standard does not cover; ``field`` names the argument (for a 422 answer)."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.value = value


class PlanOutOfTables(AcceptanceInputError):
    """A level, AQL or severity that is not in the tables; ``allowed`` lists the values that are."""

    def __init__(self, field: str, value: object, allowed: tuple[str, ...]) -> None:
        super().__init__(field, value, f"{value!r} is not in the tables; allowed: {allowed}")
        self.allowed = allowed


class InvalidLotSize(AcceptanceInputError):
    """A lot size that is not a whole number of at least one item."""

    def __init__(self, value: object) -> None:
        super().__init__("lot_size", value, f"{value!r} is not an integer >= 1")


@dataclass(frozen=True)
class SamplingPlan:
    """One lot's single sampling plan: inspect ``sample_size`` items, accept the lot when at most
    ``accept`` are nonconforming, reject it from ``reject`` on.

    ``code_letter`` is the letter of the plan actually used (after following arrows);
    ``initial_code_letter`` is the letter Table 1 gives for the lot. ``table_sample_size`` is the
    tabulated n, which ``sample_size`` equals unless the plan asks for 100 % inspection.
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    severity: str
    level: str
    aql: str
    lot_size: int
    full_inspection: bool
    initial_code_letter: str
    table_sample_size: int

    def accepts(self, nonconforming: int) -> bool:
        """Accepted (True) with ``nonconforming`` items (or nonconformities) in the sample."""
        count = operator.index(nonconforming)
        if count < 0:
            raise ValueError("the number of nonconforming items cannot be negative")
        return count <= self.accept

    def to_dict(self) -> dict[str, Any]:
        """Plain fields plus the ``standard`` the plan comes from (for manifests and the API)."""
        return {**asdict(self), "standard": STANDARD}


def normalize_level(level: object) -> str:
    """``"ii"`` or ``" II "`` -> ``"II"``; a level that is not a column of Table 1 is refused."""
    name = level.strip().upper() if isinstance(level, str) else level
    if name not in LEVELS:
        raise PlanOutOfTables("level", level, LEVELS)
    return str(name)


def normalize_severity(severity: object) -> str:
    """``"Normal"`` -> ``"normal"``; only normal, tightened and reduced have master tables."""
    name = severity.strip().lower() if isinstance(severity, str) else severity
    if name not in SEVERITIES:
        raise PlanOutOfTables("severity", severity, SEVERITIES)
    return str(name)


def normalize_aql(aql: object) -> str:
    """The table's spelling of an AQL given as a string, float, int or Decimal.

    ``"1"``, ``1.0`` and ``Decimal("1.00")`` all give ``"1.0"``; ``0.1`` gives ``"0.10"``. Values
    are compared exactly (as decimals), so 0.6 or 2.0 are refused rather than rounded to a column.

    Example:
        >>> normalize_aql(0.65), normalize_aql("10"), normalize_aql(0.01)
        ('0.65', '10', '0.010')
    """
    if isinstance(aql, bool) or not isinstance(aql, str | int | float | Decimal):
        raise PlanOutOfTables("aql", aql, AQLS)
    if isinstance(aql, str) and not _DECIMAL_TEXT.fullmatch(aql.strip()):
        raise PlanOutOfTables("aql", aql, AQLS)
    try:
        text = aql.strip() if isinstance(aql, str) else repr(aql) if isinstance(aql, float) else aql
        value = Decimal(text)
    except (InvalidOperation, ValueError):  # pragma: no cover - the pattern above rules these out
        raise PlanOutOfTables("aql", aql, AQLS) from None
    canonical = _AQL_BY_VALUE.get(value) if value.is_finite() else None
    if canonical is None:
        raise PlanOutOfTables("aql", aql, AQLS)
    return canonical


def _check_lot_size(lot_size: Any) -> int:
    if isinstance(lot_size, bool):
        raise InvalidLotSize(lot_size)
    try:
        size = operator.index(lot_size)
    except TypeError:
        raise InvalidLotSize(lot_size) from None
    if size < 1:
        raise InvalidLotSize(lot_size)
    return size


def sample_size_code_letter(lot_size: int, *, level: str = "II") -> str:
    """Table 1: the sample-size code letter of a lot size at an inspection level.

    Example:
        >>> sample_size_code_letter(1000), sample_size_code_letter(1000, level="S-3")
        ('J', 'E')
    """
    size = _check_lot_size(lot_size)
    column = LEVELS.index(normalize_level(level))
    for upper, letters in CODE_LETTERS:
        if upper is None or size <= upper:
            return letters[column]
    raise AssertionError("Table 1 has an open last row")  # pragma: no cover


def resolve_cell(severity: str, code_letter: str, aql: object) -> tuple[str, int, int]:
    """Follow the master table from (code letter, AQL) to a plan: ``(letter, n, Ac)``.

    Re is Ac + 1 for every single sampling plan of the 1999 tables.
    """
    table = MASTER_TABLES[normalize_severity(severity)]
    column = AQLS.index(normalize_aql(aql))
    row = table.letters.index(code_letter)
    while True:
        cell = table.cells[row][column]
        if cell == "v":
            row += 1
        elif cell == "^":
            row -= 1
        elif cell == ".":
            raise AssertionError(f"table {table.name}: arrow into a blank cell")  # pragma: no cover
        else:
            return table.letters[row], table.sample_sizes[row], int(cell)


def single_sampling_plan(
    lot_size: int, *, level: str = "II", aql: float | str = 1.0, severity: str = "normal"
) -> SamplingPlan:
    """The ISO 2859-1 single sampling plan for a lot (Table 1, then Table 2-A, 2-B or 2-C).

    Raises ``PlanOutOfTables`` (field ``level``, ``aql`` or ``severity`` with the allowed values)
    or ``InvalidLotSize``; both are ``ValueError``.

    Example:
        >>> plan = single_sampling_plan(1000, level="II", aql="1.0")
        >>> plan.code_letter, plan.sample_size, plan.accept, plan.reject
        ('J', 80, 2, 3)
        >>> p = single_sampling_plan(150, aql=1.0)  # F row: arrow up to E
        >>> p.initial_code_letter, p.code_letter, p.sample_size, p.accept, p.reject
        ('F', 'E', 13, 0, 1)
        >>> small = single_sampling_plan(8, aql=0.65)  # arrow down to F, n = 20 >= 8
        >>> small.code_letter, small.sample_size, small.full_inspection, small.accept
        ('F', 8, True, 0)
    """
    size = _check_lot_size(lot_size)
    level_name = normalize_level(level)
    aql_name = normalize_aql(aql)
    severity_name = normalize_severity(severity)
    initial = sample_size_code_letter(size, level=level_name)
    letter, n, accept = resolve_cell(severity_name, initial, aql_name)
    full = n >= size
    return SamplingPlan(
        code_letter=letter,
        sample_size=size if full else n,
        accept=accept,
        reject=accept + 1,
        severity=severity_name,
        level=level_name,
        aql=aql_name,
        lot_size=size,
        full_inspection=full,
        initial_code_letter=initial,
        table_sample_size=n,
    )
