"""ISO 2859-1 single sampling plans and switching rules, checked against published figures.

Every expected plan is read from a published reproduction of the tables, named per case:

* NIBS: MIL-STD-105E Tables II-A/II-B as reproduced at http://www.nibs.org/FMOC/DPW_AC/AC-TABLE.ASC
  (Table 1-A normal, 1-B tightened; rejection numbers and arrows for letters A-Q, AQL 0.65-15).
* SEED: a public transcription of GB/T 2828.1-2012 checked against SQC Online's ISO 2859-1
  calculator (a NocoBase seed script: normal 0.65-4.0, tightened and reduced 1.0 and 2.5).
* GB: a public cell-by-cell transcription of GB/T 2828.1-2012 Tables 2-A/2-B/2-C.
* VERIFY: the "publicly checkable" GB/T 2828.1-2012 Table 2-A points listed in a public
  verification script (lot, AQL -> letter, n, Ac).
* PLOS: D. Jenkins, R. Peck, A. Fernando (2023), figure data from ISO 2859-1:1999,
  https://plos.figshare.com/articles/figure/22583454 (lots of 35 001-500 000).
* ISO28590: ISO 28590:2017 (introduction): n = 8, Ac = 0 is the plan of AQL 1.5 normal and of
  AQL 0.65 reduced in ISO 2859-1:1999 Tables 2-A and 2-C.
* CHART: the Table I chart (ANSI/ASQC Z1.4 / MIL-STD-105E / ISO 2859) at
  https://pdfcoffee.com/aql-sampling-chart-pdf-free.html.
* The switching rules are checked against ISO 2859-1:1999 clause 9 as summarised by
  https://www.sqconline.com/switching-rules-iso-2859-1 ("2 of 5 or fewer consecutive batches not
  accepted", "5 consecutive batches accepted", "switching score value is at least 30",
  "1 batch not accepted", "5 batches not accepted while on tightened inspection").
"""

from __future__ import annotations

import doctest

import pytest

from quality.acceptance import (
    AQLS,
    DISCONTINUED,
    LEVELS,
    AcceptanceInputError,
    InvalidLotSize,
    PlanOutOfTables,
    SwitchingState,
    between_lots,
    next_severity,
    normalize_aql,
    plans,
    record_lot,
    resolve_cell,
    resume,
    sample_size_code_letter,
    single_sampling_plan,
    switching,
    switching_score_after,
)
from quality.acceptance.tables import MASTER_TABLES

N, T, R = "normal", "tightened", "reduced"

