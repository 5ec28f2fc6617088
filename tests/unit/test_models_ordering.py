"""``ordering`` turned into priorities, and the stored pre-label's public shape."""

from __future__ import annotations

import numpy as np
import pytest

from backend.items.prelabels import is_model_made, prelabel_result, public_prelabel
from backend.models.media_links import link_is_valid, signed_path
from backend.models.ordering import MIXED_RANDOM_SHARE, priorities, ranks_by_model


def test_uncertainty_ordering_is_the_uncertainty():
    u = np.linspace(0, 1, 11)
    got = priorities(ordering="uncertainty", uncertainty=u, random_keys=range(11))
    np.testing.assert_array_equal(got, u)
    assert not ranks_by_model("default") and ranks_by_model("mixed")
    with pytest.raises(ValueError):
        priorities(ordering="default", uncertainty=u, random_keys=range(11))
    with pytest.raises(ValueError):
        ranks_by_model("fifo")


def test_mixed_ordering_gives_a_stable_random_share():
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**63, size=20_000, dtype=np.int64)
    u = np.full(len(keys), 0.5)
    first = priorities(ordering="mixed", uncertainty=u, random_keys=keys)
    random_share = float(np.mean(first != 0.5))
    assert abs(random_share - MIXED_RANDOM_SHARE) < 0.02, random_share
    # the random ones are spread over [0, 1) and the same on the next training
    picked = first[first != 0.5]
    assert picked.min() < 0.05 and picked.max() > 0.95
    again = priorities(ordering="mixed", uncertainty=u * 0.5 + 0.1, random_keys=keys)
    np.testing.assert_array_equal(again[first != 0.5], picked)


def test_stored_prelabels_answer_in_one_shape():
    made = {"result": {"label": "a"}, "score": 0.7, "model_version": 2}
    assert is_model_made(made) and public_prelabel(made) == made
    imported = {"boxes": [{"label": "dent", "x": 1, "y": 2, "w": 3, "h": 4}]}
    assert not is_model_made(imported)
    assert public_prelabel(imported) == {"result": imported, "score": None, "model_version": None}
    assert prelabel_result(imported) == imported and prelabel_result(made) == {"label": "a"}
    assert public_prelabel(None) is None and public_prelabel({}) is None


def test_signed_media_links_expire_and_name_one_item():
    path = signed_path(42, seconds=60, now=1000.0)
    query = dict(part.split("=") for part in path.split("?")[1].split("&"))
    expires, sig = int(query["expires"]), query["sig"]
    assert link_is_valid(42, expires=expires, sig=sig, now=1000.0)
    assert not link_is_valid(43, expires=expires, sig=sig, now=1000.0)
    assert not link_is_valid(42, expires=expires, sig=sig, now=1061.0)
    assert not link_is_valid(42, expires=expires + 1, sig=sig, now=1000.0)
