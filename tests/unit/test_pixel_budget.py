"""Full image decodes at once share a pixel budget: a decode waits while others hold it, one
image alone always fits (it is under the pixel limit, checked from the header first)."""

from __future__ import annotations

import threading
import time

from backend.items.images import PixelBudget


def test_a_decode_waits_until_its_pixels_fit_and_one_alone_always_fits():
    budget = PixelBudget()
    order: list[str] = []
    first_in = threading.Event()
    release_first = threading.Event()

    def first() -> None:
        with budget.share(80, budget=100):
            order.append("first in")
            first_in.set()
            release_first.wait(5)
            order.append("first out")

    def second() -> None:
        with budget.share(40, budget=100):
            order.append("second in")

    a = threading.Thread(target=first)
    a.start()
    assert first_in.wait(5)
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.1)
    assert order == ["first in"]  # 80 + 40 > 100: the second waits
    release_first.set()
    a.join(5)
    b.join(5)
    assert order == ["first in", "first out", "second in"]
    with budget.share(500, budget=100):  # alone: over the budget, still let in
        pass
    with budget.share(30, budget=100), budget.share(60, budget=100):  # both fit: no wait
        pass