# (lot size, level, AQL, severity) -> (Table 1 letter, plan letter, n used, Ac, Re, 100 %), source
PUBLISHED = [
    ((1000, "II", "1.0", N), ("J", "J", 80, 2, 3, False), "NIBS, VERIFY, SEED"),
    ((150, "II", "1.0", N), ("F", "E", 13, 0, 1, False), "arrow up; NIBS, VERIFY, SEED"),
    ((500, "II", "0.65", N), ("H", "J", 80, 1, 2, False), "arrow down; NIBS, VERIFY"),
    ((80, "II", "0.65", N), ("E", "F", 20, 0, 1, False), "arrow down; NIBS, VERIFY, SEED"),
    ((200, "II", "1.0", N), ("G", "H", 50, 1, 2, False), "arrow down; NIBS, SEED"),
    ((2000, "II", "2.5", N), ("K", "K", 125, 7, 8, False), "NIBS, SEED"),
    ((600000, "II", "2.5", N), ("Q", "N", 500, 21, 22, False), "two rows up; NIBS, SEED"),
    ((300, "II", "2.5", N), ("H", "H", 50, 3, 4, False), "NIBS, SEED, VERIFY"),
    ((3000, "II", "1.0", N), ("K", "K", 125, 3, 4, False), "NIBS, VERIFY"),
    ((10000, "II", "0.65", N), ("L", "L", 200, 3, 4, False), "NIBS, VERIFY"),
    ((5, "II", "6.5", N), ("A", "A", 2, 0, 1, False), "NIBS"),
    ((5, "II", "4.0", N), ("A", "B", 3, 0, 1, False), "arrow down; NIBS"),
    ((12, "II", "6.5", N), ("B", "A", 2, 0, 1, False), "arrow up; NIBS"),
    ((40, "II", "1.5", N), ("D", "D", 8, 0, 1, False), "NIBS, ISO28590"),
    ((40, "II", "10", N), ("D", "D", 8, 2, 3, False), "NIBS"),
    ((20, "II", "15", N), ("C", "C", 5, 2, 3, False), "NIBS"),
    ((400000, "II", "1.0", N), ("P", "P", 800, 14, 15, False), "NIBS"),
    ((100000, "II", "4.0", N), ("N", "M", 315, 21, 22, False), "arrow up; NIBS, SEED"),
    ((20000, "II", "6.5", N), ("M", "L", 200, 21, 22, False), "arrow up; NIBS"),
    ((100000, "S-4", "0.65", N), ("J", "J", 80, 1, 2, False), "PLOS"),
    ((100000, "S-3", "0.65", N), ("G", "F", 20, 0, 1, False), "arrow up; PLOS"),
    ((100000, "S-4", "0.40", N), ("J", "K", 125, 1, 2, False), "arrow down; PLOS"),
    ((100000, "S-3", "0.40", N), ("G", "G", 32, 0, 1, False), "PLOS"),
    ((100000, "S-4", "0.25", N), ("J", "H", 50, 0, 1, False), "arrow up; PLOS"),
    ((100000, "S-4", "0.15", N), ("J", "J", 80, 0, 1, False), "PLOS"),
    ((1000, "S-2", "2.5", N), ("C", "C", 5, 0, 1, False), "CHART, NIBS"),
    ((1000, "S-1", "4.0", N), ("C", "B", 3, 0, 1, False), "arrow up; CHART, NIBS"),
    ((1000, "I", "2.5", N), ("G", "G", 32, 2, 3, False), "CHART, NIBS"),
    ((1000, "III", "1.0", N), ("K", "K", 125, 3, 4, False), "CHART, NIBS"),
    ((5, "II", "1000", N), ("A", "A", 2, 30, 31, False), "GB; CHART shows 30/31"),
    ((12, "II", "1000", N), ("B", "B", 3, 44, 45, False), "GB; CHART shows 44/45"),
    ((10**6, "III", "0.025", T), ("R", "S", 3150, 1, 2, False), "row S of 2-B; GB only"),
    ((2000, "II", "2.5", T), ("K", "K", 125, 5, 6, False), "NIBS, SEED"),
    ((200, "II", "2.5", T), ("G", "G", 32, 1, 2, False), "NIBS, SEED"),
    ((200, "II", "1.0", T), ("G", "J", 80, 1, 2, False), "two rows down; NIBS, SEED"),
    ((1000, "II", "1.0", T), ("J", "J", 80, 1, 2, False), "NIBS, SEED"),
    ((100, "II", "1.0", T), ("F", "F", 20, 0, 1, False), "NIBS, SEED"),
    ((3000, "II", "1.0", T), ("K", "K", 125, 2, 3, False), "NIBS, SEED"),
    ((600000, "II", "2.5", T), ("Q", "N", 500, 18, 19, False), "two rows up; SEED, GB"),
    ((400, "II", "2.5", T), ("H", "H", 50, 2, 3, False), "NIBS, SEED"),
    ((1000, "II", "1.0", R), ("J", "J", 32, 1, 2, False), "SEED, GB"),
    ((5, "II", "2.5", R), ("A", "C", 2, 0, 1, False), "two rows down; SEED, GB"),
    ((20000, "II", "1.0", R), ("M", "M", 125, 5, 6, False), "SEED, GB"),
    ((100000, "II", "1.0", R), ("N", "N", 200, 6, 7, False), "SEED, GB"),
    ((300000, "II", "1.0", R), ("P", "P", 315, 8, 9, False), "SEED, GB"),
    ((600000, "II", "1.0", R), ("Q", "Q", 500, 10, 11, False), "SEED, GB"),
    ((150, "II", "0.65", R), ("F", "F", 8, 0, 1, False), "ISO28590, GB"),
    ((100, "II", "1.0", R), ("F", "E", 5, 0, 1, False), "arrow up; SEED, GB"),
    ((400, "II", "1.0", R), ("H", "J", 32, 1, 2, False), "two rows down; SEED, GB"),
    ((10000, "II", "2.5", R), ("L", "L", 80, 6, 7, False), "SEED, GB"),
    ((1000, "I", "1.0", R), ("G", "J", 32, 1, 2, False), "two rows down; CHART, SEED, GB"),
    ((1000, "III", "2.5", R), ("K", "K", 50, 5, 6, False), "CHART, SEED, GB"),
    ((1000, "S-4", "1.0", R), ("F", "E", 5, 0, 1, False), "arrow up; CHART, SEED, GB"),
    ((200, "II", "2.5", R), ("G", "G", 13, 1, 2, False), "SEED, GB"),
    ((500, "II", "2.5", R), ("H", "H", 20, 2, 3, False), "SEED, GB"),
    ((50000, "II", "2.5", R), ("N", "N", 200, 10, 11, False), "SEED, GB"),
    ((2, "II", "1.0", R), ("A", "E", 2, 0, 1, True), "n = 5 >= 2; SEED, GB"),
    ((8, "II", "0.65", N), ("A", "F", 8, 0, 1, True), "n = 20 >= 8; NIBS, SEED"),
    ((10, "II", "1.0", N), ("B", "E", 10, 0, 1, True), "n = 13 >= 10; NIBS, SEED"),
    ((2, "II", "6.5", N), ("A", "A", 2, 0, 1, True), "n = 2 = lot; NIBS"),
    ((3, "II", "4.0", N), ("A", "B", 3, 0, 1, True), "n = 3 = lot; NIBS"),
    ((1, "II", "1.0", N), ("A", "E", 1, 0, 1, True), "one item; NIBS"),
]


