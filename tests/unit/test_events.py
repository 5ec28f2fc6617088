"""Domain events: explicit subscription, loud when a process forgot to wire."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from backend import events
from support.fixtures import REPO_ROOT


@dataclass(frozen=True)
class _Pinged:
    value: int


def test_listeners_run_in_subscription_order_once_each() -> None:
    from backend.wiring import wire

    wire()
    seen: list[tuple[str, int]] = []

    def first(event: _Pinged) -> None:
        seen.append(("first", event.value))

    def second(event: _Pinged) -> None:
        seen.append(("second", event.value))

    events.subscribe(_Pinged, first)
    events.subscribe(_Pinged, second)
    events.subscribe(_Pinged, first)  # a second subscription of the same listener is ignored
    events.emit(_Pinged(7))
    assert seen == [("first", 7), ("second", 7)]
    assert events.listeners_of(_Pinged) == (first, second)


def test_wiring_subscribes_the_quality_job_to_submits() -> None:
    from backend.wiring import wire

    wire()

    names = [f.__qualname__ for f in events.listeners_of(events.AnnotationSubmitted)]
    assert "_on_submit" in names
    flagged = [f.__module__ for f in events.listeners_of(events.RecomputeFlagged)]
    assert flagged[0] == "backend.consensus.scheduling"  # the recompute job is sent first


def test_a_process_that_never_wired_refuses_to_emit() -> None:
    """Importing the services (and even the scheduling module) subscribes nothing."""
    code = (
        "from backend import events\n"
        "import backend.consensus.scheduling, backend.assignments.submitting\n"
        "assert events.listeners_of(events.AnnotationSubmitted) == ()\n"
        "try:\n"
        "    events.emit(events.RecomputeFlagged(project_id=1, started_at=None))\n"
        "except events.NotWired as exc:\n"
        "    print('refused:', exc)\n"
    )
    assert "refused: RecomputeFlagged emitted before backend.wiring.wire()" in _python(code)


def test_wire_is_idempotent() -> None:
    from backend.wiring import wire

    wire()
    before = events.listeners_of(events.AnnotationSubmitted)
    wire()
    assert events.listeners_of(events.AnnotationSubmitted) == before
    with pytest.raises(TypeError):
        events.AnnotationSubmitted(session=None, project_id=1)  # type: ignore[call-arg]


def test_an_unwired_process_cannot_ask_whether_anyone_listens() -> None:
    """An emitter that skips work nobody listens to must not skip it just for lack of wiring."""
    code = (
        "from backend import events\n"
        "try:\n"
        "    events.has_listeners(events.ItemsFinished)\n"
        "except events.NotWired as exc:\n"
        "    print('refused:', exc)\n"
        "from backend.wiring import wire\n"
        "wire()\n"
        "print('wired:', events.has_listeners(events.ItemsFinished),"
        " events.has_listeners(events.AnnotationSubmitted))\n"
    )
    printed = _python(code)
    assert "refused: ItemsFinished asked about before backend.wiring.wire()" in printed
    assert "wired: True True" in printed  # review, pay and models listen to finished items


def _python(code: str) -> str:
    """What ``code`` prints in a fresh process (which has not wired unless the code does)."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
