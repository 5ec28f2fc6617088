"""What the PostgreSQL functions' sources share with Python, read from ``backend/assignments/sql``.

Everything Python owns is passed to the functions as an argument, except ``GOLD_WINDOW``: a LIMIT
given as a parameter would make PostgreSQL replan the gold window on every call, so it stands in
``jinbiao_next.sql`` as a literal, checked here. And every outcome word the functions return must
be one ``pg_functions`` reads: it answers ``lease``, ``held``, ``none`` and ``created`` itself and
turns every other word into ``HandBack(HandBackReason(word))``, so an unknown word would be a 500
on PostgreSQL only. No database needed: this runs on every one.
"""

from __future__ import annotations

import re

import pytest

from backend.assignments.outcomes import HandBackReason
from backend.assignments.pg_functions import SOURCES
from backend.assignments.picking import GOLD_WINDOW

ANSWERED_FROM_THE_ROW = {"lease", "held", "none", "created"}


def _source(name: str) -> str:
    return (SOURCES / f"{name}.sql").read_text()


def _outcomes(name: str) -> set[str]:
    return set(re.findall(r"'([a-z_]+)'::text", _source(name)))


def test_the_gold_window_of_jinbiao_next_is_pickings():
    source = _source("jinbiao_next")
    assert re.findall(r"LIMIT (\d+)\) g  -- GOLD_WINDOW\n", source) == [str(GOLD_WINDOW)] * 2
    assert source.count(f"LIMIT {GOLD_WINDOW}") == 2  # no unmarked copy


def test_every_outcome_of_the_functions_is_read_by_python():
    assert _outcomes("jinbiao_next") == {"lease", "held", "none", "refused", "paused"}
    assert _outcomes("jinbiao_submit") == {"created", "refused", "changed", "late"}
    handed_back = (_outcomes("jinbiao_next") | _outcomes("jinbiao_submit")) - ANSWERED_FROM_THE_ROW
    assert handed_back == {"refused", "paused", "changed", "late"}
    assert handed_back <= {reason.value for reason in HandBackReason}


@pytest.mark.parametrize("function", ["jinbiao_next", "jinbiao_review_next"])
def test_the_access_condition_of_each_next_function_is_the_python_rule(function: str) -> None:
    """``jinbiao_next`` and ``jinbiao_review_next`` write out
    ``projects.access.work_condition_sql`` for their stage (a .sql file cannot import it): each
    text is the same as the rule's, whitespace aside, so the rule is still written once."""
    from backend.assignments.stages import ANNOTATE, REVIEW
    from backend.projects.access import work_condition_sql

    rules = REVIEW if function == "jinbiao_review_next" else ANNOTATE
    source = (SOURCES / f"{function}.sql").read_text()
    rule = work_condition_sql(
        project="p", role="m.role", user_id="p_user_id", unlisted=rules.unlisted_names
    )
    assert " ".join(rule.split()) in " ".join(source.split())