@pytest.mark.parametrize(("args", "expected", "source"), PUBLISHED, ids=lambda v: str(v))
def test_plan_equals_published_tables(args, expected, source):
    lot_size, level, aql, severity = args
    plan = single_sampling_plan(lot_size, level=level, aql=aql, severity=severity)
    got = (
        plan.initial_code_letter,
        plan.code_letter,
        plan.sample_size,
        plan.accept,
        plan.reject,
        plan.full_inspection,
    )
    assert got == expected, source
    assert (plan.lot_size, plan.level, plan.aql, plan.severity) == args


def test_published_cases_cover_what_the_issue_asks():
    severities = {args[3] for args, _, _ in PUBLISHED}
    arrows = [exp for _, exp, _ in PUBLISHED if exp[0] != exp[1]]
    assert len(PUBLISHED) >= 30 and severities == {N, T, R}
    assert any(e[1] < e[0] for e in arrows) and any(e[1] > e[0] for e in arrows)  # up and down
    assert {args[1] for args, _, _ in PUBLISHED} >= {"S-1", "S-2", "S-3", "S-4", "I", "II", "III"}
    assert sum(exp[5] for _, exp, _ in PUBLISHED) >= 4


def test_full_inspection_keeps_the_tabulated_sample_size():
    plan = single_sampling_plan(8, aql="0.65")
    assert (plan.sample_size, plan.table_sample_size, plan.full_inspection) == (8, 20, True)
    assert plan.accepts(0) and not plan.accepts(1)


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"),
    [
        (8, "II", "A"), (8, "III", "B"), (9, "II", "B"), (15, "III", "C"), (16, "S-3", "B"),
        (50, "S-2", "B"), (51, "S-1", "B"), (280, "S-4", "E"), (281, "I", "F"),
        (1200, "S-3", "E"), (3201, "S-3", "F"), (35000, "S-4", "H"), (35001, "S-1", "D"),
        (500000, "II", "P"), (500001, "II", "Q"), (10**9, "III", "R"), (10**9, "S-4", "K"),
    ],
)  # fmt: skip
def test_table_1_code_letters_from_the_chart(lot_size, level, letter):
    assert sample_size_code_letter(lot_size, level=level) == letter


