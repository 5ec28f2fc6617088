"""ISO 2859-1:1999 single-sampling tables as literals: Table 1 and master Tables 2-A, 2-B, 2-C.

Layout, so a reader can hold this file against the printed standard:

* ``CODE_LETTERS``: Table 1. One line per lot-size range (upper bound first, ``None`` for "500 001
  and over"), then the sample-size code letters for the inspection levels in the order of
  ``LEVELS`` (S-1, S-2, S-3, S-4, I, II, III), written as one string of seven letters.
* ``NORMAL`` / ``TIGHTENED`` / ``REDUCED``: Tables 2-A / 2-B / 2-C. One line per code letter: the
  letter, the sample size of that row, ``|``, then one cell per AQL column in the order of
  ``AQLS`` (0.010 ... 1000, all 26 columns of the standard). A cell is the acceptance number Ac
  (the rejection number is Re = Ac + 1 in every single-sampling cell of the 1999 edition), ``v``
  for the standard's downward arrow ("use the first sampling plan below the arrow"), ``^`` for
  the upward arrow ("use the first sampling plan above the arrow") and ``.`` for a blank cell
  (only row S of Table 2-B, which has a plan under AQL 0.025 alone). Table 2-C keeps its own
  sample-size column (K = 50 there, against 125 in 2-A/2-B).

Sources, cross-checked cell by cell where a second source covers the cell:

1. GB/T 2828.1-2012 (identical to ISO 2859-1:1999) Tables 1, 2-A, 2-B, 2-C, all 26 columns, as
   transcribed in a public TypeScript quality-control code base found through the code index
   (it resolves every arrow to "letter / n / Ac" and records that it was checked against the
   printed pages 15-17 of the standard). The cells below are that transcription with each
   resolved cell turned back into the standard's arrow or number; walking the arrows gives back
   exactly its 1 249 resolved cells.
2. The MIL-STD-105E tables reproduced at http://www.nibs.org/FMOC/DPW_AC/AC-TABLE.ASC (Table 1-A:
   letters A-Q x AQL 0.65-15 of Table II-A; Table 1-B: letters A-L x the same AQLs of Table
   II-B; rejection numbers and arrows). Every such cell agrees, except row A under AQL 10 (see
   "Differences" below).
3. A second public transcription of GB/T 2828.1-2012 (a NocoBase seed script found through the
   code index, recording that it was spot-checked against SQC Online's ISO 2859-1 calculator):
   Table 2-A columns 0.65-4.0, Tables 2-B and 2-C columns 1.0 and 2.5, letters A-Q. Every cell
   agrees (its row R, which it marks as not verified, has an upward arrow under AQL 0.65 where
   source 1 has 21/22; we keep source 1, which is on the table's diagonal of 21/22 plans).
4. Table 1: the ANSI/ASQC Z1.4 / MIL-STD-105E / ISO 2859 chart at
   https://pdfcoffee.com/aql-sampling-chart-pdf-free.html and http://www.wisetool.com/sampling.htm
   (rows 2-50) agree with source 1 letter for letter. The same chart shows the 30/31 and 44/45
   plans of the top rows of Table II-A.
5. Published plans: D. Jenkins, R. Peck, A. Fernando, operating characteristic curves from ISO
   2859-1:1999 (PLOS, 2023, https://plos.figshare.com/articles/figure/22583454) list six normal
   plans for special levels S-3/S-4; ISO 28590:2017 states that n = 8, Ac = 0 is the plan of AQL
   1.5 normal and AQL 0.65 reduced. All agree with the tables below (tests/quality).

Cells beyond the columns sources 2 and 3 cover (AQL 0.010-0.40 and 15-1000, and the reduced
table outside 1.0/2.5) rest on source 1 alone plus the table's structure, which the tests check:
the numbers run along diagonals of the ladders 0, 1, 2, 3, 5, 7, 10, 14, 21 (2-A), 0, 1, 2, 3, 5,
8, 12, 18 (2-B) and 0, 1, 2, 3, 5, 6, 8, 10, 14, 21 (2-C), with 30/44 (2-A), 27/41 (2-B) and the
2-A ladder (rows A-B of 2-C, n = 2) in the top-right corner; no column decreases downwards; and
every arrow leads to a plan.

Differences found. (a) Row A, AQL 10: the MIL-STD-105E reproduction prints an upward arrow in
Table II-A (there is no plan above row A, so the rule cannot be followed) and a downward arrow in
Table II-B; GB/T 2828.1-2012 has a downward arrow in 2-A (-> C, n = 5, 1/2) and the plan n = 2,
0/1 in 2-B. We follow GB/T 2828.1 = ISO 2859-1:1999. (b) ANSI/ASQ Z1.4 shares Table I and the
normal and tightened master tables with ISO 2859-1, but keeps MIL-STD-105E's reduced plans with
Re > Ac + 1 and its "special procedure for reduced inspection" (Z1.4 10.1.4: with Ac < d < Re the
lot is accepted and normal inspection reinstated); ISO 2859-1:1999 Table 2-C has Re = Ac + 1 in
every cell, so its reduced numbers differ from Z1.4's. Z1.4 switches to reduced inspection after
10 accepted lots and the limit numbers of its Table VIII (text of Z1.4 8.3.3 at
https://text-id.123dok.com, MIL-STD-105E 4.7.3 at http://www.altius-chinaservices.cn), where
ISO 2859-1:1999 uses the switching score of 9.3.3.2 (IS 2500 (Part 1):2000 foreword: "a new
procedure for switching from normal to reduced inspection").
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
AQLS = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0",
    "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650",
    "1000",
)  # fmt: skip
SEVERITIES = ("normal", "tightened", "reduced")

CODE_LETTERS: tuple[tuple[int | None, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

# Cells, left to right, are the columns of AQLS: 0.010 0.015 0.025 0.040 0.065 0.10 0.15 0.25
# 0.40 0.65 1.0 1.5 2.5 4.0 6.5 10 15 25 40 65 100 150 250 400 650 1000 (row A's 0 is under 6.5).
# Table 2-A, normal inspection
NORMAL = """
A    2 |  v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  7 10 14 21 30
B    3 |  v  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44
C    5 |  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^
D    8 |  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^  ^
E   13 |  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^  ^  ^
F   20 |  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^
G   32 |  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^
H   50 |  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^
J   80 |  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^
K  125 |  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
L  200 |  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
M  315 |  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
N  500 |  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
P  800 |  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
Q 1250 |  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
R 2000 |  ^  ^  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
"""
# Table 2-B, tightened inspection
TIGHTENED = """
A    2 |  v  v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27
B    3 |  v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41
C    5 |  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^
D    8 |  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^  ^
E   13 |  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^  ^  ^
F   20 |  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^
G   32 |  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^
H   50 |  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^
J   80 |  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^
K  125 |  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
L  200 |  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
M  315 |  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
N  500 |  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
P  800 |  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
Q 1250 |  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
R 2000 |  0  ^  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
S 3150 |  .  .  1  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .
"""
# Table 2-C, reduced inspection
REDUCED = """
A    2 |  v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  7 10 14 21 30
B    2 |  v  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  7 10 14 21 30
C    2 |  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^
D    3 |  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^  ^
E    5 |  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^  ^  ^
F    8 |  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^
G   13 |  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^
H   20 |  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^
J   32 |  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^
K   50 |  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
L   80 |  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
M  125 |  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
N  200 |  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
P  315 |  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
Q  500 |  0  ^  ^  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
R  800 |  ^  ^  ^  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
"""


@dataclass(frozen=True)
class MasterTable:
    """One master table parsed: row letters, row sample sizes and the cells row by row."""

    name: str
    letters: tuple[str, ...]
    sample_sizes: tuple[int, ...]
    cells: tuple[tuple[str, ...], ...]


def _parse(name: str, text: str) -> MasterTable:
    letters, sizes, cells = [], [], []
    for line in text.strip().splitlines():
        head, body = line.split("|")
        letter, size = head.split()
        row = tuple(body.split())
        if len(row) != len(AQLS):
            raise ValueError(f"table {name} row {letter}: {len(row)} cells, not {len(AQLS)}")
        letters.append(letter)
        sizes.append(int(size))
        cells.append(row)
    return MasterTable(name, tuple(letters), tuple(sizes), tuple(cells))


MASTER_TABLES = {
    "normal": _parse("2-A", NORMAL),
    "tightened": _parse("2-B", TIGHTENED),
    "reduced": _parse("2-C", REDUCED),
}