@pytest.mark.parametrize(
    ("severity", "ladder"),
    [
        (N, {0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44}),
        (T, {0, 1, 2, 3, 5, 8, 12, 18, 27, 41}),
        (R, {0, 1, 2, 3, 5, 6, 7, 8, 10, 14, 21, 30}),
    ],
)
def test_tables_hold_the_standard_ladders_and_every_arrow_leads_to_a_plan(severity, ladder):
    table = MASTER_TABLES[severity]
    numbers = {int(c) for row in table.cells for c in row if c.isdigit()}
    assert numbers == ladder
    for column, aql in enumerate(AQLS):
        previous = -1
        for row, letter in enumerate(table.letters):
            if letter == "S":  # the extra tightened row exists for AQL 0.025 only
                continue
            got_letter, n, ac = resolve_cell(severity, letter, aql)
            assert table.sample_sizes[table.letters.index(got_letter)] == n
            if table.cells[row][column].isdigit():
                assert ac >= previous, (letter, aql)  # more items, never a smaller Ac
                previous = ac


def test_tighter_aql_cell_is_a_plan_with_the_same_sample_whenever_ac_is_at_least_2():
    table = MASTER_TABLES[N]
    for row in table.cells:
        for column, cell in enumerate(row):
            if cell.isdigit() and int(cell) >= 2:
                assert row[column - 1].isdigit() and int(row[column - 1]) < int(cell)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("1.0", "1.0"), (1.0, "1.0"), (1, "1.0"), ("1", "1.0"), (" 0.65 ", "0.65"),
        (0.65, "0.65"), (0.1, "0.10"), ("0.10", "0.10"), (10, "10"), (10.0, "10"),
        ("0.01", "0.010"), (1000, "1000"),
    ],
)  # fmt: skip
def test_aql_is_normalised_to_the_table_spelling(given, canonical):
    assert normalize_aql(given) == canonical
    assert single_sampling_plan(500, aql=given).aql == canonical


@pytest.mark.parametrize(
    "aql", ["2.0", 2.0, 3, "abc", "1,0", "", "1_0", "-1.0", None, True, float("nan"), 1e9]
)
def test_aql_outside_the_tables_names_the_field_and_the_allowed_values(aql):
    with pytest.raises(PlanOutOfTables) as caught:
        single_sampling_plan(500, aql=aql)
    assert caught.value.field == "aql" and isinstance(caught.value, ValueError)
    assert caught.value.allowed == AQLS and len(AQLS) == 26
    assert AQLS[0] == "0.010" and AQLS[-1] == "1000"


@pytest.mark.parametrize(("field", "kwargs"), [
    ("level", {"level": "IV"}), ("level", {"level": "G-2"}), ("level", {"level": 2}),
    ("severity", {"severity": "strict"}), ("severity", {"severity": None}),
])  # fmt: skip
def test_level_or_severity_outside_the_tables(field, kwargs):
    with pytest.raises(PlanOutOfTables) as caught:
        single_sampling_plan(500, **kwargs)
    assert caught.value.field == field
    assert caught.value.allowed == (LEVELS if field == "level" else (N, T, R))


def test_level_and_severity_spelling_is_forgiving():
    plan = single_sampling_plan(1000, level=" s-4 ", severity="Tightened", aql=1)
    assert (plan.level, plan.severity) == ("S-4", T)


@pytest.mark.parametrize("lot_size", [0, -5, 2.5, "100", True, None])
def test_lot_size_below_one_or_not_whole_is_refused(lot_size):
    with pytest.raises(InvalidLotSize) as caught:
        single_sampling_plan(lot_size)
    assert isinstance(caught.value, AcceptanceInputError) and caught.value.field == "lot_size"


def test_plan_to_dict_and_verdict():
    plan = single_sampling_plan(1000)
    assert plan.to_dict() == {
        "code_letter": "J", "sample_size": 80, "accept": 2, "reject": 3, "severity": N,
        "level": "II", "aql": "1.0", "lot_size": 1000, "full_inspection": False,
        "initial_code_letter": "J", "table_sample_size": 80,
        "standard": "ISO 2859-1:1999 (GB/T 2828.1-2012), single sampling",
    }  # fmt: skip
    assert [plan.accepts(d) for d in (0, 2, 3)] == [True, True, False]
    with pytest.raises(ValueError):
        plan.accepts(-1)


# --- switching rules (ISO 2859-1:1999 clause 9) -------------------------------------------------

OK, NO = True, False


@pytest.mark.parametrize(
    ("current", "history", "kwargs", "expected"),
    [
        (N, [OK, NO, OK, OK, NO], {}, T),  # 2 of 5 not accepted
        (N, [NO, NO], {}, T),  # 2 of 2 (fewer than 5)
        (N, [NO, OK, OK, OK, OK, NO], {}, N),  # the two rejections are 6 lots apart
        (N, [OK] * 10, {"switching_score": 30}, N),  # reduced not wanted by the authority
        (N, [OK] * 10, {"switching_score": 30, "reduced_allowed": True}, R),
        (N, [OK] * 10, {"switching_score": 29, "reduced_allowed": True}, N),
        (N, [OK] * 10, {"switching_score": 30, "reduced_allowed": True,
                        "production_steady": False}, N),
        (T, [OK] * 4, {}, T),
        (T, [OK] * 5, {}, N),  # 5 consecutive accepted
        (T, [NO, OK, OK, OK, OK], {}, T),
        (T, [NO, OK, NO, OK, NO, OK, NO], {}, T),  # 4 not accepted so far
        (T, [NO, OK, NO, OK, NO, OK, NO, NO], {}, DISCONTINUED),  # cumulative 5
        (R, [OK] * 10, {"reduced_allowed": True}, R),
        (R, [OK, OK, NO], {"reduced_allowed": True}, N),  # 1 lot not accepted
        (R, [OK], {"reduced_allowed": True, "production_steady": False}, N),
        (R, [OK], {}, N),  # authority withdrew reduced inspection
        (DISCONTINUED, [OK] * 5, {}, DISCONTINUED),
    ],
)  # fmt: skip
def test_next_severity_follows_clause_9(current, history, kwargs, expected):
    assert next_severity(current, history, **kwargs) == expected


def test_unknown_state_is_refused():
    with pytest.raises(PlanOutOfTables):
        next_severity("relaxed", [OK])


def test_switching_score_clause_9_3_3_2():
    ac2 = single_sampling_plan(1000, aql="1.0")  # J: 80, Ac 2; AQL 0.65 on 80 items: Ac 1 (NIBS)
    scores = [switching_score_after(6, plan=ac2, nonconforming=d) for d in (0, 1, 2, 3)]
    assert scores == [9, 9, 0, 0]
    ac21 = single_sampling_plan(600000, aql="2.5")  # N: 500, Ac 21; AQL 1.5 on 500: Ac 14 (NIBS)
    assert [switching_score_after(0, plan=ac21, nonconforming=d) for d in (14, 15)] == [3, 0]
    ac0 = single_sampling_plan(150, aql="1.0")  # E: 13, Ac 0
    assert [switching_score_after(4, plan=ac0, nonconforming=d) for d in (0, 1)] == [6, 0]
    ac1 = single_sampling_plan(200, aql="1.0")  # H: 50, Ac 1
    assert [switching_score_after(4, plan=ac1, nonconforming=d) for d in (1, 2)] == [6, 0]
    with pytest.raises(ValueError):
        switching_score_after(0, plan=single_sampling_plan(1000, severity=T), nonconforming=0)


def _run(state, plan, found, **kwargs):
    states = []
    for d in found:
        state = record_lot(state, plan=plan, nonconforming=d, **kwargs)
        states.append(state.severity)
    return state, states


def test_normal_to_tightened_and_back():
    normal = single_sampling_plan(1000, aql="1.0")  # Ac 2
    state, seen = _run(SwitchingState(), normal, [3, 0, 0, 0, 3])
    assert seen == [N, N, N, N, T] and state == SwitchingState(T)
    tightened = single_sampling_plan(1000, aql="1.0", severity=T)  # J: 80, Ac 1
    state, seen = _run(state, tightened, [0, 2, 0, 0, 0, 0, 1])
    assert seen == [T, T, T, T, T, T, N]  # back only after 5 accepted in a row
    assert state == SwitchingState(N, (), 0)


def test_discontinuation_and_resumption_on_tightened():
    tightened = single_sampling_plan(1000, aql="1.0", severity=T)
    state, seen = _run(SwitchingState(T), tightened, [2, 0, 2, 0, 2, 0, 2, 2])
    assert seen == [T] * 7 + [DISCONTINUED]
    with pytest.raises(ValueError):
        record_lot(state, plan=tightened, nonconforming=0)
    assert resume(state) == SwitchingState(T)
    with pytest.raises(ValueError):
        resume(SwitchingState(N))


def test_normal_to_reduced_after_a_score_of_30_and_back_on_one_rejection():
    normal = single_sampling_plan(1000, aql="1.0")  # +3 per lot with at most 1 nonconforming
    state, seen = _run(SwitchingState(), normal, [1] * 10, reduced_allowed=True)
    assert seen == [N] * 9 + [R] and state.switching_score == 0
    held, _ = _run(SwitchingState(), normal, [1] * 11)  # authority never allowed reduced
    assert (held.severity, held.switching_score, len(held.history)) == (N, 33, 11)
    zero = single_sampling_plan(150, aql="1.0")  # Ac 0: +2 per accepted lot, 15 lots to 30
    _, seen = _run(SwitchingState(), zero, [0] * 15, reduced_allowed=True)
    assert seen == [N] * 14 + [R]
    reduced = single_sampling_plan(1000, aql="1.0", severity=R)  # J: 32, Ac 1
    state, seen = _run(state, reduced, [0, 1, 2], reduced_allowed=True)
    assert seen == [R, R, N] and state == SwitchingState(N)


def test_a_whole_switching_sequence_through_every_severity():
    """normal -> tightened -> normal -> reduced -> normal, as clause 9 moves a stream of lots
    of 1 000 at AQL 1.0 (normal J: 80, Ac 2; tightened J: 80, Ac 1; reduced J: 32, Ac 1)."""
    plans_by = {sev: single_sampling_plan(1000, aql="1.0", severity=sev) for sev in (N, T, R)}
    found = [
        0, 3, 1, 3,  # 2 of 4 not accepted: tightened (9.3.1)
        0, 0, 0, 0, 0,  # 5 accepted in a row on tightened: normal (9.3.2)
        1, 1, 1, 1,  # +3 each (at AQL 0.65 Ac would be 1): 12
        2,  # accepted, but not at the tighter AQL: score back to 0 (9.3.3.2)
        *[0] * 10,  # +3 each: 30 after the tenth, reduced (9.3.3)
        1, 0,  # accepted on reduced (Ac 1)
        2,  # not accepted on reduced: normal (9.3.4 a)
    ]  # fmt: skip
    state, seen, scores = SwitchingState(), [], []
    for d in found:
        state = record_lot(state, plan=plans_by[state.severity], nonconforming=d,
                           reduced_allowed=True)  # fmt: skip
        seen.append(state.severity)
        scores.append(state.switching_score)
    assert seen == [N, N, N, T, *[T] * 4, N, *[N] * 5, *[N] * 9, R, R, R, N]
    assert scores[9:14] == [3, 6, 9, 12, 0] and scores[22] == 27 and scores[-1] == 0
    assert state == SwitchingState(N)


@pytest.mark.parametrize(
    ("state", "kwargs", "expected"),
    [
        (SwitchingState(R, (OK,)), {"reduced_allowed": True, "production_steady": True},
         SwitchingState(R, (OK,))),
        (SwitchingState(R, (OK,)), {"reduced_allowed": True, "production_steady": False},
         SwitchingState(N)),  # 9.3.4 b)
        (SwitchingState(R, (OK,)), {"reduced_allowed": False, "production_steady": True},
         SwitchingState(N)),  # 9.3.4 c)
        (SwitchingState(N, (OK,), 12), {"reduced_allowed": False, "production_steady": False},
         SwitchingState(N, (OK,), 12)),
        (SwitchingState(T, (NO,)), {"reduced_allowed": False, "production_steady": False},
         SwitchingState(T, (NO,))),
    ],
)  # fmt: skip
def test_between_lots_ends_reduced_inspection_only(state, kwargs, expected):
    assert between_lots(state, **kwargs) == expected


def test_record_lot_refuses_a_plan_of_another_severity():
    with pytest.raises(ValueError):
        record_lot(SwitchingState(T), plan=single_sampling_plan(1000), nonconforming=0)
    assert SwitchingState(N, (OK, NO), 2).to_dict() == {
        "severity": N,
        "history": [True, False],
        "switching_score": 2,
    }


@pytest.mark.parametrize("module", [plans, switching])
def test_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.attempted >= 3 and result.failed == 0
